"""Two monitoring runs at once (the sweep and a district's run from the
page): the second waits for the first and opens no alert of a fact the
first alerted — never a duplicate, never an IntegrityError."""

from decimal import Decimal

import pytest

from tests.workflows.alerts.conftest import (  # noqa: F401  (fixtures)
    district,
    feed,
    make_recipient,
    registrar,
    reviewer,
)
from workflows.alerts.models import Alert
from workflows.alerts.services import monitoring_run

from .harness import hold, postgres_only

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def test_a_second_run_waits_and_opens_no_duplicate(registrar, reviewer, district):  # noqa: F811
    _household, members, _benefit = make_recipient(registrar=registrar)
    feed("vehicle", [(members[0], "小型轿车", Decimal("80000.00"), "鲁D12345")])
    held = hold(
        lambda: monitoring_run(user=reviewer, district=district),
        "monitoring.matched",
        lambda: monitoring_run(),
        until_busy=False,
    )
    assert held.a.ok and held.b.ok, (held.a, held.b)
    assert Alert.objects.count() == 1
    assert held.a.value.alerts_opened + held.b.value.alerts_opened == 1
