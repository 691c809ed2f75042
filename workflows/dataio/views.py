"""Staff pages of imports: the kinds a person may import (template,
upload), the preview of a file and its confirmation, the progress and the
result; the person's recent imports. Each view binds a form and calls one
service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views import generic

from .forms import UploadForm
from .kinds import kind_of, kinds_for, may_import
from .models import ImportRun
from .selectors import run_of, run_state, runs_of
from .services import import_commit, import_preview
from .templates import template_xlsx

PAGE_SIZE = 20


def _kind_for(user, name):
    """The import kind ``name`` if ``user`` may run it somewhere; else 404."""
    try:
        kind = kind_of(name)
    except LookupError:
        raise Http404 from None
    if not may_import(user, kind):
        raise PermissionDenied
    return kind


def _title(name):
    try:
        return kind_of(name).title
    except LookupError:
        return name


class ImportsView(generic.TemplateView):
    """The kinds the user may import, and their recent imports."""

    template_name = "workflows/dataio/index.html"

    def get_context_data(self, **kwargs):
        page = Paginator(runs_of(self.request.user), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        rows = [
            {"run": run, "title": _title(run.kind), "state": run_state(run)}
            for run in page
        ]
        return super().get_context_data(
            kinds=kinds_for(self.request.user), page=page, rows=rows, **kwargs
        )


class TemplateDownloadView(generic.View):
    def get(self, request, kind):
        declared = _kind_for(request.user, kind)
        response = HttpResponse(
            template_xlsx(declared),
            content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            ),
        )
        filename = f"{declared.name}-template.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class UploadView(generic.FormView):
    template_name = "workflows/dataio/upload.html"
    form_class = UploadForm

    def dispatch(self, request, *args, **kwargs):
        self.kind = _kind_for(request.user, kwargs["kind"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(kind=self.kind, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        run = import_preview(
            user=self.request.user,
            kind=self.kind.name,
            data=upload.read(),
            filename=upload.name,
            encoding=form.cleaned_data["encoding"],
        )
        return redirect(run.get_absolute_url())


class OwnRunMixin:
    def get_run(self):
        try:
            return run_of(user=self.request.user, pk=self.kwargs["run_pk"])
        except ImportRun.DoesNotExist:
            raise Http404 from None


class RunView(OwnRunMixin, generic.TemplateView):
    """One import: its problems, or its counts and the confirm button, or
    its progress, or its result."""

    template_name = "workflows/dataio/run.html"

    def get_context_data(self, **kwargs):
        run = self.get_run()
        return super().get_context_data(
            run=run,
            title=_title(run.kind),
            state=run_state(run),
            Status=ImportRun.Status,
            **kwargs,
        )


class CommitView(OwnRunMixin, generic.View):
    def post(self, request, run_pk):
        run = self.get_run()
        try:
            import_commit(user=request.user, run=run)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(run.get_absolute_url())

    def get(self, request, run_pk):
        self.get_run()
        return HttpResponse(status=405)
