"""Queries on official documents. Who may see a document:

- staff holding ``documents.view_officialdocument`` for the drafting organisation (or over it
  with a subtree role), or anyone with a task of its process (countersigners of other
  departments, the signing leader);
- and, for a classified document (密级), a ``DocumentClearance`` at or above its level.
``access_document`` answers the same ``NotFound`` for missing and forbidden.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from zhengwu.core.errors import NotFound
from zhengwu.directory.selectors import organisations_where
from zhengwu.documents.actions import VIEW_PERM, clearance_rank, cleared_levels
from zhengwu.documents.models import SECURITY_RANK, DocumentRevision, OfficialDocument
from zhengwu.workflow.models import ProcessInstance, TaskEvent, WorkTask

PER_PAGE = 30


def _visible(actor: Any) -> Q:
    orgs = organisations_where(actor, VIEW_PERM).values("pk")
    involved = WorkTask.objects.filter(
        Q(assignee=actor) | Q(completed_by=actor) | Q(claimed_by=actor),
        instance__owner_type="documents.official_document",
    ).values("instance_id")
    return (Q(organisation__in=orgs) | Q(instance__in=involved)) & Q(
        security_level__in=cleared_levels(actor)
    )


def _candidate_of(actor: Any, doc: OfficialDocument) -> bool:
    from zhengwu.workflow.actions import holds_candidate_role

    if doc.instance_id is None:
        return False
    return any(
        holds_candidate_role(actor, t)
        for t in WorkTask.objects.filter(instance_id=doc.instance_id, status__in=WorkTask.ACTIVE)
    )


def may_view(actor: Any, doc: OfficialDocument) -> bool:
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "kind", "") != "staff":
        return bool(getattr(actor, "is_superuser", False))
    if SECURITY_RANK.get(doc.security_level, 0) > clearance_rank(actor):
        return False
    if OfficialDocument.objects.filter(_visible(actor), pk=doc.pk).exists():
        return True
    return _candidate_of(actor, doc)


def access_document(actor: Any, pk: Any) -> OfficialDocument:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    doc = (
        OfficialDocument.objects.select_related("register", "organisation", "instance", "pdf")
        .filter(pk=pk)
        .first()
    )
    if doc is None or not may_view(actor, doc):
        raise NotFound()
    return doc


@dataclass(frozen=True)
class DocumentFilters:
    q: str = ""
    doc_type: str = ""
    organisation_id: int | None = None
    year: int | None = None
    doc_number: str = ""
    security_level: str = ""
    status: str = ""


def document_search(actor: Any, filters: DocumentFilters) -> QuerySet[OfficialDocument]:
    """Full text over title, body and attachments (jieba tokens), filters; only what the actor
    may see (classified levels above the actor's clearance never appear)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    qs = OfficialDocument.objects.filter(_visible(actor)).select_related("register", "organisation")
    if filters.q.strip():
        tokens = {t.strip().lower() for t in jieba.cut(filters.q) if t.strip()}
        words = {t for t in tokens if len(t) > 1 or (t.isascii() and t.isalnum())}
        if words:  # single characters (大, 的 …) of a longer query carry no meaning alone
            for word in words:
                qs = qs.filter(Q(search_text__contains=f" {word} ") | Q(title__icontains=word))
        else:
            for char in tokens:
                if char.isalnum():
                    qs = qs.filter(search_text__contains=char)
    if filters.doc_type:
        qs = qs.filter(doc_type=filters.doc_type)
    if filters.organisation_id:
        qs = qs.filter(organisation_id=filters.organisation_id)
    if filters.year:
        qs = qs.filter(Q(year=filters.year) | Q(year__isnull=True, created_at__year=filters.year))
    if filters.doc_number.strip():
        qs = qs.filter(doc_number__icontains=filters.doc_number.strip())
    if filters.security_level:
        qs = qs.filter(security_level=filters.security_level)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.order_by("-created_at", "-pk")


def document_page(qs: QuerySet[OfficialDocument], page: Any) -> Page:
    return Paginator(qs, PER_PAGE).get_page(page)


def revisions_of(doc: OfficialDocument) -> QuerySet[DocumentRevision]:
    return doc.revisions.select_related("author").order_by("number")


@dataclass(frozen=True)
class FieldDiff:
    field: str
    old: str
    new: str
    lines: list[tuple[str, str]]  # (kind: "same" | "add" | "del", text)


def revision_diff(old: DocumentRevision, new: DocumentRevision) -> list[FieldDiff]:
    """Changed fields between two revisions; the body line by line (difflib)."""
    out = []
    keys = list(dict.fromkeys([*old.snapshot.keys(), *new.snapshot.keys()]))
    for key in keys:
        a, b = old.snapshot.get(key), new.snapshot.get(key)
        if a == b:
            continue
        a_text = "\n".join(a) if isinstance(a, list) else ("" if a is None else str(a))
        b_text = "\n".join(b) if isinstance(b, list) else ("" if b is None else str(b))
        lines: list[tuple[str, str]] = []
        for line in difflib.ndiff(a_text.splitlines(), b_text.splitlines()):
            code, text = line[:2], line[2:]
            if code == "  ":
                lines.append(("same", text))
            elif code == "- ":
                lines.append(("del", text))
            elif code == "+ ":
                lines.append(("add", text))
        out.append(FieldDiff(key, a_text, b_text, lines))
    return out


def _field_labels() -> dict[str, Any]:
    labels: dict[str, Any] = {}
    for f in OfficialDocument._meta.get_fields():
        if hasattr(f, "verbose_name"):
            labels[f.name] = f.verbose_name
    return labels


FIELD_LABELS = _field_labels()


def history_of(doc: OfficialDocument) -> QuerySet[TaskEvent]:
    """Every step of every process this document went through (a refusal at 核稿 or 签发
    ends one instance; resubmitting starts the next), oldest first."""
    instances = ProcessInstance.objects.filter(
        owner_type="documents.official_document", owner_id=str(doc.pk)
    ).values("pk")
    return (
        TaskEvent.objects.filter(instance__in=instances)
        .select_related("task", "actor", "target")
        .order_by("at", "pk")
    )
