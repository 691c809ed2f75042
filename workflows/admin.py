"""Administrators maintain parameters, the calendar and reference data here.

Case data is changed through the workflow only; the admin shows it read-only
(history included) so nothing bypasses the statutory steps.
"""

from django.contrib import admin

from .audit.admin import HistoryAdmin, ReasonRequiredAdmin
from .clock.models import CalendarDay, TimeLimit
from .core.models import SensitiveAccess
from .notify.models import Delivery, Notification
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
    list_display = ("date", "is_workday", "name", "source")
    list_filter = ("is_workday", "source")
    date_hierarchy = "date"


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
