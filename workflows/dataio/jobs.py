"""The commit of an import, as a background job (one per import kind,
``import:<name>``, declared by ``kinds.register``).

The job reads the file again as the person who confirmed it, checking every
row as the preview did (the registry, their posts may have changed since)
and writing as it goes, in the one transaction of its single step; a problem
found undoes every write (``services.process_file``): a file is written
whole or not at all. A job
delivered twice finds its run finished and does nothing.
"""

import datetime
import time

from django.utils import timezone
from django.utils.translation import gettext as _

from ..jobs.kinds import Step
from .models import ImportRun


def commit_step(job) -> Step:
    from .kinds import kind_of
    from .services import process_file

    run = ImportRun.objects.select_for_update().get(pk=job.params["run"])
    if run.status != ImportRun.Status.QUEUED:
        return Step(done=run.rows_written, total=run.rows_read, finished=True)
    kind = kind_of(run.kind)
    user = job.started_by
    began, clock = timezone.now(), time.monotonic()
    reason = _("数据导入：%(file)s（导入批次 #%(run)s）") % {
        "file": run.filename,
        "run": run.pk,
    }
    written, problems, rows, _encoding = process_file(
        kind,
        bytes(run.data),
        filename=run.filename,
        encoding=run.encoding,
        user=user,
        reason=reason,
    )
    run.started_at, run.rows_read, run.rows_written = began, rows, written
    if problems:
        run.status = ImportRun.Status.REJECTED
        run.error_count, run.errors = problems.count, problems.as_json()
    else:
        run.status = ImportRun.Status.DONE
    run.data = b""
    run.finished_at = timezone.now()
    run.duration = datetime.timedelta(seconds=time.monotonic() - clock)
    run.save()
    return Step(
        done=rows,
        total=rows,
        finished=True,
        result={
            str(_("读取行数")): run.rows_read,
            str(_("写入行数")): run.rows_written,
            str(_("问题数")): run.error_count,
        },
    )
