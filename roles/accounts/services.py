"""Writes about accounts: releasing a lockout, issuing enrolment codes,
enrolling and resetting the second factor. Each checks who may do it here,
not only in the page, and leaves a history row with the person and the
reason."""

import secrets
import unicodedata
from base64 import b32encode
from dataclasses import dataclass

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from ..account_models import EnrolmentCode, Lockout
from ..workspace import may_manage_person
from .second_factor import second_factor_required
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


# Enrolment codes: 12 characters of an alphabet without look-alikes (0/O,
# 1/I/L), read out or written down in groups of four: 31**12, about 2**59.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def normalise_code(text: str) -> str:
    """The code as typed, without spaces or dashes, in capitals (full-width
    characters from a Chinese input method count as their ASCII twins)."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in text if ch.isalnum())


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued: the record, and the code itself, which exists
    nowhere else and is shown to the issuer this once."""

    record: EnrolmentCode
    code: str

    @property
    def display(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


def _revoke_usable_codes(user, *, by, reason: str, now) -> None:
    for record in (
        EnrolmentCode.objects.select_for_update().usable(now).filter(user=user)
    ):
        record.revoked_at = now
        record._change_reason = reason
        record._history_user = by
        record.save()


@transaction.atomic
def enrolment_code_issue(*, user, by, reason: str) -> IssuedCode:
    """A one-time code for ``user`` to bind an authenticator (a new
    privileged account, or after a reset): valid for 24 hours, once. ``by``
    is the superuser issuing it, or None for the operator on the server
    (``manage.py issue_enrolment_code``, the only way for the first
    superuser). An earlier code not yet used stops working."""
    reason = _require_reason(reason)
    if by is not None and not (by.is_active and by.is_superuser):
        raise PermissionDenied(_("只有系统管理员可以签发绑定码。"))
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if not second_factor_required(user):
        raise ValidationError(_("该账号无须动态口令（或已停用），不签发绑定码。"))
    device = device_of(user)
    if device is not None and device.confirmed:
        raise ValidationError(_("该账号已绑定动态口令；更换手机须先重置动态口令。"))
    now = timezone.now()
    _revoke_usable_codes(user, by=by, reason=_("签发新的绑定码，原绑定码作废"), now=now)
    code = "".join(secrets.choice(CODE_ALPHABET) for _n in range(CODE_LENGTH))
    record = EnrolmentCode(
        user=user,
        code_hash=make_password(code),
        issued_at=now,
        issued_by=by,
        reason=reason,
        expires_at=now + EnrolmentCode.VALID_FOR,
    )
    record.full_clean()
    record._change_reason = reason
    record._history_user = by
    record.save()
    return IssuedCode(record=record, code=code)


def enrolment_ticket(device: TOTPDevice) -> str:
    """What the session keeps once a code opened the enrolment: bound to the
    secret then made, so a reset (a new secret) closes it again."""
    return salted_hmac("roles.accounts.enrolment", device.key).hexdigest()


@dataclass(frozen=True)
class OpenedEnrolment:
    record: EnrolmentCode
    device: TOTPDevice
    ticket: str


@transaction.atomic
def enrolment_code_redeem(
    *, user, code: str, address: str | None
) -> OpenedEnrolment | None:
    """The person gives the code handed to them. The right code, unused and
    unexpired, is used up and opens the enrolment: the authenticator gets a
    fresh secret, shown from now on to this session only (the ``ticket``).
    None if the code is wrong, used, revoked or expired (the page counts it
    as a failed login)."""
    text = normalise_code(code)
    if not text or not second_factor_required(user):
        return None
    now = timezone.now()
    records = EnrolmentCode.objects.select_for_update().usable(now).filter(user=user)
    record = next((r for r in records if check_password(text, r.code_hash)), None)
    if record is None:
        return None
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.confirmed:
        raise ValidationError(_("已绑定动态口令。"))
    record.used_at = now
    record.used_from = address
    record._change_reason = _("使用绑定码")
    record._history_user = user
    record.save()
    if device is None:
        device = TOTPDevice(user=user, name=DEVICE_NAME, confirmed=False)
    _new_secret(device)
    device._change_reason = _("凭绑定码开始绑定动态口令")
    device._history_user = user
    device.save()
    return OpenedEnrolment(
        record=record, device=device, ticket=enrolment_ticket(device)
    )


def _new_secret(device: TOTPDevice) -> None:
    device.key = default_key()
    device.confirmed = False
    device.last_t = -1
    device.drift = 0
    device.throttle_reset(commit=False)


def enrolment_open(*, user, ticket: str | None) -> TOTPDevice | None:
    """The authenticator being bound, if ``ticket`` (kept by the session
    that gave the code) still matches its secret; None otherwise."""
    device = device_of(user)
    if device is None or device.confirmed or not ticket:
        return None
    if not secrets.compare_digest(ticket, enrolment_ticket(device)):
        return None
    return device


@transaction.atomic
def enrolment_confirm(*, user, token: str, ticket: str | None) -> TOTPDevice | None:
    """Confirm the authenticator with a code it shows; None if the code is
    wrong (the attempt counts towards django-otp's throttle). Only for an
    enrolment a code opened (``ticket``)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is None or device.confirmed:
        raise ValidationError(_("没有待绑定的动态口令。"))
    if enrolment_open(user=user, ticket=ticket) is None:
        raise PermissionDenied(_("请先输入绑定码。"))
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device._change_reason = _("绑定动态口令")
    device._history_user = user
    device.save()
    return device


@transaction.atomic
def second_factor_reset(*, device: TOTPDevice, by, reason: str) -> TOTPDevice:
    """A lost or replaced phone: the old secret stops working at once; the
    person binds a new authenticator with a new enrolment code (issued after
    the reset; any code still unused is revoked). Superusers only."""
    reason = _require_reason(reason)
    if not (by.is_active and by.is_superuser):
        raise PermissionDenied(_("只有系统管理员可以重置动态口令。"))
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    _new_secret(device)
    device._change_reason = reason
    device._history_user = by
    device.save()
    _revoke_usable_codes(
        device.user,
        by=by,
        reason=_("重置动态口令，未使用的绑定码作废"),
        now=timezone.now(),
    )
    return device
