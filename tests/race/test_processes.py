"""Two real processes, released together, round after round, for each pair
of paths that change one task (tests/race/pairs.py): exactly one side wins
(or the other's refusal is consistent with it), the task's row matches its
history, the loser reads a sentence, and nothing answers 500.

``RACE_ROUNDS`` (default 20) sets the rounds per pair; ``make bench-races``
runs hundreds."""

import os

import pytest

from .harness import Racers, postgres_only
from .pairs import PAIRS, run_rounds

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]

ROUNDS = int(os.environ.get("RACE_ROUNDS", "20"))


@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
def test_two_processes_at_once_one_outcome(crew, pair):
    with Racers(crew.clients) as racers:
        result = run_rounds(racers, crew, pair, ROUNDS)
    print(f"{pair.name}: {ROUNDS} rounds, wins {dict(result.wins)}")
    assert result.failures == [], (
        f"{len(result.failures)} of {ROUNDS} rounds inconsistent"
    )
    assert sum(result.wins.values()) == ROUNDS
