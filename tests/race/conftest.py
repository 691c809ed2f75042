"""Fixtures of the race tests: committed data and the people."""

import pytest
from django.core.management import call_command

from tests.workflows.dibao.desk import cast as cast  # noqa: F401  (fixture)

from .cases import make_crew


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Race tests commit their data (other connections must see it); a
    transactional test empties every table afterwards, so each loads the
    reference data (idempotent) for itself."""
    call_command("load_reference", verbosity=0)


@pytest.fixture
def crew(cast, staff):
    return make_crew(cast, staff)
