"""Background jobs of the 低保 process (``workflows.jobs``)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from ..jobs.kinds import Step, register
from .models import Application
from .services.crosscheck import JOB_KIND, PERMISSION, crosscheck_run


@register(JOB_KIND, title=_("一键核对"), permission=PERMISSION)
def crosscheck(job):
    """一键核对 of one application: one chunk (matching is a few queries).
    The starter's right over the case and the signed authorization are
    checked again here (``crosscheck_run``), before anything is written."""
    application = (
        Application.objects.select_related("region", "household")
        .filter(pk=job.params["application"])
        .first()
    )
    if application is None:
        raise PermissionDenied("no such application")
    [report] = crosscheck_run(applications=[application], user=job.started_by)
    return Step(
        done=1,
        total=1,
        finished=True,
        result={
            "report": report.report_number,
            "findings": report.feed_findings.count(),
            "url": application.get_absolute_url(),
        },
    )
