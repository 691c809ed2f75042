"""Administrators maintain parameters, the calendar and reference data here.

Case data is changed through the workflow only; the admin shows it read-only
(history included) so nothing bypasses the statutory steps.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportMixin

from .base.admin import HistoryAdmin, ReasonRequiredAdmin
from .clock.calendar_services import calendar_year_confirm
from .clock.models import CalendarDay, CalendarYear, TimeLimit
from .clock.selectors import MAINTAIN
from .core.models import SensitiveAccess
from .dataio.models import ImportRun
from .dataio.resources import MemberResource
from .notify.models import Delivery, Notification
from .registry.models import Member
from .standards.models import AssistanceStandard, DistrictPolicy, IncomeType


@admin.register(AssistanceStandard)
class AssistanceStandardAdmin(ReasonRequiredAdmin):
    list_display = (
        "district",
        "area",
        "monthly_standard",
        "marginal_multiplier",
        "valid_from",
        "valid_to",
        "is_sample",
    )
    list_filter = ("area", "is_sample", "district")
    date_hierarchy = "valid_from"


@admin.register(DistrictPolicy)
class DistrictPolicyAdmin(ReasonRequiredAdmin):
    list_display = (
        "district",
        "confirmation_delegated",
        "spot_check_ratio",
        "valid_from",
        "valid_to",
        "is_sample",
    )
    list_filter = ("confirmation_delegated",)


@admin.register(IncomeType)
class IncomeTypeAdmin(ReasonRequiredAdmin):
    list_display = ("code", "name", "category", "counted", "basis")
    list_filter = ("counted", "category")


@admin.register(TimeLimit)
class TimeLimitAdmin(ReasonRequiredAdmin):
    list_display = ("code", "amount", "unit", "article", "valid_from", "valid_to")


@admin.register(CalendarDay)
class CalendarDayAdmin(ReasonRequiredAdmin):
    """A year the package does not know is entered here day by day (or on the
    staff site's 工作日历 page), then confirmed with the action below. A day
    saved here is the administrator's: the package never overwrites it. Every
    change recounts the open deadlines of its year."""

    list_display = ("date", "is_workday", "name", "source")
    list_filter = ("is_workday", "source")
    date_hierarchy = "date"
    readonly_fields = ("source",)
    actions = ["confirm_years"]

    def save_model(self, request, obj, form, change):
        obj.source = CalendarDay.Source.ADMIN
        super().save_model(request, obj, form, change)

    def has_maintain_calendar_permission(self, request):
        return request.user.has_perm(MAINTAIN)

    @admin.action(
        description=gettext_lazy("确认所选日期所在年度的工作日历"),
        permissions=["maintain_calendar"],
    )
    def confirm_years(self, request, queryset):
        years = sorted({d.year for d in queryset.values_list("date", flat=True)})
        for year in years:
            try:
                calendar_year_confirm(user=request.user, year=year)
            except (ValidationError, PermissionDenied) as error:
                for message in getattr(error, "messages", [str(error)]):
                    self.message_user(request, message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(year)s年工作日历已确认，该年度的期限将重新计算。")
                    % {"year": year},
                    messages.SUCCESS,
                )


@admin.register(SensitiveAccess)
class SensitiveAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "action", "case", "record", "ip_address")
    list_filter = ("action",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyHistoryAdmin(HistoryAdmin):
    """Written by the system only; shown with its history."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyHistoryAdmin):
    """Who confirmed which year, when (read-only: confirming is the action on
    工作日历, or the staff site's page)."""

    list_display = ("year", "source", "confirmed_by", "confirmed_at", "note")
    list_filter = ("source",)


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("channel", "status", "attempts", "attempted_at", "sent_at", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyHistoryAdmin):
    list_display = ("created", "recipient", "kind", "case", "read_at")
    list_filter = ("kind",)
    search_fields = ("key", "recipient__username")
    raw_id_fields = ("recipient", "case", "task")
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyHistoryAdmin):
    """Deliveries left ``sending`` (a sweep died mid-send) may not have gone:
    they are listed here and never sent again automatically."""

    list_display = ("notification", "channel", "status", "attempts", "attempted_at")
    list_filter = ("status", "channel")
    raw_id_fields = ("notification",)


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyHistoryAdmin):
    """Every import of the staff pages: who, which file (SHA-256), counts,
    duration; read-only."""

    list_display = (
        "created",
        "kind",
        "started_by",
        "filename",
        "status",
        "rows_read",
        "rows_written",
        "error_count",
        "duration",
    )
    list_filter = ("kind", "status")
    exclude = ("data",)


@admin.register(Member)
class MemberImportAdmin(ImportMixin, ReadOnlyHistoryAdmin):
    """Registry members, read-only, with django-import-export's import (and
    its preview) for administrators: members of existing households by
    household id, one row at a time (``workflows.dataio.resources``). Staff
    import whole households on the staff site (数据导入)."""

    resource_classes = [MemberResource]
    list_display = ("name", "masked_id_number", "household", "relation")
    list_select_related = ("household",)
    exclude = ("id_number",)
    readonly_fields = ("masked_id_number",)

    def has_import_permission(self, request):
        return request.user.has_perm("workflows.import_registry")
