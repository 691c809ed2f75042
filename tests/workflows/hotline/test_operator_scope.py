"""A hotline operator answers callers without reading their files.

Decision (docs/security.md): the operator's role sees calls, not 低保 or
escalation files. What a call led to shows on the call's page by number and
stage; any case of the region can be looked up by number or ID number, which
shows where it stands and nothing more.
"""

import pytest

from workflows.core.models import SensitiveAccess
from workflows.dibao.flows import DibaoFlow
from workflows.hotline.flows import HotlineFlow

from ..dibao.desk import Desk
from ..escalation.story import apply_from_call, dispatch, register_call, verify

pytestmark = pytest.mark.django_db


def test_the_operator_sees_the_call_and_where_it_led_but_not_the_file(people):
    p = people
    call = register_call(p)
    dispatch(p, call)
    verify(p, call)
    case = apply_from_call(p, call)
    operator = Desk(p.operator)
    page = operator.get(HotlineFlow.instance.reverse("process_detail", args=[call.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert case.number in html
    assert f'href="/dibao/{case.pk}/"' not in html  # no link into the file
    assert operator.get(f"/dibao/{case.pk}/").status_code in (403, 404)
    listing = operator.get(DibaoFlow.instance.reverse("process_list"))
    assert listing.status_code in (403, 404) or not list(listing.context["object_list"])
    # the caseworker still follows the link
    page = Desk(p.caseworker).get(
        HotlineFlow.instance.reverse("process_detail", args=[call.pk])
    )
    assert f'href="/dibao/{case.pk}/"' in page.content.decode()


def test_progress_lookup_by_number_or_id_shows_only_where_a_case_stands(people, staff):
    p = people
    call = register_call(p)
    dispatch(p, call)
    verify(p, call)
    case = apply_from_call(p, call)
    url = HotlineFlow.instance.reverse("progress")
    operator = Desk(p.operator)
    page = operator.get(url, {"q": case.number})
    results = page.context["results"]
    assert [r["number"] for r in results] == [case.number]
    assert results[0]["town"] == "运河街道"
    html = page.content.decode()
    assert case.applicant.name not in html  # no names from the file
    assert not SensitiveAccess.objects.exists()
    # by the applicant's ID number: found, and the lookup is logged
    number = case.applicant.id_number
    page = operator.get(url, {"q": number})
    assert case.number in [r["number"] for r in page.context["results"]]
    logged = SensitiveAccess.objects.get(case=case)
    assert (logged.user, logged.action, logged.case_id) == (
        p.operator,
        SensitiveAccess.Action.LOOKUP,
        case.pk,
    )
    # an operator of another district finds nothing; bad input is refused
    other = Desk(staff("hotline_operator", "370402"))
    page = other.get(url, {"q": case.number})
    assert page.context["results"] == []
    page = operator.get(url, {"q": "x" * 500})
    assert page.status_code == 200 and page.context["form"].errors
    # staff who do not answer callers have no such page
    assert Desk(p.caseworker).get(url).status_code == 403
