"""The two-process races of test_processes.py, sent over HTTP to gunicorn
with four worker processes — ``make serve``'s layout — instead of through
the test client: each request of a pair lands on whichever worker process
is free, as in production. Same judges: exactly one side wins, the task's
trail is consistent, the loser reads a sentence, nothing answers 500."""

import os

import pytest

from tests.jobs.worker import require_broker

from .harness import Racers, postgres_only
from .pairs import PAIRS, run_rounds
from .served import Gunicorn, HttpClient

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]

ROUNDS = int(os.environ.get("RACE_ROUNDS", "20"))


@pytest.fixture(scope="module")
def served(django_db_setup, tmp_path_factory):
    require_broker()  # make serve's shared cache
    server = Gunicorn(tmp_path_factory.mktemp("served"), workers=4).start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
def test_two_http_clients_at_once_against_gunicorn(crew, pair, served):
    clients = {name: HttpClient(served, c) for name, c in crew.clients.items()}
    with Racers(clients) as racers:
        result = run_rounds(racers, crew, pair, ROUNDS)
    print(f"{pair.name} over HTTP: {ROUNDS} rounds, wins {dict(result.wins)}")
    assert result.failures == [], (
        f"{len(result.failures)} of {ROUNDS} rounds inconsistent: {result.failures[:3]}"
    )
    assert sum(result.wins.values()) == ROUNDS
