"""Writes of the monitoring alerts: the run that opens them, and the
verification that closes them. Keyword-only; permissions checked here."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..base.context import on_behalf_of
from ..core.bulkstart import open_cases
from ..core.locks import checkpoint
from ..core.programmes import descendants
from ..monitoring.models import FeedBatch
from ..monitoring.selectors import current_batches
from ..standards.models import AssistanceStandard
from . import matching
from .models import Alert, MonitoringRun, fact_key

Rule = Alert.Rule
Outcome = Alert.Outcome
RUN = "workflows.run_monitoring"
VERIFY = "workflows.verify_alert"
# feed batches older than this are not "current" for a run
LOOKBACK_DAYS = 366


def _rule_of(hit) -> str | None:
    """What a matched feed row means for its household (None: nothing)."""
    source = hit["source"]
    if source in matching.FACT_RULES:
        return matching.FACT_RULES[source] if hit["category"] else None
    if source in matching.CARE_SOURCES:
        if hit["marginal"]:
            return Rule.SINGLE_CANDIDATE
        if not hit["category"]:
            return Rule.NEW_HARDSHIP
    return None


def _standards(on):
    """``{(district path, area): monthly standard}`` in force on ``on``."""
    rows = AssistanceStandard.objects.in_force(on).values_list(
        "district__path", "area", "monthly_standard"
    )
    return {(path, area): amount for path, area, amount in rows}


def _district_path(region_path: str) -> str:
    """``370400/370402/…/`` → ``370400/370402/`` (the district's path)."""
    return "/".join(region_path.split("/")[:2]) + "/"


RUN_LOCK = 0x6D6F6E69  # pg_advisory_xact_lock key of the monitoring runs ("moni")


def _one_run_at_a_time():
    """Runs (the sweep, a district's from the page) one after the other: a
    second reads the facts the first alerted once it committed, instead of
    inserting them again into the unique fact key. SQLite: the IMMEDIATE
    transaction already holds the write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK])


@transaction.atomic
def monitoring_run(*, user=None, district=None, on: datetime.date | None = None):
    """Match the open register entries of ``district`` (None: the whole city)
    against the newest complete feed batches and open one alert per new fact
    (docs/guide-caseworker.md "监测预警"). A few statements whatever the
    number of households; the alerts are opened in bulk."""
    from roles.models import Region

    from .flows import AlertFlow

    if user is not None:
        scope = district or Region.objects.filter(parent__isnull=True).first()
        if scope is None or not user.has_perm(RUN, scope):
            raise PermissionDenied(_("您无权发起该区域的监测比对。"))
    _one_run_at_a_time()
    on = on or timezone.localdate()
    run = MonitoringRun(started_by=user, district=district, on=on)
    batches = current_batches(on=on, since=on - datetime.timedelta(LOOKBACK_DAYS))
    # the newest complete batch there is: the sweep runs again after a newer one
    run.newest_batch = (
        FeedBatch.objects.filter(completed_at__isnull=False).order_by("-pk").first()
    )
    prefix = district.path if district else ""
    counts = {code: 0 for code in Rule.values}
    alerts, keys = [], set()

    def add(*, rule, household, region, member, source, kind, amount, detail, hit):
        key = fact_key(
            household_id=household,
            id_number=hit.get("id_number", ""),
            source=source,
            kind=kind,
            detail=detail,
            amount=amount,
        )
        if key in keys:
            return
        keys.add(key)
        alerts.append(
            Alert(
                region_id=region,
                household_id=household,
                member_id=member,
                rule=rule,
                source=source,
                fact_kind=kind,
                amount=amount,
                detail=detail,
                period=hit["period"],
                batch_id=hit["batch"],
                benefit_id=hit["benefit"],
                fact_key=key,
                opened_on=on,
            )
        )

    for hit in matching.hits(batches=batches, path_prefix=prefix):
        rule = _rule_of(hit)
        if rule:
            add(
                rule=rule,
                household=hit["household"],
                region=hit["region"],
                member=hit["member"],
                source=hit["source"],
                kind=hit["kind"],
                amount=hit["amount"],
                detail=hit["detail"],
                hit=hit,
            )
    rows = matching.incomes(batches=batches, path_prefix=prefix)
    if rows:
        standards = _standards(on)
        paths = dict(
            Region.objects.filter(pk__in={r["region"] for r in rows}).values_list(
                "pk", "path"
            )
        )
        for row in rows:
            line = standards.get((_district_path(paths[row["region"]]), row["area"]))
            total = Decimal(row["total"] or 0)
            persons = max(row["persons"] or 1, 1)
            if line is None or total / persons < line:
                continue
            add(
                rule=Rule.INCOME_OVER_LINE,
                household=row["household"],
                region=row["region"],
                member=None,
                source="income",
                kind="per_person",
                amount=(total / persons).quantize(Decimal("0.01")),
                detail=_("社保、养老金月收入合计 %(total)s 元，%(persons)s 人")
                % {"total": total, "persons": persons},
                hit=row,
            )
    # a fact an earlier run alerted (the income rule's key is made here)
    known = set(
        Alert.objects.filter(fact_key__in=keys).values_list("fact_key", flat=True)
    )
    alerts = [a for a in alerts if a.fact_key not in known]
    checkpoint("monitoring.matched", run=run)
    for alert in alerts:
        counts[alert.rule] += 1
    run.counts = counts
    run.full_clean()
    with on_behalf_of(user):
        run.save()
        for alert in alerts:
            alert.run = run
        open_cases(start=AlertFlow.raised, cases=alerts, reason=_("监测比对发现"))
        run.alerts_opened = len(alerts)
        run.finished_at = timezone.now()
        run.save()
    return run


def monitoring_due() -> bool:
    """Is there a complete feed batch newer than the last city-wide run read?"""
    last = MonitoringRun.objects.filter(
        finished_at__isnull=False, district__isnull=True
    ).first()
    newest = (
        FeedBatch.objects.filter(completed_at__isnull=False).order_by("-pk").first()
    )
    if newest is None:
        return False
    return (
        last is None or last.newest_batch_id is None or newest.pk > last.newest_batch_id
    )


@transaction.atomic
def alert_verify(
    *,
    alert: Alert,
    user,
    verified_on: datetime.date,
    findings: str,
    outcome: str,
    reason: str,
) -> Alert:
    """核查: what the visit found and what follows. Dismissing needs a
    reason; adjust or stop opens a periodic review of the benefit; apply
    needs the application started from the alert's page first."""
    if not user.has_perm(VERIFY, alert):
        raise PermissionDenied(_("您的岗位不覆盖该家庭所在村（社区）。"))
    errors = {}
    if verified_on > timezone.localdate():
        errors["verified_on"] = _("核查日期不能晚于今天。")
    if outcome == Outcome.DISMISS and not reason.strip():
        errors["reason"] = _("销号须写明理由。")
    if outcome in (Outcome.ADJUST, Outcome.STOP) and alert.benefit_id is None:
        errors["outcome"] = _("该家庭没有在保的救助，不能调整或停止。")
    if outcome == Outcome.APPLY and not [
        c for c in descendants(alert) if c.status != "CANCELED"
    ]:
        errors["outcome"] = _("请先在预警页面点击“发起低保申请”。")
    if errors:
        raise ValidationError(errors)
    alert.verified_on = verified_on
    alert.findings = findings
    alert.outcome = outcome
    alert.outcome_reason = reason
    alert.decided_by = user
    alert.decided_at = timezone.now()
    alert.stage = Alert.Stage.CLOSED
    alert.full_clean(exclude=["flow_class"])
    alert.save()
    if outcome in (Outcome.ADJUST, Outcome.STOP):
        _open_review(alert=alert, user=user, reason=reason or findings)
    return alert


def _open_review(*, alert: Alert, user, reason: str):
    """The periodic review that decides the change (H3's public module);
    after a death in a larger household, the after-death class (review
    within three months)."""
    from ..reviews.api import review_open

    review_class = None
    if alert.rule == Rule.DEATH and alert.benefit.persons > 1:
        review_class = "after_death"
    return review_open(
        benefit=alert.benefit,
        trigger="alert",
        reason=reason,
        user=user,
        origin=alert,
        review_class=review_class,
    )
