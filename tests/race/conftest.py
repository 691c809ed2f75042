"""Fixtures of the race tests: committed data and the people."""

import pytest

from tests.workflows.dibao.desk import cast as cast  # noqa: F401  (fixture)

from .cases import make_crew


@pytest.fixture
def crew(cast, staff):
    return make_crew(cast, staff)
