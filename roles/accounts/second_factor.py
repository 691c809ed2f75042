"""Who needs a second factor, and the QR code to bind one.

A password alone is not enough for accounts that can change the rules for
everyone: superusers, anyone who may open the Django admin (``is_staff``)
and the city administrators (standards, posts, calendar). They bind a TOTP
authenticator app (django-otp) at their first login and give a code at
every login after that.
"""

import segno
from django.utils.safestring import mark_safe

from ..models import Role
from ..scope import user_posts

PRIVILEGED_ROLES = {Role.Code.CITY_ADMINISTRATOR}


def second_factor_required(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return any(post.role in PRIVILEGED_ROLES for post in user_posts(user))


def qr_svg(device) -> str:
    """The device's ``otpauth://`` address as an inline SVG QR code, drawn
    here: the secret never leaves the server for a QR service."""
    code = segno.make(device.config_url, error="m")
    return mark_safe(code.svg_inline(scale=5, border=2))  # noqa: S308 (our SVG)
