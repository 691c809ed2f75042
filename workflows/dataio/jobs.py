"""The commit of an import, as a background job (one per import kind,
``import:<name>``, declared by ``kinds.register``).

The job checks the file again as the person who confirmed it (the registry,
their posts may have changed since the preview), then writes it in the one
transaction of its single step: a file is written whole or not at all. A job
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
    from .services import check_file, open_file

    run = ImportRun.objects.select_for_update().get(pk=job.params["run"])
    if run.status != ImportRun.Status.QUEUED:
        return Step(done=run.rows_written, total=run.rows_read, finished=True)
    kind = kind_of(run.kind)
    user = job.started_by
    began, clock = timezone.now(), time.monotonic()
    data = bytes(run.data)
    checked, problems, rows, _encoding = check_file(
        kind, data, filename=run.filename, encoding=run.encoding, user=user
    )
    run.started_at, run.rows_read = began, rows
    if problems:
        run.status = ImportRun.Status.REJECTED
        run.error_count, run.errors = problems.count, problems.as_json()
    else:
        reason = _("数据导入：%(file)s（导入批次 #%(run)s）") % {
            "file": run.filename,
            "run": run.pk,
        }
        run.rows_written = kind.write(
            checked,
            reread=lambda: open_file(
                kind, data, filename=run.filename, encoding=run.encoding
            ),
            user=user,
            reason=reason,
        )
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
