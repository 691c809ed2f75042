"""The low-income register page and the household page (一户一条救助链)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import login_with_second_factor
from workflows.benefits.models import RegisterEntry
from workflows.benefits.register import register_entry_add, register_entry_leave
from workflows.benefits.services import benefit_amount_change

from .conftest import SHIZHONG

pytestmark = pytest.mark.django_db

INDEX = "register:index"


def client_for(user):
    client = Client()
    from roles.accounts.second_factor import second_factor_required

    if second_factor_required(user):
        login_with_second_factor(client, user)
    else:
        client.force_login(user)
    return client


def listed(client, **params):
    response = client.get(reverse(INDEX), params)
    assert response.status_code == 200
    return {e.pk for e in response.context["object_list"]}


def test_register_is_scoped_to_the_users_regions(caseload, staff):
    """A village coordinator sees only their village's households; a district
    reviewer their district's; a coordinator of another village none, and a
    hotline operator is refused the page."""
    entries = {
        b.pk: RegisterEntry.objects.get(benefit=b).pk for b in caseload
    }  # one recipient entry per benefit
    village = staff("village_coordinator", SHIZHONG)
    assert listed(client_for(village)) == {entries[b.pk] for b in caseload[:2]}
    district = staff("district_reviewer", "370403")
    assert listed(client_for(district)) == {entries[b.pk] for b in caseload[2:]}
    outsider = staff("village_coordinator", "370402106202")
    assert listed(client_for(outsider)) == set()
    operator = staff("hotline_operator", "370402")
    assert client_for(operator).get(reverse(INDEX)).status_code in (302, 403)


def test_register_export_lists_the_same_rows(caseload, staff):
    """The export of the register is the page's rows, its columns headed."""
    village = staff("village_coordinator", SHIZHONG)
    response = client_for(village).get(reverse(INDEX), {"_export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "低收入人口名册" not in text.splitlines()[1]  # data rows, not titles
    assert len(text.strip().splitlines()) == 3  # header + two households


def test_marginal_entered_by_hand_and_left_with_reasons(caseload, staff):
    """A town caseworker enters a household as marginal with a reason, and
    takes it out with one; the ended entry shows under the 'ended' filter;
    a coordinator may not enter; a recipient entry is never left by hand."""
    household = caseload[0].household
    caseworker = staff("town_caseworker", "370402106")
    with pytest.raises(ValidationError):
        register_entry_add(
            household=household, user=caseworker, category="marginal", reason=" "
        )
    with pytest.raises(PermissionDenied):
        register_entry_add(
            household=household,
            user=staff("village_coordinator", SHIZHONG),
            category="marginal",
            reason="走访发现",
        )
    client = client_for(caseworker)
    url = reverse("register:enter", kwargs={"household_pk": household.pk})
    assert (
        client.post(url, {"category": "marginal", "reason": "走访发现"}).status_code
        == 302
    )
    entry = RegisterEntry.objects.get(household=household, category="marginal")
    assert entry.note == "走访发现" and entry.case is None
    with pytest.raises(ValidationError):  # the same class twice
        register_entry_add(
            household=household, user=caseworker, category="marginal", reason="x"
        )
    recipient = RegisterEntry.objects.get(household=household, category="recipient")
    with pytest.raises(ValidationError):
        register_entry_leave(entry=recipient, user=caseworker, reason="x")
    url = reverse("register:leave", kwargs={"household_pk": household.pk})
    client.post(url, {"entry": entry.pk, "reason": "收入好转"})
    entry.refresh_from_db()
    assert entry.ended_on is not None and entry.note == "收入好转"
    assert entry.pk not in listed(client)
    assert entry.pk in listed(client, state="ended")


def test_household_page_tells_the_chain(caseload, staff, django_assert_max_num_queries):
    """The household page shows its case with number and link, the benefit's
    amounts over time with their reasons, its register entries; in a bounded
    number of queries; and answers 404 outside the user's scope."""
    benefit = caseload[0]
    benefit_amount_change(
        benefit=benefit,
        from_month=datetime.date(2026, 6, 1),
        monthly_amount=Decimal("620.00"),
        persons=2,
        reason="复核增加",
    )
    url = reverse("register:household", kwargs={"household_pk": benefit.household_id})
    client = client_for(staff("town_caseworker", "370402106"))
    with django_assert_max_num_queries(40):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    case = benefit.case
    assert case.number in page and case.get_absolute_url() in page
    assert "620.00" in page and "复核增加" in page and "500.00" in page
    assert "最低生活保障" in page or case.kind_label in page
    rows = response.context["cases"]
    assert [r["case"].pk for r in rows] == [case.pk]
    assert rows[0]["benefits"] == [benefit]
    for member in benefit.household.members.all():
        assert member.id_number not in page
    outsider = client_for(staff("town_caseworker", "370403001"))
    assert outsider.get(url).status_code == 404
