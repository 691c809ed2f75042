"""Staff pages of the departmental feeds (部门数据): the batches imported, the
upload with its preview, the commit as a job, the template."""

import hashlib

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.views import generic

from ..base.edge import parse_id
from ..base.masking import mask_id_number
from .feedfile import TEMPLATE, FileProblem, scan_feed
from .forms import FeedUploadForm
from .models import FeedBatch, FeedUpload
from .services import (
    feed_upload_commit,
    feed_upload_stage,
    may_import_feeds,
    previous_import,
)

PAGE_SIZE = 30
PREVIEW_PROBLEMS = 200


class ImporterMixin:
    """For the roles that import feeds (city and district data roles)."""

    def dispatch(self, request, *args, **kwargs):
        if not may_import_feeds(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class FeedsView(ImporterMixin, generic.TemplateView):
    """The batches imported, newest first: who, file, hash, counts, duration.
    Feeds are city-wide (no region): the permission is the scope."""

    template_name = "workflows/monitoring/feeds.html"

    def get_context_data(self, **kwargs):
        batches = FeedBatch.objects.select_related("imported_by").order_by(
            "-received_at", "-pk"
        )
        page = Paginator(batches, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, **kwargs)


class FeedUploadView(ImporterMixin, generic.FormView):
    """Upload → preview: every problem with its row, column and reason, and
    nothing kept; a clean file is held for the import (or says it was
    imported before). The file is read as a stream: counted, its first
    problems and first rows kept, never all of its rows."""

    template_name = "workflows/monitoring/upload.html"
    form_class = FeedUploadForm

    def form_valid(self, form):
        data = form.cleaned_data["file"].read()
        name = form.cleaned_data["file"].name
        try:
            scan = scan_feed(
                data, filename=name, encoding=form.cleaned_data["encoding"]
            )
        except FileProblem as problem:
            form.add_error("file", problem.message)
            return self.form_invalid(form)
        context = {"form": form, "file_name": name, "lines": scan.lines}
        if scan.problem_count:
            context.update(
                problems=scan.problems[:PREVIEW_PROBLEMS],
                problem_count=scan.problem_count,
            )
            return self.render_to_response(self.get_context_data(**context))
        checksum = hashlib.sha256(data).hexdigest()
        source = form.cleaned_data["source"]
        before = previous_import(source=source, checksum=checksum)
        if before is not None and before.completed_at is not None:
            context["duplicate"] = before
            return self.render_to_response(self.get_context_data(**context))
        upload = feed_upload_stage(
            user=self.request.user,
            source=source,
            period=form.cleaned_data["period"],
            file_name=name,
            data=data,
            checksum=checksum,
            encoding=form.cleaned_data["encoding"],
            rows_total=scan.rows,
        )
        sample = [
            {
                "line": row.line,
                "id_number": mask_id_number(row.id_number),
                "kind": row.kind,
                "amount": row.amount,
                "detail": row.detail,
            }
            for row in scan.sample
        ]
        context.update(upload=upload, rows=scan.rows, checksum=checksum, sample=sample)
        return self.render_to_response(self.get_context_data(**context))


class FeedCommitView(ImporterMixin, generic.View):
    """Import the previewed file (its id in the form, one's own only)."""

    def post(self, request):
        pk = parse_id(request.POST.get("upload", ""))
        upload = (
            FeedUpload.objects.filter(pk=pk, uploaded_by=request.user).first()
            if pk is not None
            else None
        )
        if upload is None:
            raise Http404
        job = feed_upload_commit(user=request.user, upload=upload)
        return HttpResponseRedirect(job.get_absolute_url())


class FeedTemplateView(ImporterMixin, generic.View):
    """The csv a department fills in (UTF-8 with BOM, so Excel reads it)."""

    def get(self, request):
        response = HttpResponse(
            "\ufeff" + TEMPLATE, content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="feed-template.csv"'
        return response
