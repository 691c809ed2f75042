"""Writes to a case outside a task take the case's lock too (adversarial
review): an objection recorded as the notice runs out is routed to 处理公示异议,
never lost; a deadline extension waits for a step in progress."""

import datetime

import pytest
from django.utils import timezone
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers

from tests.workflows.dibao.desk import open_task
from workflows import demo
from workflows.dibao import services
from workflows.dibao.flows import DibaoFlow
from workflows.dibao.models import Application

from .cases import applied_case
from .harness import hold, postgres_only

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def notice_run_out(crew):
    """A case whose 7-day notice ended yesterday; its timer is due."""
    case = applied_case(crew)
    demo.drive(Application.objects.get(pk=case.pk), "notice")
    case = Application.objects.get(pk=case.pk)
    notice = case.notices.filter(ended=False).latest("pk")
    today = timezone.localdate()
    notice.starts_on = today - datetime.timedelta(days=7)
    notice.ends_on = today - datetime.timedelta(days=1)
    notice.save()
    timer = (
        case.task_set.filter(flow_task=DibaoFlow.notice)
        .exclude(status=STATUS.DONE)
        .get()
    )
    timer.scheduled = timezone.now() - datetime.timedelta(seconds=1)
    timer.save(update_fields=["scheduled"])
    return case


def test_an_objection_recorded_as_the_notice_ends_is_handled(crew):
    case = notice_run_out(crew)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    held = hold(
        lambda: services.objection_record(
            application=Application.objects.get(pk=case.pk),
            user=crew.caseworker,
            received_on=yesterday,
            content="邻居反映其子女有稳定收入。",
        ),
        "case.locked",
        fire_due_timers,
    )
    assert held.a.ok, held.a.trace
    assert held.b.ok, held.b.trace
    assert held.b_waited  # the notice's end waited for the objection
    case.refresh_from_db()
    assert case.open_objections.count() == 1
    assert open_task(case, DibaoFlow.handle_objection) is not None
    assert open_task(case, DibaoFlow.review) is None


def test_a_deadline_extension_waits_for_the_notice_ending(crew):
    case = notice_run_out(crew)
    held = hold(
        fire_due_timers,
        "case.locked",
        lambda: services.deadline_extend(
            application=Application.objects.get(pk=case.pk),
            user=crew.district_supervisor,
            reason="人户分离，调查困难",
        ),
    )
    assert held.a.ok and held.b.ok, (held.a.trace, held.b.trace)
    assert held.b_waited
    case.refresh_from_db()
    assert case.limit_code == "overall_extended"
    assert case.stage == Application.Stage.REVIEW  # the notice's end kept
