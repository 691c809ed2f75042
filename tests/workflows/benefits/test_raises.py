"""Standard raises (提标): one job recomputes every benefit in force of the
district and area from the standard's date, once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from workflows.base.context import because
from workflows.benefits.models import Benefit, BenefitAmount, StandardRaise
from workflows.benefits.raises import standard_raise_start
from workflows.benefits.services import benefit_stop
from workflows.standards.models import AssistanceStandard

from .test_register import client_for

pytestmark = pytest.mark.django_db

RAISE_FROM = datetime.date(2026, 10, 1)


def raise_standard(district_code, area="rural", amount="900.00"):
    """The district's standard for ``area`` raised from RAISE_FROM."""
    current = AssistanceStandard.objects.in_force(RAISE_FROM).get(
        district__code=district_code, area=area
    )
    with because("区政府提标文件"):
        current.valid_to = RAISE_FROM - datetime.timedelta(days=1)
        current.save()
        current.pk = None
        current.valid_from, current.valid_to = RAISE_FROM, None
        current.monthly_standard = Decimal(amount)
        current.save()
    return current


def test_raise_recomputes_the_district_once(caseload, staff):
    """Every benefit in force of 市中区's rural households gets an amount
    from October naming the standard; a stopped one and 薛城区's are
    untouched; the run lists the changed households; a second start is
    refused; a town caseworker may not start it."""
    shizhong, stopped = caseload[0], caseload[1]
    xuecheng = caseload[2:]
    benefit_stop(
        benefit=stopped,
        last_month=datetime.date(2026, 8, 1),
        on=datetime.date(2026, 8, 10),
        stop_reason=Benefit.StopReason.MOVED,
        note="",
    )
    standard = raise_standard("370402")
    with pytest.raises(PermissionDenied):
        standard_raise_start(
            standard=standard, user=staff("town_caseworker", "370402106")
        )
    reviewer = staff("district_reviewer", "370402")
    client = client_for(reviewer)
    response = client.post(reverse("register:raises"), {"standard": standard.pk})
    assert response.status_code == 302
    run = StandardRaise.objects.get(standard=standard)
    assert run.finished_at is not None
    assert (run.benefits_seen, run.changed, run.skipped) == (1, 1, 0)
    shizhong.refresh_from_db()
    newest = shizhong.amounts.order_by("-from_month", "-pk").first()
    assert newest.from_month == RAISE_FROM
    assert "提标" in newest.reason and "900" in newest.reason
    # two members without income on a standard of 900: 1,800 a month
    assert shizhong.monthly_amount == newest.monthly_amount == Decimal("1800.00")
    line = run.lines.get()
    assert (line.benefit, line.old_amount, line.new_amount) == (
        shizhong,
        Decimal("500.00"),
        Decimal("1800.00"),
    )
    assert not BenefitAmount.objects.filter(benefit=stopped, from_month=RAISE_FROM)
    for benefit in xuecheng:
        assert benefit.amounts.count() == 1
    # the run's page lists the household; a second start is refused
    page = client.get(reverse("register:raise", kwargs={"raise_pk": run.pk}))
    assert page.status_code == 200 and "1800.00" in page.content.decode()
    with pytest.raises(ValidationError):
        standard_raise_start(standard=standard, user=reviewer)
    assert shizhong.amounts.count() == 2
    # another district's reviewer does not see the run
    other = client_for(staff("district_reviewer", "370403"))
    assert (
        other.get(reverse("register:raise", kwargs={"raise_pk": run.pk})).status_code
        == 404
    )
