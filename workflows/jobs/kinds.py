"""Job kinds: what a job does, declared once by the code that owns it.

A kind's ``step`` does one chunk of the work and returns a ``Step``. The
runner calls it again and again, each time inside one transaction that also
records the job's progress (``Job.done``), until a step says the job is
finished. A chunk's effect and the progress that counts it commit together,
so a job interrupted anywhere continues after its last committed chunk and
never applies one twice. A kind whose work is one chunk returns a finished
``Step`` at once.

``permission`` is checked by ``job_start`` without an object (may this person
start this kind at all). ``params`` come from the code that starts the job,
not from a form as they are: a kind that acts on a region, a case or a file
named in its params checks that the starter may act there (the one permission
rule, ``user.has_perm(perm, obj)``) in its own step, before writing anything.

``on_failure(job)``, if a kind declares it, is called once the job has failed
(its step raised, or it was delivered ``JOBS_MAX_ATTEMPTS`` times), in a
transaction of its own after the failure is committed: the failed step's own
writes were rolled back, so this is where a kind records the failure on its
own records (an import's run) or frees what it held. It must be idempotent;
an exception in it is logged, the job stays failed.

    @register("registry.import", title=_("导入户籍"),
              permission="workflows.add_household")
    def import_households(job):
        rows = rows_after(job.params["file"], job.done, limit=500)
        ...  # write them
        return Step(done=job.done + len(rows), total=..., finished=not rows)
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Step:
    """What one chunk did: progress so far, and the result once finished."""

    done: int
    total: int | None = None
    finished: bool = False
    result: object = None


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    step: Callable  # (job) -> Step, inside the runner's transaction
    # the permission a person needs to start it; None: started by the system only
    permission: str | None = None
    # (job) -> None, after the job failed, in its own transaction
    on_failure: Callable | None = None


_kinds: dict[str, Kind] = {}
_loaded = False


def register(name, *, title, permission=None, on_failure=None):
    """Declare the decorated function as the step of kind ``name``."""

    def decorate(step):
        _kinds[name] = Kind(
            name=name,
            title=title,
            step=step,
            permission=permission,
            on_failure=on_failure,
        )
        return step

    return decorate


def kind_of(name) -> Kind:
    """The kind called ``name`` (``LookupError`` if none is declared).

    The modules in ``settings.JOBS_MODULES`` are imported first: a worker
    knows every kind its web processes can start."""
    global _loaded
    if not _loaded:
        for module in getattr(settings, "JOBS_MODULES", []):
            importlib.import_module(module)
        _loaded = True
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"no job kind {name!r}") from None
