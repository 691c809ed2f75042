"""Identity-number fields: the boundary where every number is normalised.

``IdNumberField`` normalises (``idnumber.normalize``) whatever reaches the
database through it: a save (``pre_save``), a ``QuerySet.update`` or a bulk
write, and the value of every lookup (``filter(id_number=…)``,
``id_number__in=…``), so a number typed with full-width digits finds and
collides with the same number typed in ASCII. Its form field normalises the
input before validating it. A test keeps every ``id_number`` of every model on
this field.
"""

from django import forms
from django.db import models

from . import idnumber


class IdNumberFormField(forms.CharField):
    """A text input whose value is the normalised number. Validation of the
    number itself is the model field's or the form's business."""

    def __init__(self, *, max_length=64, **kwargs):
        # raw input may carry spaces and separators: the limit guards the
        # request size; the 18 characters are checked after normalising
        kwargs.pop("min_length", None)
        super().__init__(max_length=max_length, **kwargs)

    def to_python(self, value):
        return idnumber.normalize(super().to_python(value))


class IdNumberField(models.CharField):
    """A ``CharField`` of 18 that stores and looks up normalised numbers."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", idnumber.LENGTH)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value if value is None else idnumber.normalize(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value is None else idnumber.normalize(value)

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value is not None:
            value = idnumber.normalize(value)
            setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", IdNumberFormField)
        kwargs["max_length"] = 64
        return super().formfield(**kwargs)
