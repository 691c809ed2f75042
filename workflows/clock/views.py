"""The 工作日历 page: the city's administrator enters a year's holidays and
make-up workdays and confirms the year (the Django admin does the same for
staff accounts)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from ..base.edge import parse_id
from ..base.fields import TEXT_MAX
from . import calendar_services as services
from .models import CalendarDay
from .selectors import (
    days_of,
    may_maintain_calendar,
    year_overview,
    years_awaiting_confirmation,
)

FIRST, LAST = services.FIRST_YEAR, services.LAST_YEAR


class DayForm(forms.Form):
    on = forms.DateField(
        label=gettext_lazy("日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    is_workday = forms.TypedChoiceField(
        label=gettext_lazy("安排"),
        choices=[
            ("0", gettext_lazy("放假（休息日）")),
            ("1", gettext_lazy("调休上班（工作日）")),
        ],
        coerce=lambda v: v == "1",
    )
    name = forms.CharField(
        label=gettext_lazy("名称"),
        max_length=64,
        help_text=gettext_lazy("如“元旦”“春节调休上班”。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("理由"),
        max_length=TEXT_MAX,
        required=False,
        help_text=gettext_lazy("更正已有的日期时必填，与变更一起记入历史。"),
    )


class RemoveForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("删除理由"), max_length=TEXT_MAX)


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("如所依据的国务院办公厅放假通知的文号。"),
    )


def _year(value, default):
    year = parse_id(value)
    return year if year is not None and FIRST <= year <= LAST else default


class CalendarView(generic.TemplateView):
    """One year's entered days, a form to enter one more, and the
    confirmation; the years around today with their state."""

    template_name = "workflows/clock/calendar.html"

    def dispatch(self, request, *args, **kwargs):
        if not may_maintain_calendar(request.user):
            raise PermissionDenied(_("仅市级管理员可以维护工作日历。"))
        return super().dispatch(request, *args, **kwargs)

    def default_year(self):
        waiting = years_awaiting_confirmation(request=self.request)
        return waiting[0] if waiting else timezone.localdate().year

    def get_context_data(self, **kwargs):
        year = kwargs.pop("year", None) or _year(
            self.request.GET.get("year"), self.default_year()
        )
        this = timezone.localdate().year
        years = sorted({this - 1, this, this + 1, year})
        overview = year_overview(years)
        return super().get_context_data(
            year=year,
            overview=overview,
            state=next(row for row in overview if row["year"] == year),
            days=days_of(year),
            day_form=kwargs.pop("day_form", None) or DayForm(),
            confirm_form=kwargs.pop("confirm_form", None) or ConfirmForm(),
            errors=kwargs.pop("errors", []),
            **kwargs,
        )

    def post(self, request):
        year = _year(request.POST.get("year"), self.default_year())
        action = request.POST.get("action")
        handle = {
            "add": self.add,
            "remove": self.remove,
            "confirm": self.confirm,
        }.get(action)
        bound = {}
        try:
            if handle is None:
                raise ValidationError(_("无法识别的操作。"))
            year, done = handle(request, year, bound)
        except ValidationError as error:
            return self.refused(year, error.messages, bound)
        if done is None:  # a form with errors
            return self.refused(year, [], bound)
        messages.success(request, done, fail_silently=True)
        return HttpResponseRedirect(f"{reverse('calendar:index')}?year={year}")

    def add(self, request, year, bound):
        form = bound["day_form"] = DayForm(request.POST)
        if not form.is_valid():
            return year, None
        day = services.calendar_day_enter(user=request.user, **form.cleaned_data)
        done = _("已录入 %(date)s %(name)s。") % {"date": day.date, "name": day.name}
        return day.date.year, done

    def remove(self, request, year, bound):
        day = CalendarDay.objects.filter(pk=parse_id(request.POST.get("day"))).first()
        if day is None:
            raise ValidationError(_("没有这个日期。"))
        form = RemoveForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("删除须说明理由。"))
        services.calendar_day_remove(
            user=request.user, day=day, reason=form.cleaned_data["reason"]
        )
        return day.date.year, _("已删除 %(date)s。") % {"date": day.date}

    def confirm(self, request, year, bound):
        form = bound["confirm_form"] = ConfirmForm(request.POST)
        if not form.is_valid():
            return year, None
        services.calendar_year_confirm(
            user=request.user, year=year, note=form.cleaned_data["note"]
        )
        return year, _("%(year)s年工作日历已确认，该年度的期限将重新计算。") % {
            "year": year
        }

    def refused(self, year, errors, bound):
        context = self.get_context_data(year=year, errors=errors, **bound)
        return self.render_to_response(context, status=422)
