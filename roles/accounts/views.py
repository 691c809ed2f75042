"""Pages: the second-factor steps of a login, and lockouts in the
supervisor's workspace (工作管理)."""

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from ..workspace import REASON, WorkMixin
from . import selectors, services
from .second_factor import qr_svg, second_factor_required
from .throttle import client_address, lockout_response


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("动态口令"),
        regex=r"^\s*\d{6}\s*$",
        max_length=16,
        error_messages={"invalid": gettext_lazy("请输入 6 位数字。")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip()


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return target


def _step(name, request):
    return HttpResponseRedirect(
        f"{reverse(name)}?{urlencode({'next': _next(request)})}"
    )


class SecondFactorStep(generic.View):
    """Common to both steps: only for the accounts that need it, once."""

    template_name = None
    # the other step, for a user whose authenticator is (not) bound yet
    needs_bound_device = None
    other_step = None

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not second_factor_required(user) or user.is_verified():
            return HttpResponseRedirect(_next(request))
        self.device = services.device_of(user)
        bound = self.device is not None and self.device.confirmed
        if bound != self.needs_bound_device:
            return _step(self.other_step, request)
        return super().dispatch(request, *args, **kwargs)

    def show(self, request, form, status=200, **context):
        return render(
            request,
            self.template_name,
            {"form": form, "next": _next(request), **context},
            status=status,
        )


class VerifyView(SecondFactorStep):
    """Each login of a privileged account: the code from the authenticator."""

    template_name = "registration/otp_verify.html"
    needs_bound_device = True
    other_step = "otp_setup"

    def get(self, request):
        return self.show(request, TokenForm())

    def post(self, request):
        form = TokenForm(request.POST)
        if form.is_valid():
            device = django_otp.verify_token(
                request.user, self.device.persistent_id, form.cleaned_data["token"]
            )
            if device is not None:
                django_otp.login(request, device)
                return HttpResponseRedirect(_next(request))
            form.add_error("token", _throttled_or_wrong(self.device))
        return self.show(request, form, status=422)


def _throttled_or_wrong(device):
    device.refresh_from_db()
    allowed, data = device.verify_is_allowed()
    if not allowed and data and data.get("locked_until"):
        return _("错误次数过多，请稍候（约 %(s)s 秒）再试。") % {
            "s": max(1, int((data["locked_until"] - timezone.now()).total_seconds()))
        }
    return _("动态口令不正确或已使用过，请输入手机上显示的新口令。")


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("绑定码"),
        max_length=32,
        help_text=gettext_lazy(
            "系统管理员当面交给您的 12 位绑定码，24 小时内有效，只能使用一次。"
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "autofocus": True,
            }
        ),
    )


ENROLMENT_TICKET = "zz_enrolment_ticket"


class SetupView(SecondFactorStep):
    """First login after the requirement (or after a reset). The password is
    not enough to see a new secret: first the enrolment code a superuser
    handed over (a wrong one counts as a failed login of the account); then
    the authenticator app is bound by its QR code or by typing the secret,
    and confirmed with a code it shows."""

    template_name = "registration/otp_setup.html"
    needs_bound_device = False
    other_step = "otp_verify"

    def opened(self, request):
        return services.enrolment_open(
            user=request.user, ticket=request.session.get(ENROLMENT_TICKET)
        )

    def get(self, request):
        device = self.opened(request)
        if device is None:
            return self.show(request, EnrolmentCodeForm())
        return self.show(request, TokenForm(), **self.device_context(device))

    def post(self, request):
        device = self.opened(request)
        if device is None:
            return self.post_code(request)
        form = TokenForm(request.POST)
        if form.is_valid():
            device = services.enrolment_confirm(
                user=request.user,
                token=form.cleaned_data["token"],
                ticket=request.session.get(ENROLMENT_TICKET),
            )
            if device is not None:
                request.session.pop(ENROLMENT_TICKET, None)
                django_otp.login(request, device)
                messages.success(request, _("动态口令已绑定。"), fail_silently=True)
                return HttpResponseRedirect(_next(request))
            form.add_error(
                "token", _throttled_or_wrong(services.device_of(request.user))
            )
        device = services.device_of(request.user)
        return self.show(request, form, status=422, **self.device_context(device))

    def post_code(self, request):
        """The enrolment code. Wrong codes are failed logins of the account
        (django-axes): five lock it like five wrong passwords, and the
        session ends."""
        credentials = {"username": request.user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            return self.locked_out(request, credentials)
        form = EnrolmentCodeForm(request.POST)
        if not form.is_valid():
            return self.show(request, form, status=422)
        opened = services.enrolment_code_redeem(
            user=request.user,
            code=form.cleaned_data["code"],
            address=client_address(request),
        )
        if opened is not None:
            request.session[ENROLMENT_TICKET] = opened.ticket
            return _step("otp_setup", request)
        user_login_failed.send(
            sender=__name__, credentials=credentials, request=request
        )
        if getattr(request, "axes_locked_out", False):
            return self.locked_out(request, credentials)
        form.add_error("code", _("绑定码不正确、已使用或已过期。"))
        return self.show(request, form, status=422)

    def locked_out(self, request, credentials):
        logout(request)
        return lockout_response(request, credentials=credentials)

    def device_context(self, device):
        return {"qr": qr_svg(device), "secret": services.secret_text(device)}


# --- lockouts in the supervisor's workspace ---------------------------------------


class ReleaseForm(forms.Form):
    reason = REASON


class LockoutsView(WorkMixin, generic.TemplateView):
    """Lockouts of the staff of the supervisor's regions, to release early."""

    template_name = "roles/lockouts.html"

    def get_context_data(self, **kwargs):
        lockouts = selectors.lockouts_in_scope(self.request.user)[:100]
        return super().get_context_data(lockouts=lockouts, **kwargs)


class ReleaseView(WorkMixin, generic.View):
    def post(self, request, lockout_pk):
        lockout = get_object_or_404(
            selectors.lockouts_in_scope(request.user), pk=lockout_pk
        )
        form = ReleaseForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("解除锁定须填写理由。"), fail_silently=True)
        else:
            try:
                services.lockout_release(
                    lockout=lockout, by=request.user, reason=form.cleaned_data["reason"]
                )
            except (ValidationError, PermissionDenied) as error:
                text = (
                    error.messages
                    if isinstance(error, ValidationError)
                    else [str(error)]
                )
                for message in text:
                    messages.error(request, message, fail_silently=True)
            else:
                messages.success(
                    request,
                    _("已解除 %(name)s 的登录锁定。") % {"name": lockout.username},
                    fail_silently=True,
                )
        return HttpResponseRedirect(reverse("work:lockouts"))
