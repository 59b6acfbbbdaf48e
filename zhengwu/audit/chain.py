"""Hashing of audit entries: canonical JSON of the row's content plus the previous row's hash."""

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from zhengwu.audit.models import AuditChainHead, AuditEntry

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq", "occurred_at", "actor_id", "actor_repr", "ip", "user_agent", "request_id", "action",
    "object_type", "object_id", "object_repr", "changes", "reason", "is_read",
)  # fmt: skip


def content_of(entry: AuditEntry) -> dict[str, Any]:
    data = {name: getattr(entry, name) for name in HASHED_FIELDS}
    data["occurred_at"] = entry.occurred_at.isoformat(timespec="microseconds")
    return data


def compute_hash(entry: AuditEntry, prev_hash: str) -> str:
    canonical = json.dumps(
        {"content": content_of(entry), "prev": prev_hash},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    seq: int
    entry_id: int | None
    problem: str  # "altered", "missing", "reordered", "head"

    def describe(self) -> str:
        return f"seq={self.seq} id={self.entry_id}: {self.problem}"


def verify(entries: Iterable[AuditEntry], head: AuditChainHead | None) -> Iterator[Break]:
    """Yield every break in the chain, in order; the first one is where tampering starts."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    for entry in entries:
        if entry.seq != expected_seq:
            yield Break(expected_seq, entry.pk, "missing" if entry.seq > expected_seq else "reordered")
        if entry.prev_hash != prev_hash:
            yield Break(entry.seq, entry.pk, "reordered")
        if compute_hash(entry, entry.prev_hash) != entry.entry_hash:
            yield Break(entry.seq, entry.pk, "altered")
        prev_hash = entry.entry_hash
        expected_seq = entry.seq + 1
    last_seq = expected_seq - 1
    if head is not None and (head.last_seq != last_seq or head.last_hash != prev_hash):
        yield Break(head.last_seq, None, "missing")
