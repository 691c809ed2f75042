"""Lists and the review page, on the scoped selectors."""

from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.views import ListModelView

from workflows.core.selectors import cases_visible_to

from ..core.pages import CaseLinkMixin, task_trail
from .models import BenefitReview


def reviews_visible_to(user):
    return cases_visible_to(user, BenefitReview).select_related(
        "region", "household", "benefit"
    )


class ReviewListView(CaseLinkMixin, ListModelView):
    """Every review in the user's regions, newest first."""

    flow_class = None
    model = BenefitReview
    title = gettext_lazy("动态复核")
    columns = ("case_number", "subject", "trigger", "stage", "outcome")
    paginate_by = 30

    def get_queryset(self):
        return reviews_visible_to(self.request.user).order_by("-pk")

    def subject(self, review):
        return review.subject

    subject.short_description = gettext_lazy("家庭")

    def trigger(self, review):
        return review.get_trigger_display()

    trigger.short_description = gettext_lazy("复核原因类别")

    def stage(self, review):
        return review.get_stage_display()

    stage.short_description = gettext_lazy("办理环节")

    def outcome(self, review):
        return review.get_outcome_display()

    outcome.short_description = gettext_lazy("复核决定")


class ReviewDetailView(generic.DetailView):
    flow_class = None
    template_name = "workflows/reviews/review_detail.html"
    context_object_name = "case"
    pk_url_kwarg = "process_pk"

    def get_queryset(self):
        return reviews_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(task_trail(self.object, self.request.user))
        return context
