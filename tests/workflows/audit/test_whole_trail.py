"""Every write path writes history: after the demo data, the timer
dispatcher and each flow driven end to end, ``verify_audit`` finds nothing —
every history row hashed when written, every live row equal to its latest
history row."""

import pytest
from django.core.management import call_command

from workflows.audit.verify import verify

pytestmark = pytest.mark.django_db


def assert_nothing_to_report(capsys):
    report = verify()
    assert report.findings() == []
    call_command("verify_audit")
    assert "audit records intact" in capsys.readouterr().out


def test_the_demo_data_and_the_dispatcher_leave_nothing_to_report(capsys, settings):
    settings.DEBUG = True  # the demo loader refuses to run without it
    call_command("load_demo", verbosity=0)
    call_command("run_timers")
    assert_nothing_to_report(capsys)
    call_command("load_demo", verbosity=0)  # idempotent, and still whole
    assert_nothing_to_report(capsys)


def test_each_flow_end_to_end_leaves_nothing_to_report(cast, people, capsys):
    from ..dibao import test_flow_http as dibao
    from ..escalation import test_escalation as escalation
    from ..escalation import test_story as story
    from ..hotline import test_hotline as hotline

    # 低保: approval, rejection, an objection that reopens the investigation
    dibao.test_approve_path(cast)
    dibao.test_reject_path(cast)
    dibao.test_objection_leading_to_reinvestigation(cast)
    # hotline and escalation: the article's case, a call answered, a refused
    # escalation, a unit that never answers (its deadline passes)
    story.test_the_leukemia_case_from_the_article(people)
    hotline.test_a_call_answered_without_further_cases(people)
    escalation.test_a_rejected_escalation_sends_the_case_back_to_a_first_opinion(people)
    escalation.test_a_unit_that_never_answers_goes_overdue_and_is_recorded_absent(
        people
    )
    call_command("run_timers")
    assert_nothing_to_report(capsys)
