"""Entering a year's calendar and confirming it (the city's administrator).

The package knows the years up to the one it was released for; for a later
year the State Council's notice is entered here, day by day (holidays on
weekdays, make-up workdays on weekends), and the year confirmed. Each write
keeps history with its reason, and the year's open deadlines are counted
again once it commits (``signals.calendar_changed``).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CalendarDay, CalendarYear
from .selectors import may_maintain_calendar
from .signals import calendar_changed

# the years the 工作日历 page shows and accepts
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _saved(obj, refusal):
    """Save ``obj``; if someone saved the same day or year a moment earlier
    (the unique constraint), refuse with ``refusal`` instead of failing."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationError(refusal) from None


def _check(user):
    if not may_maintain_calendar(user):
        raise PermissionDenied(_("您无权维护工作日历。"))


@transaction.atomic
def calendar_day_enter(
    *, user, on: datetime.date, is_workday: bool, name: str, reason: str = ""
) -> CalendarDay:
    """Enter ``on`` as a rest day or a make-up workday. A day already stored
    (by the package or an administrator) is corrected, with a reason, and
    from then on belongs to the administrator: the package never overwrites
    it."""
    _check(user)
    name, reason = name.strip(), reason.strip()
    if not name:
        raise ValidationError({"name": _("请写明节日或调休的名称，如“元旦”。")})
    if not FIRST_YEAR <= on.year <= LAST_YEAR:
        raise ValidationError(
            {
                "on": _("只能录入%(first)s年至%(last)s年的日期。")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            }
        )
    day = CalendarDay.objects.filter(date=on).first()
    if day is None:
        if is_workday == (on.weekday() < 5):
            raise ValidationError(
                {
                    "on": _("%(date)s 按周一至周五本来就是%(kind)s，无需录入。")
                    % {"date": on, "kind": _("工作日") if is_workday else _("休息日")}
                }
            )
        day = CalendarDay(date=on)
        day._change_reason = reason or _("录入%(year)s年工作日历") % {"year": on.year}
    else:
        if not reason:
            raise ValidationError(
                {"reason": _("%(date)s 已有记录，更正须说明理由。") % {"date": on}}
            )
        day._change_reason = reason
    day.is_workday, day.name = is_workday, name
    day.source = CalendarDay.Source.ADMIN
    day.full_clean()
    _saved(day, {"on": _("%(date)s 刚由他人录入，请刷新后核对。") % {"date": on}})
    return day


@transaction.atomic
def calendar_day_remove(*, user, day: CalendarDay, reason: str) -> None:
    """Remove a day an administrator entered by mistake (it then follows
    Monday–Friday). The package's days are corrected, not removed: the daily
    comparison would bring them back."""
    _check(user)
    if not reason.strip():
        raise ValidationError({"reason": _("删除须说明理由。")})
    if day.source != CalendarDay.Source.ADMIN:
        raise ValidationError(
            _("数据包中的日期不能删除；如有误，请按正确的安排重新录入该日。")
        )
    day._change_reason = reason.strip()
    day.delete()


@transaction.atomic
def calendar_year_confirm(*, user, year: int, note: str = "") -> CalendarYear:
    """Confirm that ``year``'s holidays and make-up workdays are all entered:
    from now on its deadlines are shown without a warning. Refused for a year
    already confirmed, and for one with no day entered."""
    _check(user)
    if CalendarYear.objects.filter(year=year).exists():
        raise ValidationError(_("%(year)s年工作日历已确认。") % {"year": year})
    if not CalendarDay.objects.filter(date__year=year).exists():
        raise ValidationError(
            _("%(year)s年尚未录入任何节假日或调休安排，不能确认。") % {"year": year}
        )
    confirmation = CalendarYear(
        year=year,
        source=CalendarYear.Source.ADMIN,
        confirmed_by=user,
        confirmed_at=timezone.now(),
        note=note.strip(),
    )
    confirmation.full_clean()
    confirmation._change_reason = note.strip() or _("确认%(year)s年工作日历") % {
        "year": year
    }
    _saved(confirmation, _("%(year)s年工作日历已确认。") % {"year": year})
    calendar_changed.send(sender=CalendarYear, years={year})
    return confirmation
