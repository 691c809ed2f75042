"""The existing caseload (存量低保名单): a household already on 低保 when the
bureau goes live, entered as a decided case.

No application, investigation or review happened in this system: the county
decided it before, on paper or in the old system. The import records that
decision as it stands — an approved ``Application`` (channel 导入存量名单),
its ``Decision`` (amount, start month, certificate number, the basis in
words) and the benefit in force through the spine's one service
(``benefits.services.benefit_grant``) — every row saved with its history,
so the case is on the roster, in the household's chain and in the audit
timeline like any decided case.

The decision is dated the since-date (``decided_on``: the decision being
recorded took effect then, and the case page shows it beside the start
month); the rows themselves are created now, and their history says so.

The viewflow process is written finished (``DONE``, ``finished`` set) with
one task, the flow's end node ``approved`` (已批准), done: the state a case
decided in the flow ends in. No step task is invented (nobody accepted,
investigated or decided it here), so the case page's 办理记录 is empty and
the decision's reasons say where the case came from.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...base.context import because, on_behalf_of
from ...registry.models import Member
from ..models import Application, Decision

PERMISSION = "workflows.import_caseload"

# No household was on 低保 before the 城市居民最低生活保障条例 (国务院令第271号)
# came into force on 1999-10-01: an earlier since-date is a typing error. A
# fixed date of the law, not a parameter the bureau sets (the dated
# parameters, ``standards``/``clock.TimeLimit``, hold amounts and durations).
EARLIEST_SINCE = datetime.date(1999, 10, 1)


def since_problem(since: datetime.date, *, today: datetime.date) -> str | None:
    """Why ``since`` cannot be the date a household went on 低保, or None."""
    if since > today:
        return _("低保开始日期不能晚于今天。")
    if since < EARLIEST_SINCE:
        return _(
            "低保开始日期不能早于1999年10月1日（《城市居民最低生活保障条例》施行之日），"
            "请核对年份。"
        )
    return None


def caseload_basis(*, certificate_number: str, since: datetime.date, batch: str):
    """The legal basis of an imported case, in words (导入存量名单)."""
    return _(
        "导入存量名单：%(since)s起享受低保，低保证 %(certificate)s（%(batch)s）"
    ) % {
        "since": since.isoformat(),
        "certificate": certificate_number,
        "batch": batch,
    }


@transaction.atomic
def caseload_enter(
    *,
    user,
    head: Member,
    since: datetime.date,
    monthly_amount: Decimal,
    certificate_number: str,
    persons: int,
    member: Member | None = None,
    reason: str,
) -> Application:
    """Enter one household of the existing caseload as an approved case
    with its benefit in force from the month of ``since``.

    ``user`` must hold ``workflows.import_caseload`` for the household's
    village (the county's decision, S1 Art 20–21, 28). ``reason`` (the
    import batch) is the change reason of every history row written.
    """
    from ...benefits.services import benefit_grant
    from ..flows import DibaoFlow

    household = head.household
    if not user.has_perm(PERMISSION, household):
        raise PermissionDenied(_("该户不在您的辖区内，不能导入。"))
    if head.relation != Member.Relation.HEAD:
        raise ValidationError(_("低保名单应按户主身份证号码导入。"))
    problem = since_problem(since, today=timezone.localdate())
    if problem:
        raise ValidationError(problem)
    now = timezone.now()
    basis = caseload_basis(
        certificate_number=certificate_number, since=since, batch=reason
    )
    with on_behalf_of(user), because(reason):
        application = Application(
            flow_class=DibaoFlow,
            status="DONE",
            finished=now,
            region=household.region,
            household=household,
            applicant=head,
            channel=Application.Channel.IMPORTED,
            submitted_by=user,
            reason=basis,
            stage=Application.Stage.APPROVED,
        )
        # viewflow's flow reference field cleans only its text form
        application.full_clean(exclude=["flow_class"])
        application.save()
        decision = Decision(
            application=application,
            outcome=Decision.Outcome.APPROVE,
            monthly_amount=monthly_amount,
            start_month=since.replace(day=1),
            certificate_number=certificate_number,
            reasons=basis,
            decided_by=user,
            decided_on=since,
        )
        decision.full_clean()
        decision.save()
        benefit_grant(
            case=application,
            member=member,
            persons=persons,
            monthly_amount=monthly_amount,
            start_month=since,
            legal_basis=basis,
        )
        end = application.task_set.model(
            process=application,
            flow_task=DibaoFlow.approved,
            status="DONE",
            created=now,
            started=now,
            finished=now,
        )
        end.save()
    return application
