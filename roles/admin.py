"""Administrators maintain regions, roles and posts here (with history);
superusers release login lockouts and reset second factors (with reasons)."""

from axes.models import AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from workflows.audit.admin import HistoryAdmin, ReasonRequiredAdmin
from workflows.core.fields import TEXT_MAX

from .accounts import services as account_services
from .models import (
    Absence,
    CaseGrant,
    CaseGroupGrant,
    Lockout,
    Post,
    Reassignment,
    Region,
    Role,
)


class ReadOnlyHistoryAdmin(HistoryAdmin):
    """Changes go through the work-management services (with reasons)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseGrant)
class CaseGrantAdmin(ReadOnlyHistoryAdmin):
    list_display = ("content_object", "user", "permission", "granted_by", "expires_on")
    list_filter = ("permission",)


@admin.register(CaseGroupGrant)
class CaseGroupGrantAdmin(ReadOnlyHistoryAdmin):
    list_display = ("content_object", "group", "permission", "granted_by", "expires_on")


@admin.register(Reassignment)
class ReassignmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ("at", "task", "kind", "from_user", "to_user", "by", "reason")
    list_filter = ("kind",)


@admin.register(Absence)
class AbsenceAdmin(ReadOnlyHistoryAdmin):
    list_display = ("user", "substitute", "starts_on", "ends_on", "started", "ended")


@admin.register(Region)
class RegionAdmin(HistoryAdmin):
    list_display = ("code", "name", "level", "kind", "parent", "is_sample")
    list_filter = ("level", "kind", "is_sample")
    search_fields = ("code", "name")
    readonly_fields = ("path",)
    autocomplete_fields = ("parent",)


@admin.register(Role)
class RoleAdmin(ReasonRequiredAdmin):
    list_display = ("code", "__str__")
    filter_horizontal = ("permissions",)


@admin.register(Post)
class PostAdmin(ReasonRequiredAdmin):
    list_display = ("user", "region", "role", "valid_from", "valid_to", "is_active")
    list_filter = ("role", "is_active", "region__level")
    search_fields = ("user__username", "user__first_name", "region__name")
    autocomplete_fields = ("user", "region")


# --- accounts: lockouts, second factors, login logs ---------------------------------


class ReasonActionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("理由"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def reason_action(modeladmin, request, queryset, *, title, explanation, apply):
    """An admin action that asks why first (an intermediate page, like
    Django's delete confirmation), then runs ``apply(obj, reason)`` on each
    selected record through its service."""
    form = ReasonActionForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        done = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data["reason"])
                done += 1
            except (ValidationError, PermissionDenied) as error:
                text = "; ".join(getattr(error, "messages", [str(error)]))
                modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
        if done:
            modeladmin.message_user(
                request, _("%(title)s：%(n)s 项。") % {"title": title, "n": done}
            )
        return None
    return TemplateResponse(
        request,
        "admin/roles/reason_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": title,
            "explanation": explanation,
            "queryset": queryset,
            "form": form,
            "action": request.POST.get("action"),
        },
    )


class SuperuserActionsMixin:
    def has_superuser_permission(self, request):
        return request.user.is_active and request.user.is_superuser


@admin.register(Lockout)
class LockoutAdmin(SuperuserActionsMixin, ReadOnlyHistoryAdmin):
    """Every lockout (accounts and addresses); superusers release them."""

    list_display = (
        "locked_at",
        "kind",
        "username",
        "user",
        "ip_address",
        "failures",
        "until",
        "state",
        "released_by",
        "release_reason",
    )
    list_filter = ("kind", "path")
    search_fields = ("username", "ip_address", "user__first_name")
    date_hierarchy = "locked_at"
    actions = ["release"]

    @admin.display(description=gettext_lazy("状态"))
    def state(self, lockout):
        return lockout.status

    @admin.action(description=gettext_lazy("解除所选锁定"), permissions=["superuser"])
    def release(self, request, queryset):
        return reason_action(
            self,
            request,
            queryset,
            title=_("解除登录锁定"),
            explanation=_("解除后可立即再次登录。请确认不是他人在猜测密码。"),
            apply=lambda lockout, reason: account_services.lockout_release(
                lockout=lockout, by=request.user, reason=reason
            ),
        )


# django-otp's own admin shows and edits the secret; ours shows the devices
# and resets one with a reason
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class SecondFactorAdmin(SuperuserActionsMixin, ReadOnlyHistoryAdmin):
    # django-otp's fields carry English names only: label them here
    list_display = ("person", "device", "bound", "created", "last_used")
    list_filter = ("confirmed",)
    search_fields = ("user__username", "user__first_name")
    fields = ("person", "device", "bound", "created", "last_used")
    readonly_fields = fields
    actions = ["reset"]

    @admin.display(description=gettext_lazy("人员"))
    def person(self, device):
        return device.user.get_full_name() or device.user.username

    @admin.display(description=gettext_lazy("设备名称"))
    def device(self, device):
        return device.name

    @admin.display(description=gettext_lazy("已绑定"), boolean=True)
    def bound(self, device):
        return device.confirmed

    @admin.display(description=gettext_lazy("绑定时间"))
    def created(self, device):
        return device.created_at

    @admin.display(description=gettext_lazy("最近使用"))
    def last_used(self, device):
        return device.last_used_at

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": _("动态口令（第二重验证）"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    @admin.action(
        description=gettext_lazy("重置所选动态口令（手机遗失或更换）"),
        permissions=["superuser"],
    )
    def reset(self, request, queryset):
        return reason_action(
            self,
            request,
            queryset,
            title=_("重置动态口令"),
            explanation=_("原验证器立即失效；该人员下次登录时重新绑定。"),
            apply=lambda device, reason: account_services.second_factor_reset(
                device=device, by=request.user, reason=reason
            ),
        )


@admin.register(AccessFailureLog)
class LoginFailureAdmin(ReadOnlyHistoryAdmin):
    list_display = ("attempt_time", "username", "ip_address", "path_info", "locked_out")
    list_filter = ("locked_out", "path_info")
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"


@admin.register(AccessLog)
class LoginAdmin(ReadOnlyHistoryAdmin):
    list_display = (
        "attempt_time",
        "username",
        "ip_address",
        "path_info",
        "logout_time",
    )
    list_filter = ("path_info",)
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"
