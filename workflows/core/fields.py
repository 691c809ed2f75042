"""Kept for the migrations that name ``workflows.core.fields``; the fields
live in ``workflows.base.fields``."""

from ..base.fields import LONG_TEXT_MAX, TEXT_MAX, LimitedTextField  # noqa: F401
