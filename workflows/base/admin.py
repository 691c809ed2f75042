"""Admin pages of sensitive records ask why, and the history keeps the answer."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """The admin's history pages read, never write. simple-history's
    ``SIMPLE_HISTORY_REVERT_DISABLED`` only hides the revert button; its
    version page still saves a POST. Refuse it."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReasonForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("变更理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("修改时必填，将与本次变更一起记入历史。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["change_reason"].required = True


class ReasonRequiredAdmin(HistoryAdmin):
    """A change cannot be saved without a reason; records are not deleted (a
    dated record is ended by its end date, and the history keeps both)."""

    form = ReasonForm

    def save_model(self, request, obj, form, change):
        if change:
            obj._change_reason = form.cleaned_data["change_reason"]
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False
