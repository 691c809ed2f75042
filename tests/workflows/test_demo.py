"""Demo data: every stage present, and loading twice changes nothing."""

import pytest
from django.apps import apps
from django.core.management import call_command

from workflows.dibao.models import Application

pytestmark = pytest.mark.django_db


def row_counts():
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_demo_has_households_at_every_step_and_is_idempotent(settings):
    settings.DEBUG = True  # the demo loader refuses to run without it
    call_command("load_demo", verbosity=0)
    stages = set(Application.objects.values_list("stage", flat=True))
    for stage in (
        "acceptance",
        "awaiting_materials",
        "investigation",
        "notice",
        "objection",
        "review",
        "decision",
        "approved",
        "rejected",
    ):
        assert stage in stages, stage
    single = Application.objects.get(benefits__member__isnull=False)
    assert single.stage == "approved"
    assert Application.objects.filter(channel="proxy", stage="approved").exists()
    # the source article's case, told in full; another escalation waits
    from workflows.escalation.models import Escalation
    from workflows.hotline.models import Call

    story = Escalation.objects.get(subject_name="李凤琴")
    assert story.stage == "closed" and story.total_given == 122200
    assert story.meeting.carried and story.meeting.units_present == 10
    application = story.origin.specific  # raised from the 低保 application
    assert application.benefits.exists()
    assert application.origin.specific.outcome == "escalation"  # from the call
    assert Escalation.objects.get(subject_name="马秀兰").stage == "meeting"
    assert {"dispatch", "verification", "closed"} <= set(
        Call.objects.values_list("stage", flat=True)
    )
    # the register: a marginal household (rejected), an amount changed
    from workflows.benefits.models import BenefitAmount, RegisterEntry

    marginal = RegisterEntry.objects.get(category="marginal")
    assert marginal.case.specific.applicant.name == "何长顺"
    assert BenefitAmount.objects.filter(reason__startswith="复核").exists()
    before = row_counts()
    call_command("load_demo", verbosity=0)
    call_command("load_reference", verbosity=0)
    assert row_counts() == before
