"""The monitoring run as a job (on demand, with progress) and as a sweep
(once a complete feed batch newer than the last run exists)."""

from django.utils.translation import gettext_lazy as _

from ..core.sweeps import sweep
from ..jobs.kinds import Step, register
from .services import RUN, monitoring_due, monitoring_run

JOB_KIND = "alerts.monitoring_run"


@register(JOB_KIND, title=_("监测比对"), permission=RUN)
def monitoring_run_step(job):
    """One step: the whole run (a few set-based statements)."""
    from roles.models import Region

    district = None
    if job.params.get("district"):
        district = Region.objects.get(pk=job.params["district"])
    run = monitoring_run(user=job.started_by, district=district)
    return Step(
        done=1,
        total=1,
        finished=True,
        result={"run": run.pk, "alerts": run.alerts_opened, "counts": run.counts},
    )


@sweep
def monitoring_sweep():
    """A run over the whole city when a newer complete batch exists."""
    if not monitoring_due():
        return 0
    return monitoring_run().alerts_opened
