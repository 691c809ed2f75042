"""A person's notifications: the list, and marking them read."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic

from ..base.edge import parse_id
from .models import Notification
from .selectors import links, notifications_of
from .services import notifications_mark_read

PAGE_SIZE = 30


class NotificationsView(generic.TemplateView):
    """The user's own notifications, newest first, with a link to the task
    or case while the user may still see it."""

    template_name = "workflows/notify/list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        page = Paginator(notifications_of(user), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        urls = links(user, page)
        rows = [{"n": n, "url": urls.get(n.pk)} for n in page]
        return super().get_context_data(page=page, rows=rows, **kwargs)


class MarkReadView(generic.View):
    """POST: mark the named notifications (``notification``) read, or all
    (``all``). An id that is not the user's own answers 404."""

    def post(self, request):
        if request.POST.get("all"):
            ids = None
        else:
            ids = [parse_id(v) for v in request.POST.getlist("notification")]
            if not ids or None in ids:
                raise Http404
        try:
            notifications_mark_read(user=request.user, ids=ids)
        except Notification.DoesNotExist:
            raise Http404 from None
        if ids is None:
            messages.success(request, _("已全部标为已读。"), fail_silently=True)
        page = parse_id(request.POST.get("page"))
        target = reverse("notifications:index")
        return HttpResponseRedirect(f"{target}?page={page}" if page else target)
