"""No self-made powers: the declared grant map, applied to grants,
reassignment, leave substitution, member units and home-visit investigators.

Each test here failed on the code before the grant map (security review,
finding 1): a supervisor could grant themself any step, hand the decision to
the investigator, and pick the district supervisor as a visit's investigator.
"""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from roles.models import Absence, CaseGrant, CaseGroupGrant
from tests.factories import DISTRICT, TOWN, StaffFactory
from tests.workflows.dibao.desk import (
    Desk,
    accept,
    calculate,
    investigate,
    open_task,
    propose,
    review,
    submit,
    task_url,
    through_notice,
)
from workflows.core.forms import visit_staff
from workflows.dibao import services as dibao
from workflows.dibao.flows import DibaoFlow
from workflows.work.services import absence_create, grant_create, group_grants_give

from .test_work import many_cases, reassign

pytestmark = pytest.mark.django_db

CONFIRM = "workflows.confirm_application"
DECIDE = "workflows.decide_application"
INVESTIGATE = "workflows.investigate_application"
VIEW = "workflows.view_application"


def grant_page(desk, case, user, perms, reason="跨岗协助"):
    return desk.post(
        "/work/grants/",
        {
            "case_number": case.number,
            "username": user.username,
            "perms": perms,
            "reason": reason,
        },
    )


def at_review(cast):
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    investigate(cast, case)
    calculate(cast, case)
    propose(cast, case, "include")
    through_notice(case)
    return case


# --- grants ---------------------------------------------------------------------


def test_a_town_supervisor_cannot_give_themself_confirmation_or_decision(cast):
    """The review's example: in a district that keeps confirmation, a town
    supervisor grants themself confirmation and decision — refused, over
    HTTP and in the service, and nothing is written."""
    case = many_cases(cast, 1)[0]
    desk = Desk(cast.town_supervisor)
    response = grant_page(desk, case, cast.town_supervisor, [CONFIRM, DECIDE])
    assert response.status_code == 422
    assert "不能给自己授权" in response.content.decode()
    with pytest.raises(ValidationError):
        grant_create(
            case=case,
            user=cast.town_supervisor,
            perms=[CONFIRM],
            by=cast.town_supervisor,
            reason="x",
        )
    # nor to the district's own reviewer: only the district gives confirmation
    with pytest.raises(ValidationError) as refused:
        grant_create(
            case=case,
            user=cast.other_district_reviewer,
            perms=[CONFIRM],
            by=cast.town_supervisor,
            reason="x",
        )
    assert "您的岗位不能" in str(refused.value)
    assert not CaseGrant.objects.exists()


def test_nobody_grants_to_themself_not_even_to_read(cast):
    case = many_cases(cast, 1)[0]
    with pytest.raises(ValidationError):
        grant_create(
            case=case,
            user=cast.district_supervisor,
            perms=[VIEW],
            by=cast.district_supervisor,
            reason="x",
        )
    assert not CaseGrant.objects.exists()


def test_only_to_someone_whose_post_could_hold_the_power(cast, staff):
    case = many_cases(cast, 1)[0]
    by = cast.district_supervisor
    # a caseworker's role never decides
    with pytest.raises(ValidationError) as refused:
        grant_create(
            case=case, user=cast.caseworker2, perms=[DECIDE], by=by, reason="x"
        )
    assert "没有可办理" in str(refused.value)
    # a reviewer of another district: the district gives steps within itself
    with pytest.raises(ValidationError):
        grant_create(
            case=case,
            user=cast.other_district_reviewer,
            perms=[CONFIRM],
            by=by,
            reason="x",
        )
    # a colleague of the district who could hold it: allowed
    colleague = staff("district_reviewer", DISTRICT)
    grant_create(case=case, user=colleague, perms=[CONFIRM], by=by, reason="代岗")
    # an auditor from elsewhere may be given the case to read (not to act)
    auditor = staff("auditor", "370405")
    grant_create(case=case, user=auditor, perms=[VIEW], by=by, reason="交叉审计")
    with pytest.raises(ValidationError):
        grant_create(case=case, user=auditor, perms=[CONFIRM], by=by, reason="x")
    assert CaseGrant.objects.count() == 2


def test_the_town_supervisor_gives_town_steps_to_staff_of_the_town_only(cast):
    case = many_cases(cast, 1)[0]
    by = cast.town_supervisor
    # a coordinator's role does not investigate
    with pytest.raises(ValidationError):
        grant_create(
            case=case, user=cast.coordinator, perms=[INVESTIGATE], by=by, reason="x"
        )
    # a caseworker of another town is beyond the town supervisor's reach
    with pytest.raises(ValidationError):
        grant_create(
            case=case,
            user=cast.other_town_caseworker,
            perms=[INVESTIGATE],
            by=by,
            reason="x",
        )
    # the district may bring them in
    grant_create(
        case=case,
        user=cast.other_town_caseworker,
        perms=[VIEW, INVESTIGATE],
        by=cast.district_supervisor,
        reason="跨镇协助",
    )


def test_no_grant_to_someone_the_separation_of_duties_excludes(cast, staff):
    """A colleague who could decide (a district supervisor's post) but took
    part in the home visit (a second post in the town) is not given the
    decision, nor the confirmation."""
    both = staff("district_supervisor", DISTRICT)
    StaffFactory.add_post(both, "town_caseworker", TOWN)
    case = submit(Desk(cast.caseworker), cast)
    accept(cast, case)
    Desk(cast.caseworker).complete(
        case,
        DibaoFlow.home_visit,
        {
            "visited_on": timezone.localdate().isoformat(),
            "method": "in_person",
            "investigator_1": cast.caseworker.pk,
            "investigator_2": both.pk,
            "family_present": "户主",
            "household_signed": "on",
            "living_conditions": "x",
            "findings": "y",
        },
    )
    with pytest.raises(ValidationError) as refused:
        grant_create(
            case=case,
            user=both,
            perms=[DECIDE],
            by=cast.district_supervisor,
            reason="x",
        )
    assert "参与了本案的调查核实" in str(refused.value)
    # relatives are given nothing, not even the file
    case.related_staff.add(cast.other_town_caseworker)
    with pytest.raises(ValidationError) as refused:
        grant_create(
            case=case,
            user=cast.other_town_caseworker,
            perms=[VIEW],
            by=cast.district_supervisor,
            reason="x",
        )
    assert "近亲属" in str(refused.value)


def test_the_grant_form_offers_only_what_the_post_may_give(cast):
    town = Desk(cast.town_supervisor).get("/work/grants/")
    offered = {value for value, _ in town.context["form"].fields["perms"].choices}
    assert INVESTIGATE in offered
    assert CONFIRM not in offered and DECIDE not in offered
    district = Desk(cast.district_supervisor).get("/work/grants/")
    offered = {value for value, _ in district.context["form"].fields["perms"].choices}
    assert {CONFIRM, DECIDE, INVESTIGATE} <= offered


# --- separation of duties on the steps themselves ------------------------------


def test_the_confirmer_does_not_decide_and_neither_does_an_investigator(cast, staff):
    # the district's reviewer also holds a district supervisor's post
    both = cast.reviewer
    StaffFactory.add_post(both, "district_supervisor", DISTRICT)
    case = at_review(cast)
    review(cast, case)  # cast.reviewer is ``both``
    task = open_task(case, DibaoFlow.decide)
    assert task.pk not in Desk(both).queue_ids()
    response = Desk(both).post(task_url(task, "assign"))
    assert response.status_code == 403
    assert "审核确认意见" in response.content.decode()
    # the district's other supervisor may decide
    assert task.pk in Desk(cast.district_supervisor).queue_ids()


# --- reassignment and leave -----------------------------------------------------


def test_a_town_supervisor_cannot_move_the_districts_steps(cast, staff):
    case = at_review(cast)
    task = open_task(case, DibaoFlow.review)
    colleague = staff("district_reviewer", DISTRICT)
    page, response = reassign(Desk(cast.town_supervisor), [task], colleague)
    assert page.context["refusals"]
    assert response.status_code == 422
    task.refresh_from_db()
    assert task.owner_id is None
    # the district may
    _, response = reassign(Desk(cast.district_supervisor), [task], colleague)
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner == colleague


def test_nobody_reassigns_work_to_themself(cast, staff):
    both = cast.district_supervisor
    StaffFactory.add_post(both, "town_caseworker", TOWN)
    task = open_task(many_cases(cast, 1)[0], DibaoFlow.home_visit)
    page, response = reassign(Desk(both), [task], both)
    assert both not in set(page.context["form"].fields["to_user"].queryset)
    assert response.status_code == 422
    task.refresh_from_db()
    assert task.owner == cast.caseworker


def test_leave_cannot_make_the_supervisor_or_the_absentee_the_substitute(cast):
    start = timezone.localdate()
    for substitute in (cast.caseworker, cast.town_supervisor):
        with pytest.raises(ValidationError):
            absence_create(
                user=cast.caseworker,
                substitute=substitute,
                starts_on=start,
                ends_on=start + datetime.timedelta(days=3),
                reason="病假",
                by=cast.town_supervisor,
            )
    assert not Absence.objects.exists()


# --- member units ----------------------------------------------------------------


def test_unit_grants_follow_the_map(cast, staff):
    """Only whoever convenes a meeting gives a unit powers, only to a member
    unit of the case's district, never to their own unit; a 低保 case takes no
    unit grants at all."""
    from workflows.escalation.flows import EscalationFlow
    from workflows.escalation.models import Escalation, MemberUnit

    case = many_cases(cast, 1)[0]
    unit = MemberUnit.objects.filter(district__code=DISTRICT).first()
    perms = ["workflows.view_escalation"]
    with pytest.raises(PermissionDenied):  # a 低保 case takes no unit grants
        group_grants_give(
            case=case, group=unit.group, perms=[VIEW], by=cast.reviewer, reason="x"
        )
    esc = Escalation(
        region=case.region,
        kind="escalation",
        flow_class=EscalationFlow,
        referred_by=cast.caseworker,
    )
    esc.save()
    stranger = Group.objects.create(name="非成员单位")
    for by, group in (
        (cast.caseworker, unit.group),  # a caseworker does not convene
        (cast.reviewer, stranger),  # not a member unit
    ):
        with pytest.raises(PermissionDenied):
            group_grants_give(case=esc, group=group, perms=perms, by=by, reason="x")
    cast.reviewer.groups.add(unit.group)  # the convener works for the unit
    with pytest.raises(PermissionDenied):
        group_grants_give(
            case=esc, group=unit.group, perms=perms, by=cast.reviewer, reason="x"
        )
    cast.reviewer.groups.remove(unit.group)
    group_grants_give(
        case=esc, group=unit.group, perms=perms, by=cast.reviewer, reason="邀请"
    )
    assert CaseGroupGrant.objects.filter(content_object=esc).count() == 1


# --- who may be an investigator ---------------------------------------------------


def test_visit_forms_offer_only_staff_whose_role_visits(cast, staff):
    case = many_cases(cast, 1)[0]
    auditor = staff("auditor", DISTRICT)
    operator = staff("hotline_operator", DISTRICT)
    offered = set(visit_staff(case))
    assert {cast.caseworker, cast.caseworker2, cast.coordinator} <= offered
    for outsider in (
        cast.reviewer,
        cast.district_supervisor,
        cast.town_supervisor,
        auditor,
        operator,
    ):
        assert outsider not in offered
    # a crafted POST naming the district supervisor is refused by the form…
    task, page = Desk(cast.caseworker).open(case, DibaoFlow.home_visit)
    assert cast.district_supervisor not in set(
        page.context["form"].fields["investigator_2"].queryset
    )
    # …and by the service
    with pytest.raises(ValidationError) as refused:
        dibao.home_visit_record(
            application=case,
            user=cast.caseworker,
            visited_on=timezone.localdate(),
            method="in_person",
            remote_reason="",
            investigator_1=cast.caseworker,
            investigator_2=cast.district_supervisor,
            family_present="户主",
            household_signed=True,
            living_conditions="x",
            findings="y",
        )
    assert "investigator_2" in refused.value.error_dict


# --- every kind of case ------------------------------------------------------------


def test_calls_and_escalations_are_granted_per_case_and_audited(people, staff):
    """A supervisor grants one hotline call and one escalation (the grant map
    of each programme); an auditor given one case outside the region reads
    its timeline and no other."""
    from tests.workflows.escalation.story import (
        apply_from_call,
        dispatch,
        escalation_of,
        propose_escalation,
        register_call,
        to_calculation,
        verify,
    )

    p = people
    call = register_call(p)
    dispatch(p, call)
    verify(p, call)
    case = apply_from_call(p, call)
    to_calculation(p, case)
    propose_escalation(p, case)
    esc = escalation_of(case)
    other_call = register_call(p, caller_phone="13900000001")
    auditor = staff("auditor", "370402")  # another district
    desk = Desk(auditor)
    for granted, perm in (
        (call, "workflows.view_call"),
        (esc, "workflows.view_escalation"),
    ):
        assert desk.get(f"/audit/cases/{granted.pk}/").status_code in (403, 404)
        grant_create(
            case=granted,
            user=auditor,
            perms=[perm, "workflows.audit_case"],
            by=p.district_supervisor,
            reason="交叉审计",
        )
        assert desk.get(f"/audit/cases/{granted.pk}/").status_code == 200
    assert desk.get(f"/audit/cases/{other_call.pk}/").status_code in (403, 404)
    assert desk.get(f"/audit/cases/{case.pk}/").status_code in (403, 404)
