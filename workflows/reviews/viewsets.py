"""The review app in the staff site."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from ..core.viewsets import CaseAppViewset
from . import actions, pages


class ReviewAppViewset(CaseAppViewset):
    menu_template_name = "workflows/reviews/menu.html"
    process_list_view_class = pages.ReviewListView
    process_detail_view_class = pages.ReviewDetailView
    start_node = "start"
    start_label = _("报告情况变化")
    menu_title = _("动态复核")

    @property
    def refusal_path(self):
        return path("refusals/", actions.WorkRefusalView.as_view(), name="refusal")

    @property
    def review_class_path(self):
        return path(
            "review-class/", actions.ReviewClassView.as_view(), name="review_class"
        )

    def get_context_data(self, request):
        may = request.user.has_perm(actions.PERM)
        return {
            **super().get_context_data(request),
            "refusal_url": self.reverse("refusal") if may else None,
            "review_class_url": self.reverse("review_class") if may else None,
        }
