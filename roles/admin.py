"""Administrators maintain regions, roles and posts here (with history);
superusers release login lockouts, reset second factors and issue enrolment
codes (with reasons)."""

from axes.models import AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from workflows.base.admin import HistoryAdmin, ReasonRequiredAdmin
from workflows.base.fields import TEXT_MAX

from .accounts import services as account_services
from .models import (
    Absence,
    CaseGrant,
    CaseGroupGrant,
    EnrolmentCode,
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


def reason_action(
    modeladmin, request, queryset, *, title, explanation, apply, show=None
):
    """An admin action that asks why first (an intermediate page, like
    Django's delete confirmation), then runs ``apply(obj, reason)`` on each
    selected record through its service. With ``show``, what the services
    returned is shown on a page of its own (``show(request, results)``)
    instead of a message."""
    form = ReasonActionForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        results = []
        for obj in queryset:
            try:
                results.append(apply(obj, form.cleaned_data["reason"]))
            except (ValidationError, PermissionDenied) as error:
                text = "; ".join(getattr(error, "messages", [str(error)]))
                modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
        if results:
            modeladmin.message_user(
                request,
                _("%(title)s：%(n)s 项。") % {"title": title, "n": len(results)},
            )
            if show is not None:
                return show(request, results)
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


def issue_enrolment_codes(modeladmin, request, queryset, *, user_of):
    """签发绑定码 for the people selected: asks why, then shows each code
    once, on this page only (never in a message, which the session keeps)."""

    def show(request, issued):
        return TemplateResponse(
            request,
            "admin/roles/enrolment_codes_issued.html",
            {
                **modeladmin.admin_site.each_context(request),
                "opts": modeladmin.model._meta,
                "title": _("动态口令绑定码"),
                "issued": issued,
            },
        )

    return reason_action(
        modeladmin,
        request,
        queryset,
        title=_("签发动态口令绑定码"),
        explanation=_(
            "为尚未绑定（或已重置）动态口令的高权限账号签发一次性绑定码："
            "24 小时内有效，只能使用一次，只显示这一次。请当面交给本人（核对身份），"
            "不要通过短信、微信或邮件发送。同一人员原有未使用的绑定码随即作废。"
        ),
        apply=lambda obj, reason: account_services.enrolment_code_issue(
            user=user_of(obj), by=request.user, reason=reason
        ),
        show=show,
    )


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
    actions = ["reset", "issue_code"]

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
            explanation=_(
                "原验证器立即失效，未使用的绑定码作废；该人员须凭新的绑定码重新绑定"
                "（重置后请用“签发绑定码”操作签发，当面交给本人）。"
            ),
            apply=lambda device, reason: account_services.second_factor_reset(
                device=device, by=request.user, reason=reason
            ),
        )

    @admin.action(
        description=gettext_lazy("为所选人员签发绑定码（重置后重新绑定）"),
        permissions=["superuser"],
    )
    def issue_code(self, request, queryset):
        return issue_enrolment_codes(
            self, request, queryset.select_related("user"), user_of=lambda d: d.user
        )


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(ReadOnlyHistoryAdmin):
    """Codes issued and their fate; never the code (only its hash is kept,
    and not shown)."""

    list_display = (
        "user",
        "issued_at",
        "issued_by_display",
        "reason",
        "expires_at",
        "state",
        "used_at",
        "used_from",
    )
    list_filter = ("used_at", "revoked_at")
    search_fields = ("user__username", "user__first_name", "reason")
    date_hierarchy = "issued_at"
    fields = (
        "user",
        "issued_at",
        "issued_by_display",
        "reason",
        "expires_at",
        "state",
        "used_at",
        "used_from",
        "revoked_at",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("签发人"))
    def issued_by_display(self, record):
        return record.issued_by or _("服务器（运维人员）")

    @admin.display(description=gettext_lazy("状态"))
    def state(self, record):
        return record.status


# Django's user admin, with the action a superuser issues enrolment codes by
# (a new privileged account has no authenticator to list on the devices page)
User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(SuperuserActionsMixin, UserAdmin):
    actions = ["issue_code"]

    @admin.action(
        description=gettext_lazy("为所选人员签发动态口令绑定码"),
        permissions=["superuser"],
    )
    def issue_code(self, request, queryset):
        return issue_enrolment_codes(self, request, queryset, user_of=lambda u: u)


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
