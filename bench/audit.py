"""The cost of the audit trail: history on a save, recording its hash, sealing
and verifying the city's records, and a 1,000-event timeline.

History overhead: the same model (the household record), saved the same way
in the same run, alternately with its history row and without it
(simple-history's ``skip_history_when_saving``). Timeline: one real case of
the generated city is given about 1,000 audited events — record changes,
reassignments, sensitive reads — through the normal save paths, and its
timeline page is requested by the district auditor; its SQL count is compared
with the same page before those events were added.
"""

import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from roles.models import Reassignment
from workflows.audit.timeline import case_timeline
from workflows.base.context import acting
from workflows.core.models import SensitiveAccess
from workflows.models import Application, Household

from .measure import Timing, counted, time_calls

EVENTS = 1000


@dataclass
class VerifyCost:
    audit_rows: int
    live_rows: int
    models: int
    seal_s: float
    chain_s: float
    live_s: float
    findings: int


@dataclass
class RecordCost:
    saves: int
    with_p50: float
    with_queries: int
    without_p50: float
    without_queries: int

    @property
    def added(self):
        return self.with_p50 - self.without_p50


@dataclass
class SaveCost:
    model: str
    saves: int
    with_p50: float
    with_p95: float
    with_queries: int
    without_p50: float
    without_p95: float
    without_queries: int
    case_with_ms: float = 0.0
    case_without_ms: float = 0.0

    @property
    def ratio(self):
        return self.with_p50 / self.without_p50 if self.without_p50 else float("inf")

    @property
    def case_ratio(self):
        if not self.case_without_ms:
            return float("inf")
        return self.case_with_ms / self.case_without_ms


@dataclass
class TimelineCost:
    case: str
    events_before: int
    events: int
    page_queries_before: int
    page_p50: float
    page_p95: float
    page_queries: int
    service_p50: float
    service_queries: int


def _save_once(household, history):
    household.phone = f"1{time.perf_counter_ns() % 10**10:010d}"
    if not history:
        household.skip_history_when_saving = True
    try:
        household.save(update_fields=["phone"])
    finally:
        if not history:
            del household.skip_history_when_saving


def save_cost(saves=400):
    """Median cost of one household save with and without its history row,
    interleaved so both see the same database state."""
    households = list(Household.objects.order_by("pk")[:saves])
    with_, without = Timing(), Timing()
    with acting(job="bench"):
        _, with_.queries = counted(lambda: _save_once(households[0], True))
        _, without.queries = counted(lambda: _save_once(households[0], False))
        for i, household in enumerate(households):
            order = (True, False) if i % 2 else (False, True)
            for history in order:
                start = time.perf_counter()
                _save_once(household, history)
                elapsed = time.perf_counter() - start
                (with_ if history else without).samples.append(elapsed)
    return SaveCost(
        "workflows.Household",
        len(households),
        with_.p50,
        with_.p95,
        with_.queries,
        without.p50,
        without.p95,
        without.queries,
    )


def verify_cost():
    """Seal every audit row of the generated city afresh (the chain rebuilt
    from its recorded hashes), then verify it: the chain with every row's
    hash, and every live row against its latest history row. Run first, on
    the city as generated (later benchmarks write without history on
    purpose)."""
    from django.conf import settings

    from workflows.audit.chain import check_chain, seal
    from workflows.audit.live import audited_models, check_all, live_rows
    from workflows.audit.models import AuditRowHash

    settings.AUDIT_HEAD_LOG.unlink(missing_ok=True)
    AuditRowHash.objects.update(seq=None, chain_hash="", sealed_at=None)
    start = time.perf_counter()
    seal()
    seal_s = time.perf_counter() - start
    start = time.perf_counter()
    breaks = check_chain()
    chain_s = time.perf_counter() - start
    start = time.perf_counter()
    mismatches = list(check_all())
    live_s = time.perf_counter() - start
    models = audited_models()
    return VerifyCost(
        AuditRowHash.objects.count(),
        sum(live_rows(m).count() for m in models),
        len(models),
        seal_s,
        chain_s,
        live_s,
        len(breaks) + len(mismatches),
    )


def record_cost(saves=400):
    """Median cost of one household save with history, with and without its
    hash being recorded (the receiver disconnected), interleaved; each save in
    its own transaction, as every step of the application runs."""
    from simple_history.signals import post_create_historical_record

    from workflows.audit.record import history_row_written

    def recording(on):
        if on:
            post_create_historical_record.connect(
                history_row_written, dispatch_uid="audit-record-history"
            )
        else:
            post_create_historical_record.disconnect(
                dispatch_uid="audit-record-history"
            )

    households = list(Household.objects.order_by("-pk")[:saves])
    with_, without = Timing(), Timing()
    with acting(job="bench"):
        _, with_.queries = counted(lambda: _save_once(households[0], True))
        recording(False)
        _, without.queries = counted(lambda: _save_once(households[0], True))
        recording(True)
        try:
            for i, household in enumerate(households):
                for on in (True, False) if i % 2 else (False, True):
                    recording(on)
                    start = time.perf_counter()
                    with transaction.atomic():
                        _save_once(household, True)
                    elapsed = time.perf_counter() - start
                    (with_ if on else without).samples.append(elapsed)
        finally:
            recording(True)
    return RecordCost(
        len(households), with_.p50, with_.queries, without.p50, without.queries
    )


def case_cost(cases=10, seed=11):
    """Median seconds to take a household from application to decision —
    every form's save with all the rows it writes — with history and with
    history switched off (``SIMPLE_HISTORY_ENABLED``), alternating."""
    import random

    from django.test import override_settings

    from . import lifecycle

    rng = random.Random(seed)
    ids = lifecycle.FreshIdNumbers()
    village, caseworker = lifecycle.desk()
    with_, without = Timing(), Timing()
    for n in range(cases * 2):
        history = n % 4 in (0, 3)  # on, off, off, on, …: neither goes first always
        spec = lifecycle.household(rng, ids, village, 1000 + n)
        with override_settings(SIMPLE_HISTORY_ENABLED=history):
            elapsed = lifecycle.one_case(spec, caseworker)
        (with_ if history else without).samples.append(elapsed)
    return with_.p50, without.p50


def _busy_case():
    """A case of the district with the most cases, with an open task."""
    case = (
        Application.objects.filter(status="NEW", task__status="ASSIGNED")
        .select_related("region__parent__parent", "household")
        .annotate(n=Count("task"))
        .order_by("-n", "pk")
        .first()
    )
    district = case.region.parent.parent
    auditor = get_user_model().objects.get(
        posts__role__code="auditor", posts__region=district
    )
    return case, auditor


def _add_events(case, auditor, target):
    """About ``target`` audited events on ``case`` through the save paths."""
    household = case.household
    task = case.task_set.filter(status="ASSIGNED").select_related("owner").first()
    colleagues = list(
        get_user_model()
        .objects.filter(posts__region=task.owner.posts.first().region)
        .exclude(pk=task.owner_id)[:1]
    ) or [auditor]
    people = [task.owner, colleagues[0]]
    with acting(job="bench"):
        for i in range(target // 4):
            household.address = f"{household.address.split('#')[0]}#{i}"
            household.save()
            case.missing_items = f"补充材料 {i}"
            case._change_reason = "bench"
            case.save()
            from_user, to_user = people[i % 2], people[(i + 1) % 2]
            task.owner = to_user
            task.save()
            Reassignment.objects.create(
                task=task,
                kind=Reassignment.Kind.REASSIGN,
                from_user=from_user,
                to_user=to_user,
                by=auditor,
                reason=f"工作量调整 {i}",
                at=timezone.now(),
            )
            if i % 5 == 0:
                SensitiveAccess.objects.create(
                    user=auditor,
                    action=SensitiveAccess.Action.REVEAL_ID,
                    case=case,
                    record=f"member:{case.applicant_id}",
                    ip_address="127.0.0.1",
                )


def timeline_cost(repeat=30):
    from django.conf import settings

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    case, auditor = _busy_case()
    client = Client()
    client.force_login(auditor)
    path = f"/audit/cases/{case.pk}/"

    def page():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    before = len(case_timeline(case))
    _, queries_before = counted(page)
    _add_events(case, auditor, EVENTS)
    events = len(case_timeline(case))
    timing = time_calls(page, repeat=repeat)
    service = time_calls(lambda: case_timeline(case), repeat=repeat)
    return TimelineCost(
        case.number,
        before,
        events,
        queries_before,
        timing.p50,
        timing.p95,
        timing.queries,
        service.p50,
        service.queries,
    )


def run(repeat=30, cases=10):
    record = record_cost()
    save = save_cost()
    save.case_with_ms, save.case_without_ms = case_cost(cases)
    return save, record, timeline_cost(repeat=repeat)
