"""Shared fixtures: reference data once per session, staff with posts."""

import pytest
from django.core.management import call_command

from tests.factories import StaffFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Regions, roles, income types, parameters and the calendar, loaded once."""
    with django_db_blocker.unblock():
        call_command("load_reference", verbosity=0)


@pytest.fixture
def staff(db):
    """``staff("town_caseworker", "370402106")`` → a user holding that post."""
    return StaffFactory.with_post


@pytest.fixture(scope="session", autouse=True)
def _urls_loaded():
    """Viewflow names its URL namespaces when the URLconf is built; load it so
    ``Flow.instance.reverse`` works before the first request of a test."""
    from django.urls import get_resolver

    assert get_resolver().url_patterns


@pytest.fixture(autouse=True)
def _audit_head_log(settings, tmp_path):
    """Each test its own head log: the chain it builds is rolled back after it."""
    settings.AUDIT_HEAD_LOG = tmp_path / "audit-heads.log"


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    """A transactional test (races, concurrent submissions, the browser)
    commits its data and empties every table when it ends, the session's
    reference data included; pytest-django runs these tests last, so each
    loads the reference data (idempotent) for itself."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        (marker is not None and marker.kwargs.get("transaction"))
        or "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        call_command("load_reference", verbosity=0)


@pytest.fixture(autouse=True)
def _commit_callbacks_as_in_production(request, monkeypatch):
    """In a (non-transactional) test everything runs inside the test's own
    transaction, so ``transaction.on_commit`` callbacks would never run. Here
    they run when the application's outermost transaction ends, as on a real
    commit (a programme reacting to another's decision after it commits)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in request.fixturenames:
        return
    if (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames
    ):
        return
    from django.db import connection
    from django.db.transaction import Atomic

    request.getfixturevalue("db")
    base = len(connection.atomic_blocks)
    original_exit = Atomic.__exit__

    def exit_and_run(self, exc_type, exc_value, traceback):
        result = original_exit(self, exc_type, exc_value, traceback)
        conn = connection if self.using in (None, "default") else None
        if conn is not None and len(conn.atomic_blocks) == base and conn.run_on_commit:
            callbacks, conn.run_on_commit = conn.run_on_commit, []
            for _sids, func, robust in callbacks:
                if robust:
                    try:
                        func()
                    except Exception:  # as Django does for robust callbacks
                        import logging

                        logging.getLogger("django.db").exception("on_commit")
                else:
                    func()
        return result

    monkeypatch.setattr(Atomic, "__exit__", exit_and_run)
