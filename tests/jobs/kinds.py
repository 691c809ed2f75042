"""Job kinds of the tests. A worker started by a test imports this module
through ``JOBS_MODULES``; the tests import it themselves.

``tests.notify`` writes one notification per chunk to the person who
started it, each with a key of its own, so a chunk applied twice shows as
one notification too many (the unique key would not hide it)."""

import time
import uuid

from django.contrib.auth.models import Permission
from django.db import OperationalError

from workflows.jobs.kinds import Step, register
from workflows.jobs.progress import report_progress
from workflows.notify.models import Notification

PERMISSION = "workflows.add_job"
KEY = "job-test:{job}:"


class Interrupted(BaseException):
    """Stands for a worker killed mid-chunk (not an ``Exception``: the
    runner does not record it as the job's failure)."""


def allow(user):
    """Give ``user`` the permission the test kinds ask for."""
    app_label, codename = PERMISSION.split(".")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    return type(user).objects.get(pk=user.pk)  # no cached permissions


def effects(job):
    """The notifications ``job`` wrote."""
    return Notification.objects.filter(key__startswith=KEY.format(job=job.pk))


@register("tests.notify", title="测试任务", permission=PERMISSION)
def notify(job):
    """Params: ``steps`` (chunks), ``pause`` (seconds inside each chunk),
    ``interrupt_at`` (raise ``Interrupted`` inside that chunk, once)."""
    steps = job.params["steps"]
    Notification.objects.create(
        recipient=job.started_by,
        kind=Notification.Kind.REMINDER,
        key=KEY.format(job=job.pk) + uuid.uuid4().hex,
        params={"chunk": job.done},
    )
    time.sleep(job.params.get("pause", 0))
    if job.params.get("interrupt_at") == job.done and job.attempts == 1:
        raise Interrupted
    done = job.done + 1
    return Step(
        done=done,
        total=steps,
        finished=done == steps,
        result={"已写入": done} if done == steps else None,
    )


@register("tests.fail", title="失败的测试任务", permission=PERMISSION)
def fail(job):
    notify(job)  # an effect, rolled back with the failed chunk
    raise ValueError("bad row")


@register("tests.system", title="系统任务")
def system(job):
    return Step(done=1, total=1, finished=True, result={"ok": 1})


@register("tests.deadlock", title="遇到死锁的测试任务", permission=PERMISSION)
def deadlock(job):
    """Meets a deadlock on its first delivery only; on a later one it runs."""
    if job.attempts == 1:
        notify(job)  # an effect, rolled back with the chunk
        report_progress(job, 5, 10)  # progress of work rolled back
        raise OperationalError("deadlock detected")
    return Step(done=1, total=1, finished=True, result={"ok": 1})


@register("tests.scribble", title="改动任务后失败的测试任务", permission=PERMISSION)
def scribble(job):
    job.result = {"half": "written"}
    job.params = {"changed": True}
    raise ValueError("bad row")


def record_failure(job):
    """``on_failure``: one notification saying the job failed, kept although
    the failed chunk's own writes were rolled back."""
    Notification.objects.get_or_create(
        recipient=job.started_by,
        kind=Notification.Kind.REMINDER,
        key=KEY.format(job=job.pk) + "failed",
        defaults={"params": {"state": job.state}},
    )


@register(
    "tests.fail_hooked",
    title="失败时记录的测试任务",
    permission=PERMISSION,
    on_failure=record_failure,
)
def fail_hooked(job):
    if job.params.get("interrupt"):
        raise Interrupted
    notify(job)  # an effect, rolled back with the failed chunk
    raise ValueError("bad row")


def broken_hook(job):
    raise RuntimeError("the hook itself fails")


@register(
    "tests.fail_broken_hook",
    title="失败钩子出错的测试任务",
    permission=PERMISSION,
    on_failure=broken_hook,
)
def fail_broken_hook(job):
    raise ValueError("bad row")
