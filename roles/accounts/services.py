"""Writes about accounts: releasing a lockout, enrolling and resetting the
second factor. Each checks who may do it here, not only in the page, and
leaves a history row with the person and the reason."""

from base64 import b32encode

from axes.handlers.proxy import AxesProxyHandler
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from ..services import may_manage_person
from .models import Lockout
from .selectors import staff_addresses

DEVICE_NAME = "动态口令"


def _require_reason(reason):
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写理由。")})
    return reason.strip()


def may_release(by, lockout: Lockout) -> bool:
    """Superusers release any lockout. A supervisor releases the lockout of
    an account of someone working in their region, and the lockout of a
    client address from which staff of their region logged in within
    ``LOGIN_KNOWN_ADDRESS_DAYS`` (their office's)."""
    if not by.is_active:
        return False
    if by.is_superuser:
        return True
    if lockout.kind == Lockout.Kind.ADDRESS:
        return (
            lockout.ip_address is not None
            and staff_addresses(by).filter(ip_address=lockout.ip_address).exists()
        )
    return lockout.user is not None and may_manage_person(by, lockout.user)


@transaction.atomic
def lockout_release(*, lockout: Lockout, by, reason: str) -> Lockout:
    """End a lockout before its cool-down: clear the failures counted against
    the account (or the address) and record who did it and why."""
    reason = _require_reason(reason)
    if not may_release(by, lockout):
        raise PermissionDenied(_("您无权解除这个锁定。"))
    lockout = Lockout.objects.select_for_update().get(pk=lockout.pk)
    if not lockout.is_active:
        raise ValidationError(_("该锁定已经解除或已到期。"))
    if lockout.kind == Lockout.Kind.ACCOUNT:
        AxesProxyHandler.reset_attempts(username=lockout.username)
    else:
        AxesProxyHandler.reset_attempts(ip_address=lockout.ip_address)
    lockout.released_at = timezone.now()
    lockout.released_by = by
    lockout.release_reason = reason
    lockout.full_clean()
    lockout._change_reason = reason
    lockout._history_user = by
    lockout.save()
    return lockout


# --- second factor --------------------------------------------------------------


def device_of(user) -> TOTPDevice | None:
    """The user's authenticator (one per person; enrolments and resets are
    its history)."""
    return TOTPDevice.objects.filter(user=user).order_by("pk").first()


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app asks for it (base32, in fours)."""
    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def enrolment_start(*, user) -> TOTPDevice:
    """The not yet confirmed authenticator the user is binding now (made
    with a fresh secret on first use)."""
    device = device_of(user)
    if device is not None and device.confirmed:
        raise ValidationError(_("已绑定动态口令。"))
    if device is None:
        device = TOTPDevice(user=user, name=DEVICE_NAME, confirmed=False)
        device._change_reason = _("开始绑定动态口令")
        device._history_user = user
        device.save()
    return device


@transaction.atomic
def enrolment_confirm(*, user, token: str) -> TOTPDevice | None:
    """Confirm the authenticator with a code it shows; None if the code is
    wrong (the attempt counts towards django-otp's throttle)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is None or device.confirmed:
        raise ValidationError(_("没有待绑定的动态口令。"))
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device._change_reason = _("绑定动态口令")
    device._history_user = user
    device.save()
    return device


@transaction.atomic
def second_factor_reset(*, device: TOTPDevice, by, reason: str) -> TOTPDevice:
    """A lost or replaced phone: the old secret stops working at once and
    the user binds a new authenticator at the next login. Superusers only."""
    reason = _require_reason(reason)
    if not (by.is_active and by.is_superuser):
        raise PermissionDenied(_("只有系统管理员可以重置动态口令。"))
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    device.key = default_key()
    device.confirmed = False
    device.last_t = -1
    device.drift = 0
    device.throttle_reset(commit=False)
    device._change_reason = reason
    device._history_user = by
    device.save()
    return device
