"""The head log: the chain's heads, kept outside the database.

Every seal that adds links appends ``<time> N:HASH seal`` (link N of the
chain ends in HASH), and every removal under retention appends
``<time> N:HASH purge`` for the checkpoint's own link. Someone who can write
to the database can recompute the whole chain after editing a row; they
cannot make it end in the heads this file already holds, as long as the file
is out of their reach (``AUDIT_HEAD_LOG``; production ships it to another
host or to WORM storage, docs/operations.md). ``verify_audit`` checks every
head in it.
"""

import datetime
import os
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

LINE = re.compile(r"^(\S+) (\d+):([0-9a-f]{64}) (seal|purge)$")


@dataclass(frozen=True)
class Head:
    """One line of the head log."""

    at: str
    seq: int
    chain_hash: str
    event: str
    line: int = 0

    def __str__(self):
        return f"{self.seq}:{self.chain_hash}"


def path():
    return Path(settings.AUDIT_HEAD_LOG)


def append(seq, chain_hash, event):
    """Append one head (creating the file and its folder if missing) and
    flush it to disk before returning."""
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    at = timezone.now().astimezone(datetime.UTC).isoformat(timespec="seconds")
    line = f"{at} {seq}:{chain_hash} {event}\n"
    # one write of one short line in append mode: whole lines, even from
    # several processes
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def set_aside():
    """Move the head log of a database that no longer exists out of the way
    (a fresh database starts a new chain; its old heads would all be
    "missing"). Returns the new name of the old log, or None."""
    target = path()
    if not target.exists():
        return None
    stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    old = target.with_name(f"{target.name}.{stamp}")
    target.rename(old)
    return old


class Unreadable(Exception):
    pass


def read(source=None):
    """Every head in the log (``[]`` if there is no log). A line that is not
    a head raises ``Unreadable``: the file is not to be edited."""
    source = Path(source) if source else path()
    if not source.exists():
        return []
    heads = []
    with source.open(encoding="ascii", errors="replace") as lines:
        for number, text in enumerate(lines, start=1):
            match = LINE.match(text.rstrip("\n"))
            if match is None:
                raise Unreadable(f"{source}, line {number}: not a head: {text!r}")
            at, seq, chain_hash, event = match.groups()
            heads.append(Head(at, int(seq), chain_hash, event, number))
    return heads


def parse_expected(text):
    """``N:HASH`` as printed by ``verify_audit`` → a ``Head``; ``ValueError``
    otherwise."""
    seq, _, chain_hash = text.partition(":")
    if not (seq.isascii() and seq.isdigit()) or not re.fullmatch(
        "[0-9a-f]{64}", chain_hash
    ):
        raise ValueError(text)
    return Head("--expect", int(seq), chain_hash, "expect")
