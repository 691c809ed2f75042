"""Fixtures of the race tests: committed data and the people."""

import pytest
from django.core.management import call_command
from django.test import Client

from tests.workflows.dibao.desk import cast as cast  # noqa: F401  (fixture)

from .cases import Crew


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Race tests commit their data (other connections must see it); a
    transactional test empties every table afterwards, so each loads the
    reference data (idempotent) for itself."""
    call_command("load_reference", verbosity=0)


@pytest.fixture
def crew(cast, staff):
    reviewer2 = staff("district_reviewer", cast.reviewer.posts.get().region.code)
    people = {
        "caseworker": cast.caseworker,
        "caseworker_tab2": cast.caseworker,
        "caseworker2": cast.caseworker2,
        "supervisor": cast.town_supervisor,
        "reviewer": cast.reviewer,
        "reviewer2": reviewer2,
    }
    clients = {}
    for name, user in people.items():
        clients[name] = Client()
        clients[name].force_login(user)
    return Crew(cast=cast, reviewer2=reviewer2, clients=clients)
