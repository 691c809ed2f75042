"""The hotline app in the staff site."""

from django.utils.translation import gettext_lazy as _

from ..core.viewsets import CaseAppViewset
from . import pages


class HotlineAppViewset(CaseAppViewset):
    menu_template_name = "workflows/hotline/menu.html"
    inbox_view_class = pages.InboxView
    queue_view_class = pages.QueueView
    archive_view_class = pages.ArchiveView
    process_list_view_class = pages.CallListView
    process_detail_view_class = pages.CallDetailView
    start_node = "register"
    start_label = _("登记来电")
    menu_title = _("社会救助热线")
