"""Hashing and verification of the audit chain.

Each entry's hash is SHA-256 over the canonical JSON of its content plus the previous entry's
hash. Verification walks the rows in ``seq`` order in keyset batches (``seq > last``), so memory
stays flat for millions of rows and no long-lived server-side cursor is needed.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from zhengwu.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry

__all__ = ["GENESIS_HASH", "Break", "Problem", "compute_hash", "verify", "verify_database"]

HASHED_FIELDS = (
    "seq", "occurred_at", "actor_id", "actor_repr", "ip", "user_agent", "request_id", "action",
    "object_type", "object_id", "object_repr", "changes", "reason", "is_read",
)  # fmt: skip


def content_of(entry: AuditEntry) -> dict[str, Any]:
    data = {name: getattr(entry, name) for name in HASHED_FIELDS}
    # Databases hand datetimes back in different zones; the hash always sees UTC.
    data["occurred_at"] = entry.occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    return data


def compute_hash(entry: AuditEntry, prev_hash: str) -> str:
    canonical = json.dumps(
        {"content": content_of(entry), "prev": prev_hash},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Problem:
    ALTERED = "altered"  # the row's content no longer matches its hash (篡改)
    MISSING = "missing"  # sequence numbers absent, in the middle or at the tail (缺失)
    REORDERED = "reordered"  # the row does not link to the row before it (顺序错乱)
    HEAD_MISSING = "head_missing"  # the chain-head row itself is gone
    ANCHOR_MISMATCH = "anchor"  # an externally recorded seq/hash no longer matches


@dataclass(frozen=True)
class Break:
    seq: int
    entry_id: int | None
    problem: str
    first_missing: int | None = None  # for MISSING: the range of absent sequence numbers
    last_missing: int | None = None

    def describe(self) -> str:
        """A Chinese sentence (through gettext) naming the row and what is wrong with it."""
        params = {
            "seq": self.seq,
            "id": self.entry_id if self.entry_id is not None else "-",
            "first": self.first_missing,
            "last": self.last_missing,
        }
        if self.problem == Problem.ALTERED:
            text = _(
                "sequence %(seq)s (entry id %(id)s): altered — its content no longer matches "
                "its hash"
            )
        elif self.problem == Problem.MISSING and self.entry_id is None:
            text = _(
                "sequence %(seq)s: missing — entries %(first)s to %(last)s at the end of the "
                "chain were deleted (the chain head records %(last)s as the last sequence)"
            )
        elif self.problem == Problem.MISSING:
            text = _(
                "sequence %(seq)s (entry id %(id)s): missing — entries %(first)s to %(last)s "
                "before it were deleted"
            )
        elif self.problem == Problem.REORDERED:
            text = _(
                "sequence %(seq)s (entry id %(id)s): out of order — it does not link to the "
                "entry before it"
            )
        elif self.problem == Problem.HEAD_MISSING:
            text = _(
                "the chain head record is missing, so deletions at the end cannot be ruled out"
            )
        else:
            text = _("sequence %(seq)s (entry id %(id)s): does not match the recorded anchor hash")
        return text % params


def link_problem(entry: AuditEntry, expected_seq: int, prev_hash: str) -> Break | None:
    """The one problem of ``entry`` given the sequence and hash the chain expects before it."""
    if entry.seq > expected_seq:
        return Break(entry.seq, entry.pk, Problem.MISSING, expected_seq, entry.seq - 1)
    content_ok = compute_hash(entry, entry.prev_hash) == entry.entry_hash
    link_ok = entry.prev_hash == prev_hash
    if entry.seq < expected_seq or (not link_ok and not content_ok):
        # A moved row: its stored seq/prev no longer fit this position (e.g. two seqs swapped).
        return Break(entry.seq, entry.pk, Problem.REORDERED)
    if not content_ok:
        return Break(entry.seq, entry.pk, Problem.ALTERED)
    if not link_ok:
        # The row is intact but the one before it was rewritten (and rehashed) or moved.
        return Break(entry.seq, entry.pk, Problem.REORDERED)
    return None


def verify(
    entries: Iterable[AuditEntry],
    head: AuditChainHead | None,
    *,
    anchors: dict[int, str] | None = None,
) -> Iterator[Break]:
    """Yield every break of ``entries`` (in seq order) against ``head``; the first is where
    tampering starts. The walk resynchronises after each break so later breaks are found too."""
    anchors = anchors or {}
    expected_seq = 1
    prev_hash = GENESIS_HASH
    for entry in entries:
        problem = link_problem(entry, expected_seq, prev_hash)
        if problem is not None:
            yield problem
        if entry.seq in anchors and anchors[entry.seq] != entry.entry_hash:
            yield Break(entry.seq, entry.pk, Problem.ANCHOR_MISMATCH)
        prev_hash = entry.entry_hash
        expected_seq = entry.seq + 1
    last_seq = expected_seq - 1
    if head is None:
        yield Break(last_seq, None, Problem.HEAD_MISSING)
    elif head.last_seq > last_seq:
        yield Break(last_seq + 1, None, Problem.MISSING, last_seq + 1, head.last_seq)
    elif head.last_seq < last_seq or head.last_hash != prev_hash:
        # Rows beyond the head, or a rewritten last row: the tail does not match the head.
        yield Break(head.last_seq, None, Problem.REORDERED)


def iter_entries(*, up_to: int, batch_size: int = 2000) -> Iterator[AuditEntry]:
    """All entries with ``seq <= up_to`` in seq order, fetched in keyset batches."""
    after = 0
    while True:
        batch = list(
            AuditEntry.objects.filter(seq__gt=after, seq__lte=up_to).order_by("seq")[:batch_size]
        )
        yield from batch
        if len(batch) < batch_size:
            return
        after = batch[-1].seq


@dataclass
class VerifyResult:
    count: int
    last_seq: int
    last_hash: str
    first_break: Break | None
    break_count: int


def verify_database(
    *, batch_size: int = 2000, anchors: dict[int, str] | None = None
) -> VerifyResult:
    """Verify the whole stored chain while other processes keep appending.

    The walk is bounded by a snapshot of the head (every row up to it is committed, because
    rows and head change in one transaction), so rows appended meanwhile are left for the
    next run; rows the head does not know about are reported as a break.
    """
    # Max first, head second: an append commits row and head together, so an untampered head
    # read afterwards is never behind the rows already seen.
    max_seq_at_start = AuditEntry.objects.aggregate(m=Max("seq"))["m"] or 0
    head = AuditChainHead.objects.filter(pk=1).first()
    up_to = max(head.last_seq if head else 0, max_seq_at_start)
    count = 0
    last_seq, last_hash = 0, GENESIS_HASH
    first: Break | None = None
    breaks = 0

    def counted() -> Iterator[AuditEntry]:
        nonlocal count, last_seq, last_hash
        for entry in iter_entries(up_to=up_to, batch_size=batch_size):
            count += 1
            last_seq, last_hash = entry.seq, entry.entry_hash
            yield entry

    for found in verify(counted(), head, anchors=anchors):
        breaks += 1
        if first is None:
            first = found
    return VerifyResult(count, last_seq, last_hash, first, breaks)
