"""Queries over the audit trail for the auditor UI and for other modules' history panels."""

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.audit.chain import GENESIS_HASH, compute_hash
from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import NotFound

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditEntryFilters:
    """What the auditor searches by; empty values do not filter."""

    actor: str = ""  # user name, exact
    action: str = ""  # prefix, e.g. "directory." or "directory.account."
    object_type: str = ""  # "app_label.model", exact
    object_id: str = ""  # exact
    text: str = ""  # free text in the object name or the reason
    date_from: date | None = None  # local dates, both inclusive
    date_to: date | None = None
    ip: str = ""  # exact
    kind: str = ""  # "", "reads" or "changes"

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def describe(self) -> str:
        """The filter in words, e.g. for the reason of an export entry."""
        labels = {
            "actor": _("actor"),
            "action": _("action starts with"),
            "object_type": _("object type"),
            "object_id": _("object identifier"),
            "text": _("text"),
            "date_from": _("from"),
            "date_to": _("to"),
            "ip": _("IP address"),
        }
        parts = [
            f"{labels[f.name]}={getattr(self, f.name)}"
            for f in fields(self)
            if f.name in labels and getattr(self, f.name)
        ]
        if self.kind == "reads":
            parts.append(_("sensitive reads only"))
        elif self.kind == "changes":
            parts.append(_("changes only"))
        return "; ".join(parts) if parts else _("no filter (all entries)")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entry_list(*, filters: AuditEntryFilters) -> QuerySet[AuditEntry]:
    """Entries matching ``filters``, newest first. Values only ever reach the database as
    query parameters."""
    qs = AuditEntry.objects.all()
    if filters.actor:
        qs = qs.filter(actor_repr=filters.actor)
    if filters.action:
        qs = qs.filter(action__startswith=filters.action)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    if filters.text:
        qs = qs.filter(Q(object_repr__icontains=filters.text) | Q(reason__icontains=filters.text))
    if filters.date_from:
        qs = qs.filter(occurred_at__gte=_start_of(filters.date_from))
    if filters.date_to:
        qs = qs.filter(occurred_at__lt=_start_of(filters.date_to + timedelta(days=1)))
    if filters.ip:
        qs = qs.filter(ip=filters.ip)
    if filters.kind == "reads":
        qs = qs.filter(is_read=True)
    elif filters.kind == "changes":
        qs = qs.filter(is_read=False)
    return qs.order_by("-seq")


@dataclass
class EntryPage:
    entries: list[AuditEntry]
    older_than: int | None  # cursor for the next (older) page, None on the last page
    newer_than: int | None  # cursor for the previous (newer) page, None on the first page


def audit_entry_page(
    *,
    filters: AuditEntryFilters,
    before: int | None = None,
    after: int | None = None,
    page_size: int = PAGE_SIZE,
) -> EntryPage:
    """One page of ``audit_entry_list``, by keyset (``seq``) rather than OFFSET and COUNT, so the
    hundredth page of a table of millions costs the same as the first."""
    qs = audit_entry_list(filters=filters)
    if after is not None:
        rows = list(qs.filter(seq__gt=after).order_by("seq")[: page_size + 1])
        has_newer = len(rows) > page_size
        entries = list(reversed(rows[:page_size]))
        has_older = qs.filter(seq__lte=after).exists()
    else:
        if before is not None:
            qs_page = qs.filter(seq__lt=before)
            has_newer = qs.filter(seq__gte=before).exists()
        else:
            qs_page = qs
            has_newer = False
        rows = list(qs_page[: page_size + 1])
        has_older = len(rows) > page_size
        entries = rows[:page_size]
    return EntryPage(
        entries=entries,
        older_than=entries[-1].seq if entries and has_older else None,
        newer_than=entries[0].seq if entries and has_newer else None,
    )


def access_audit_entry(*, entry_id: int) -> AuditEntry:
    """One entry for an auditor (the view has checked ``audit.view_auditentry``)."""
    try:
        return AuditEntry.objects.get(pk=entry_id)
    except AuditEntry.DoesNotExist:
        raise NotFound() from None


@dataclass(frozen=True)
class EntryVerification:
    content_ok: bool  # the stored hash matches the row's content
    link_ok: bool  # prev_hash is the hash of the entry with seq - 1 (or the genesis hash)
    previous: AuditEntry | None

    @property
    def ok(self) -> bool:
        return self.content_ok and self.link_ok


def audit_entry_verification(entry: AuditEntry) -> EntryVerification:
    """Whether this one entry verifies against its content and its predecessor."""
    previous = AuditEntry.objects.filter(seq=entry.seq - 1).first()
    expected_prev = previous.entry_hash if previous else GENESIS_HASH
    link_ok = entry.prev_hash == expected_prev and (previous is not None or entry.seq == 1)
    return EntryVerification(
        content_ok=compute_hash(entry, entry.prev_hash) == entry.entry_hash,
        link_ok=link_ok,
        previous=previous,
    )


def audit_history_for(obj: models.Model, *, limit: int | None = None) -> QuerySet[AuditEntry]:
    """An object's own history (changes and sensitive reads), newest first, for history panels."""
    qs = AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("-seq")
    return qs[:limit] if limit is not None else qs


def changes_rows(entry: AuditEntry) -> list[dict[str, Any]]:
    """The entry's changes as rows ``{"field", "old", "new"}`` for the detail table; a change
    recorded as anything other than ``[old, new]`` is shown whole under "new"."""
    rows = []
    changes = entry.changes if isinstance(entry.changes, dict) else {"": entry.changes}
    for name, value in sorted(changes.items()):
        if isinstance(value, list) and len(value) == 2:
            rows.append({"field": name, "old": value[0], "new": value[1]})
        else:
            rows.append({"field": name, "old": None, "new": value})
    return rows
