"""A person's jobs: the list, one job's progress and result (a page that
reloads itself while the job runs, and the same as JSON for scripts)."""

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.views import generic

from .kinds import kind_of
from .models import Job
from .selectors import job_of, job_progress, jobs_of

PAGE_SIZE = 30


def _title(job):
    try:
        return kind_of(job.kind).title
    except LookupError:
        return job.kind


class JobsView(generic.TemplateView):
    """The jobs the user started, newest first."""

    template_name = "workflows/jobs/list.html"

    def get_context_data(self, **kwargs):
        page = Paginator(jobs_of(self.request.user), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        rows = [{"job": job, "title": _title(job)} for job in page]
        return super().get_context_data(page=page, rows=rows, **kwargs)


class OwnJobMixin:
    """404 for any job but the user's own (another person's, or none)."""

    def get_job(self):
        try:
            return job_of(user=self.request.user, pk=self.kwargs["job_pk"])
        except Job.DoesNotExist:
            raise Http404 from None


class JobView(OwnJobMixin, generic.TemplateView):
    template_name = "workflows/jobs/detail.html"

    def get_context_data(self, **kwargs):
        job = self.get_job()
        result = job.result if job.state == Job.State.DONE else None
        return super().get_context_data(
            job=job,
            progress=job_progress(job),
            title=_title(job),
            result_items=list(result.items()) if isinstance(result, dict) else None,
            result=result,
            **kwargs,
        )


class JobProgressView(OwnJobMixin, generic.View):
    """The job's state as JSON (what a page of an import polls)."""

    def get(self, request, job_pk):
        job = self.get_job()
        progress = job_progress(job)
        return JsonResponse(
            {
                "state": job.state,
                "done": progress.done,
                "total": progress.total,
                "percent": progress.percent,
                "result": job.result if job.state == Job.State.DONE else None,
                "failed": job.state == Job.State.FAILED,
            }
        )
