"""Model fields with the limits a form and ``full_clean`` both enforce."""

from django.core.validators import MaxLengthValidator
from django.db import models

TEXT_MAX = 2000  # a reason, a finding, an objection: a page of text
LONG_TEXT_MAX = 20000  # minutes of a meeting, a case summary


class LimitedTextField(models.TextField):
    """Free text with a length limit. A plain ``TextField`` takes any length
    (a 2.4 MB objection was stored); this one's ``max_length`` reaches the
    form field and a validator, so a service's ``full_clean`` refuses an
    oversized text whatever form or script sent it."""

    def __init__(self, *args, max_length=TEXT_MAX, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)

    @property
    def validators(self):
        return [*super().validators, MaxLengthValidator(self.max_length)]
