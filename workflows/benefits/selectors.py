"""Reading the benefits in force and the low-income register, scoped by the
one permission rule; the amount in force in a month, in SQL; a household's
one assistance chain (一户一条救助链)."""

import datetime

from django.apps import apps
from django.db.models import Case as Choose
from django.db.models import DateField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.utils import timezone

from roles.scope import region_q

from .models import Benefit, BenefitAmount, RegisterEntry, StandardRaise

VIEW_REGISTER = "workflows.view_register"
CHANGE_REGISTER = "workflows.change_register"
APPLY_RAISE = "workflows.apply_standard_raise"


def benefits_visible_to(user, *, kind=None, perm):
    """Benefits (of programme ``kind``) in the regions where ``user`` holds
    ``perm`` (the programme's view permission)."""
    qs = Benefit.objects.select_related("case", "member", "region__parent")
    if kind is not None:
        qs = qs.filter(kind=kind)
    if not user.is_superuser:
        qs = qs.filter(region_q(user, perm))
    return qs.order_by("region__path", "pk")


def amounts_in_force(qs, month: datetime.date):
    """``qs`` of benefits annotated with ``amount_in_month`` and
    ``persons_in_month``: the ``BenefitAmount`` in force in ``month`` (the
    latest ``from_month`` not after it; of two the later decision), or NULL
    before the benefit's first month and after its last. One subquery each,
    no query per row (the payment list reads the same)."""
    month = month.replace(day=1)
    latest = BenefitAmount.objects.filter(
        benefit=OuterRef("pk"), from_month__lte=Value(month, DateField())
    ).order_by("-from_month", "-pk")
    paid = Q(start_month__lte=month) & (
        Q(end_month__isnull=True) | Q(end_month__gte=month)
    )
    return qs.annotate(
        amount_in_month=Choose(
            When(paid, then=Subquery(latest.values("monthly_amount")[:1])),
            default=None,
        ),
        persons_in_month=Choose(
            When(paid, then=Subquery(latest.values("persons")[:1])), default=None
        ),
    )


def register_visible_to(user, *, include_ended=False, category=None):
    """Entries of the low-income register in the regions where ``user``
    holds ``view_register`` (open ones unless ``include_ended``), with the
    household and its members, the village, the source case, and the
    benefit's amount in force this month as ``amount_in_month`` (one
    subquery)."""
    month = timezone.localdate().replace(day=1)
    in_force = BenefitAmount.objects.filter(
        benefit=OuterRef("benefit_id"), from_month__lte=Value(month, DateField())
    ).order_by("-from_month", "-pk")
    qs = (
        RegisterEntry.objects.select_related(
            "region__parent", "case", "benefit", "household"
        )
        .prefetch_related("household__members")
        .annotate(amount_in_month=Subquery(in_force.values("monthly_amount")[:1]))
    )
    if not user.is_superuser:
        qs = qs.filter(region_q(user, VIEW_REGISTER))
    if not include_ended:
        qs = qs.filter(ended_on__isnull=True)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("region__path", "household_id", "pk")


def raises_visible_to(user):
    """Standard raises of the districts where ``user`` may see the register."""
    qs = StandardRaise.objects.select_related("standard__district", "started_by")
    if not user.is_superuser:
        qs = qs.filter(region_q(user, VIEW_REGISTER, "standard__district__path"))
    return qs


def household_chain(*, household, user):
    """The household's one assistance chain: every case of every programme
    with this household that ``user`` may see (newest first, each as its
    programme's model through ``Case.specific`` without another query), who
    decided each (the person of its last completed step), its benefits
    with their amounts over time, and its register entries. A fixed number
    of queries whatever the number of cases."""
    from viewflow.workflow.models import Task

    from ..core.programmes import subject_joins
    from ..core.selectors import cases_visible_to

    Case = apps.get_model("workflows", "Case")
    cases = list(
        cases_visible_to(user, Case)
        .filter(household=household)
        .select_related(*subject_joins())
        .order_by("-created", "-pk")
    )
    last_steps = (
        Task.objects.filter(
            process__in=[c.pk for c in cases],
            status="DONE",
            owner__isnull=False,
            flow_task_type__in=["HUMAN", "HUMAN_START"],
        )
        .select_related("owner")
        .order_by("process_id", "-finished", "-pk")
    )
    decided = {}
    for task in last_steps:
        decided.setdefault(task.process_id, task.owner)
    benefits = list(
        Benefit.objects.filter(case__in=[c.pk for c in cases])
        .select_related("member")
        .prefetch_related(
            Prefetch(
                "amounts",
                queryset=BenefitAmount.objects.select_related("decided_by").order_by(
                    "from_month", "pk"
                ),
            )
        )
        .order_by("-start_month", "-pk")
    )
    by_case = {}
    for benefit in benefits:
        by_case.setdefault(benefit.case_id, []).append(benefit)
    rows = []
    for case in cases:
        specific = case.specific
        stage = getattr(specific, "get_stage_display", None)
        rows.append(
            {
                "case": specific,
                "stage": stage() if stage else case.status,
                "decided_by": decided.get(case.pk),
                "benefits": by_case.get(case.pk, []),
            }
        )
    entries = household.register_entries.select_related("case").order_by(
        "ended_on", "-since", "pk"
    )
    return {"cases": rows, "benefits": benefits, "entries": list(entries)}
