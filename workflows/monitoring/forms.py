"""The feed upload form."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FeedBatch

MAX_FEED_BYTES = 200 * 1024 * 1024


class FeedUploadForm(forms.Form):
    source = forms.ChoiceField(label=_("数据来源"), choices=FeedBatch.Source.choices)
    period = forms.DateField(
        label=_("数据期间（月）"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    file = forms.FileField(label=_("数据文件（csv 或 xlsx）"))
    encoding = forms.ChoiceField(
        label=_("文件编码"),
        choices=[
            ("auto", _("自动识别")),
            ("utf-8", "UTF-8"),
            ("utf-8-sig", _("UTF-8（带 BOM）")),
            ("gb18030", "GB 18030 / GBK"),
        ],
        initial="auto",
    )

    def clean_period(self):
        period = self.cleaned_data["period"].replace(day=1)
        if period > datetime.date.today():
            raise forms.ValidationError(_("数据期间不能晚于本月。"))
        return period

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FEED_BYTES:
            raise forms.ValidationError(_("文件超过 200 MB，请分批导入。"))
        return upload
