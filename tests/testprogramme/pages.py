from django.views import generic
from viewflow.views import ListModelView

from workflows.core.pages import task_trail
from workflows.core.selectors import cases_visible_to

from .models import Visit


class VisitListView(ListModelView):
    flow_class = None
    model = Visit
    columns = ("person",)

    def get_queryset(self):
        return cases_visible_to(self.request.user, Visit)


class VisitDetailView(generic.DetailView):
    flow_class = None
    template_name = "testprogramme/visit_detail.html"
    context_object_name = "case"
    pk_url_kwarg = "process_pk"

    def get_queryset(self):
        return cases_visible_to(self.request.user, Visit)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(task_trail(self.object, self.request.user))
        return context
