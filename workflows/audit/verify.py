"""Everything ``verify_audit`` checks, in one report.

1. The chain (``chain.check_chain``): links, recorded hashes, rows,
   checkpoints.
2. The heads kept outside the database: every head in the head log, and
   every ``--expect N:HASH``, must still be on the chain at that position
   (or lie in the part removed under retention); the latest checkpoint must
   be in the head log as a ``purge``.
3. The live tables (``live.check_all``): each live row equals its latest
   history row.
"""

from dataclasses import dataclass, field

from . import headlog
from .chain import Break, check_chain
from .live import Mismatch, check_all
from .models import AuditCheckpoint, AuditRowHash
from .rows import CHECKPOINT_TABLE


@dataclass
class Report:
    breaks: list[Break] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)
    live: list[Mismatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    head: tuple | None = None

    @property
    def intact(self):
        return not (self.breaks or self.heads or self.live)

    def findings(self):
        """Every finding as one line of text."""
        return (
            [f"chain: {b}" for b in self.breaks]
            + [f"head: {h}" for h in self.heads]
            + [f"live: {m}" for m in self.live]
        )


def verify(*, head_log=None, expect=(), live=True):
    """Check the chain, the heads and (with ``live``) the live tables."""
    report = Report(breaks=check_chain())
    try:
        logged = headlog.read(head_log)
    except headlog.Unreadable as unreadable:
        report.heads.append(str(unreadable))
        logged = []
    report.heads += check_heads(logged, list(expect), head_log, report.notes)
    if live:
        report.live = list(check_all())
    last = (
        AuditRowHash.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", "chain_hash")
        .first()
    )
    report.head = last
    return report


def check_heads(logged, expected, source=None, notes=None):
    """Findings about the heads kept outside the database."""
    notes = [] if notes is None else notes
    found = []
    links = AuditRowHash.objects.filter(seq__isnull=False)
    governing = AuditCheckpoint.objects.order_by("-last_seq", "-id").first()
    if not logged and links.exists():
        found.append(
            f"no head log at {source or headlog.path()}: the chain cannot be "
            "checked against the heads kept outside the database"
        )
    for head, chain_hash in _chain_hashes(logged + expected).items():
        origin = "given" if head.event == "expect" else f"logged {head.at}"
        if chain_hash == head.chain_hash:
            continue
        if chain_hash is not None:
            found.append(
                f"link #{head.seq} ({origin}) now ends in {chain_hash}, not "
                f"{head.chain_hash}: the chain was rewritten"
            )
        elif governing is not None and head.seq <= governing.last_seq:
            if head.event == "expect":
                notes.append(f"link #{head.seq} was removed by retention; not checked")
        else:
            found.append(
                f"link #{head.seq} ({origin}) does not exist: the chain was cut"
            )
    if governing is not None:
        found += _attested(governing, logged)
    return found


def _chain_hashes(heads):
    """``{head: chain_hash now at its position or None}``."""
    result = {}
    for start in range(0, len(heads), 900):
        chunk = heads[start : start + 900]
        now = dict(
            AuditRowHash.objects.filter(seq__in={h.seq for h in chunk}).values_list(
                "seq", "chain_hash"
            )
        )
        result.update({h: now.get(h.seq) for h in chunk})
    return result


def _attested(checkpoint, logged):
    """The latest checkpoint's link is in the head log as a ``purge``:
    only ``purge_audit`` writes one; a checkpoint written into the database
    by anyone else is not."""
    link = (
        AuditRowHash.objects.filter(
            table=CHECKPOINT_TABLE, row_id=checkpoint.pk, seq__isnull=False
        )
        .values_list("seq", "chain_hash")
        .first()
    )
    if link is None:
        return [f"checkpoint {checkpoint.pk} is not a link of the chain"]
    if not any(h.event == "purge" and (h.seq, h.chain_hash) == link for h in logged):
        return [
            f"checkpoint {checkpoint.pk} (link #{link[0]}) is not in the head log "
            "as a purge: purge_audit did not write it"
        ]
    return []
