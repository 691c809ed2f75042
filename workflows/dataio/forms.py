from django import forms
from django.utils.translation import gettext_lazy as _

from .files import ENCODINGS


class UploadForm(forms.Form):
    MAX_BYTES = 300 * 1024 * 1024

    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel（xlsx）或CSV文件，第1行为表头。"),
    )
    encoding = forms.ChoiceField(
        label=_("CSV文件编码"),
        choices=[
            ("auto", _("自动识别")),
            ("utf-8", "UTF-8"),
            ("utf-8-sig", _("UTF-8（带BOM）")),
            ("gb18030", "GB 18030"),
            ("gbk", "GBK"),
        ],
        initial="auto",
        help_text=_("xlsx文件不需要选择。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("文件超过300MB，请分成几个文件导入。"))
        return upload

    def clean_encoding(self):
        value = self.cleaned_data["encoding"]
        if value != "auto" and value not in ENCODINGS:
            raise forms.ValidationError(_("不支持的编码。"))
        return value
