"""The review app in the staff site."""

from django.utils.translation import gettext_lazy as _

from ..core.viewsets import CaseAppViewset
from . import pages


class ReviewAppViewset(CaseAppViewset):
    process_list_view_class = pages.ReviewListView
    process_detail_view_class = pages.ReviewDetailView
    start_node = "start"
    start_label = _("报告情况变化")
    menu_title = _("动态复核")
