"""Import kinds: what an import reads and writes, declared by the code that
owns the data (the registry its households, a programme its caseload).

The shared import code (preview, the job, the pages) knows a kind by its
name only and never names a programme. A kind gives:

- ``columns``: the Chinese headers of its template, in order, each with
  whether it is required and a hint for the template;
- ``process(stream, *, user, problems, reason=None)``: read every row
  (``files.RowStream``) and add every problem (row, column, reason) to
  ``problems``. With a ``reason`` (the commit) it also writes what it reads,
  with history (``workflows.base.history.bulk_create``), and returns the
  rows written: the caller runs it in a savepoint and undoes every write if a
  problem was found, so a file is written whole or not at all, in one pass
  (a 200,000-row file is neither held in memory nor read twice).

A kind is also a job kind (``import:<name>``, the same permission): its
commit runs in the background.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from roles.scope import user_posts

from ..jobs.kinds import register as register_job


@dataclass(frozen=True)
class Column:
    header: str
    required: bool = False
    hint: str = ""
    text: bool = False  # must be typed as text in Excel (an ID number)


@dataclass(frozen=True)
class ImportKind:
    name: str
    title: str
    permission: str
    columns: tuple[Column, ...]
    process: Callable
    description: str = ""
    example: tuple[tuple[str, ...], ...] = field(default=())

    @property
    def job_kind(self) -> str:
        return f"import:{self.name}"

    @property
    def text_columns(self) -> frozenset[str]:
        return frozenset(c.header for c in self.columns if c.text)


_kinds: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    """Declare an import kind (and the job kind that commits it)."""
    from .jobs import commit_failed, commit_step

    _kinds[kind.name] = kind
    register_job(
        kind.job_kind,
        title=kind.title,
        permission=kind.permission,
        on_failure=commit_failed,
    )(commit_step)
    return kind


def kind_of(name: str) -> ImportKind:
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"no import kind {name!r}") from None


def all_kinds() -> list[ImportKind]:
    return list(_kinds.values())


def may_import(user, kind: ImportKind) -> bool:
    """May ``user`` run ``kind`` somewhere: one of their posts holds its
    permission. A model-wide permission (a group, ``user_permissions``) does
    not stand in: every row is checked against a post's region anyway."""
    return any(kind.permission in post.perms for post in user_posts(user))


def kinds_for(user) -> list[ImportKind]:
    """The kinds ``user`` may run somewhere."""
    return [kind for kind in _kinds.values() if may_import(user, kind)]
