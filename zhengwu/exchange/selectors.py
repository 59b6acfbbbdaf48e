"""Queries of the exchange module. ``access_*`` raise the same ``NotFound`` for missing and
forbidden objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from zhengwu.core.errors import NotFound
from zhengwu.directory.models import Organisation
from zhengwu.directory.selectors import account_has_perm_in, organisations_where
from zhengwu.exchange.actions import ARCHIVE_PERM, HANDLE_PERM, REGISTER_PERM, TRACK_PERM, may_track
from zhengwu.exchange.clearance import cleared_levels, is_cleared
from zhengwu.exchange.models import (
    ArchiveItem,
    Circulation,
    Delivery,
    Dispatch,
    ReceivedDocument,
)

PER_PAGE = 30


def _page(qs: QuerySet, page: Any, per_page: int = PER_PAGE) -> Page:
    return Paginator(qs, per_page).get_page(page)


# --- exchange ----------------------------------------------------------------------------------


def inbox(actor: Any, *, status: str = "delivered", page: Any = 1) -> Page:
    """The deliveries of the units where ``actor`` may sign for documents."""
    units = organisations_where(actor, HANDLE_PERM)
    qs = (
        Delivery.objects.filter(organisation__in=units)
        .select_related("dispatch", "dispatch__sender_organisation", "organisation", "handled_by")
        .order_by("-delivered_at", "-pk")
    )
    if status in Delivery.Status.values:
        qs = qs.filter(status=status)
    return _page(qs, page)


def inbox_counts(actor: Any) -> dict[str, int]:
    units = organisations_where(actor, HANDLE_PERM)
    rows = (
        Delivery.objects.filter(organisation__in=units)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


def access_delivery(actor: Any, pk: int) -> Delivery:
    delivery = (
        Delivery.objects.select_related(
            "dispatch",
            "dispatch__sender_organisation",
            "dispatch__pdf",
            "organisation",
            "handled_by",
        )
        .filter(pk=pk)
        .first()
    )
    if delivery is None or not account_has_perm_in(actor, HANDLE_PERM, delivery.organisation):
        raise NotFound()
    if delivery.status == Delivery.Status.WITHDRAWN:
        raise NotFound()
    return delivery


def dispatch_list(actor: Any, *, q: str = "", page: Any = 1) -> Page:
    units = organisations_where(actor, TRACK_PERM)
    qs = (
        Dispatch.objects.filter(sender_organisation__in=units)
        .select_related("sender_organisation")
        .annotate(
            total=Count("deliveries"),
            signed=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SIGNED)),
            refused=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.REFUSED)),
        )
    )
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(doc_number__icontains=q))
    return _page(qs, page)


def access_dispatch(actor: Any, pk: int) -> Dispatch:
    dispatch = Dispatch.objects.select_related("sender_organisation").filter(pk=pk).first()
    if dispatch is None or not may_track(actor, dispatch):
        raise NotFound()
    return dispatch


@dataclass(frozen=True)
class TrackingRow:
    delivery_id: int
    unit: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    delivered_at: Any
    signed_for_by: str
    signed_for_at: Any
    refused_reason: str
    reminded: int
    opened_at: Any
    receipt_number: str = ""  # the recipient's 收文编号 once signed for
    handling: str = ""  # its 办理 state there: 办理中 / 已办结 / 已归档


def dispatch_tracking(dispatch_id: int) -> list[TrackingRow]:
    """One row per recipient unit, in the order they were named (主送 first)."""
    rows = (
        Delivery.objects.filter(dispatch_id=dispatch_id)
        .select_related("organisation", "handled_by", "registration")
        .order_by("pk")
    )
    out = []
    for d in rows:
        handled = d.status in (Delivery.Status.SIGNED, Delivery.Status.REFUSED)
        registration = getattr(d, "registration", None) if d.status == "signed" else None
        out.append(
            TrackingRow(
                delivery_id=d.pk,
                unit=d.organisation.name,
                kind=d.kind,
                kind_label=str(d.get_kind_display()),
                status=d.status,
                status_label=str(d.get_status_display()),
                delivered_at=d.delivered_at,
                signed_for_by=(d.handled_by.display_name if handled and d.handled_by else ""),
                signed_for_at=d.handled_at if handled else None,
                refused_reason=d.refuse_reason,
                reminded=d.reminded_count,
                opened_at=d.first_opened_at,
                receipt_number=registration.receipt_number if registration else "",
                handling=str(registration.get_status_display()) if registration else "",
            )
        )
    return out


def tracking_summary(rows: list[TrackingRow]) -> dict[str, int]:
    summary = dict.fromkeys(Delivery.Status.values, 0)
    for row in rows:
        summary[row.status] += 1
    summary["total"] = len(rows)
    return summary


# --- receiving ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedFilters:
    q: str = ""
    status: str = ""
    year: int | None = None
    sender: str = ""
    doc_type: str = ""
    security_level: str = "any"  # "any", "" (not classified) or a level


def _received_scope(actor: Any) -> Q:
    """Registrars of the unit see all its received documents; people with a step in the process
    (承办/传阅) see the ones they are part of through ``may_view_received``."""
    units = organisations_where(actor, REGISTER_PERM)
    return Q(organisation__in=units) | Q(circulations__reader=actor)


def received_search(actor: Any, filters: ReceivedFilters, *, page: Any = 1) -> Page:
    """Full-text search (title, 文号, issuing unit, extracted text) with filters.

    Chinese has no word boundaries, so the search is substring matching (``icontains``) over each
    whitespace-separated term (all terms must match). On PostgreSQL a ``pg_trgm`` GIN index would
    make this scale; see docs/modules/exchange.md."""
    qs = ReceivedDocument.objects.filter(
        _received_scope(actor), security_level__in=cleared_levels(actor)
    ).distinct()
    for term in (filters.q or "").split()[:5]:
        qs = qs.filter(
            Q(title__icontains=term)
            | Q(doc_number__icontains=term)
            | Q(sender_name__icontains=term)
            | Q(receipt_number__icontains=term)
            | Q(text__icontains=term)
        )
    if filters.status in ReceivedDocument.Status.values:
        qs = qs.filter(status=filters.status)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.sender:
        qs = qs.filter(sender_name__icontains=filters.sender)
    if filters.doc_type:
        qs = qs.filter(doc_type=filters.doc_type)
    if filters.security_level and filters.security_level != "any":
        qs = qs.filter(security_level=filters.security_level)
    qs = qs.select_related("organisation").defer("text").order_by("-registered_at", "-pk")
    return _page(qs, page)


def may_view_received(actor: Any, doc: ReceivedDocument) -> bool:
    """Registrars of the unit, readers and people with a step — and, for a classified document,
    only those personally cleared for its 密级 (``exchange.clearance``)."""
    if not is_cleared(actor, doc.security_level):
        return False
    if account_has_perm_in(actor, REGISTER_PERM, doc.organisation):
        return True
    if Circulation.objects.filter(document=doc, reader=actor).exists():
        return True
    if doc.process_instance_id:
        from zhengwu.workflow.models import ProcessInstance
        from zhengwu.workflow.selectors import may_view_instance

        instance = ProcessInstance.objects.filter(pk=doc.process_instance_id).first()
        return instance is not None and may_view_instance(actor, instance)
    return False


def access_received(actor: Any, pk: int) -> ReceivedDocument:
    doc = (
        ReceivedDocument.objects.select_related("organisation", "pdf", "registered_by", "delivery")
        .filter(pk=pk)
        .first()
    )
    if doc is None or not may_view_received(actor, doc):
        raise NotFound()
    return doc


def circulation_rows(doc: ReceivedDocument) -> QuerySet[Circulation]:
    return Circulation.objects.filter(document=doc).select_related("reader").order_by("pk")


def handling_choices(doc: ReceivedDocument) -> QuerySet[Organisation]:
    """Units a leader may choose for 承办: the receiving unit, its sub-units and its siblings."""
    org = doc.organisation
    scope = Q(tree_path__startswith=org.tree_path)
    if org.parent_id:
        scope |= Q(parent_id=org.parent_id)
    return Organisation.objects.filter(scope, is_active=True).order_by("sort_path")


# --- archive -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveFilters:
    q: str = ""
    year: int | None = None
    retention: str = ""
    organisation_id: int | None = None


def archive_search(actor: Any, filters: ArchiveFilters) -> QuerySet[ArchiveItem]:
    units = organisations_where(actor, ARCHIVE_PERM)
    qs = ArchiveItem.objects.filter(organisation__in=units).select_related("organisation")
    for term in (filters.q or "").split()[:5]:
        qs = qs.filter(
            Q(title__icontains=term)
            | Q(doc_number__icontains=term)
            | Q(archive_code__icontains=term)
            | Q(responsible__icontains=term)
        )
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.retention:
        qs = qs.filter(retention=filters.retention)
    if filters.organisation_id:
        qs = qs.filter(organisation_id=filters.organisation_id)
    return qs.order_by("-year", "fonds_code", "retention", "unit_code", "piece")


def access_archive_item(actor: Any, pk: int) -> ArchiveItem:
    item = ArchiveItem.objects.select_related("organisation", "pdf", "pdfa").filter(pk=pk).first()
    if item is None or not account_has_perm_in(actor, ARCHIVE_PERM, item.organisation):
        raise NotFound()
    return item


def dispatch_for_source(source_type: str, source_id: Any) -> Dispatch | None:
    """The latest dispatch of a source document (e.g. ``("documents.document", 12)``)."""
    return (
        Dispatch.objects.filter(source_type=source_type, source_id=str(source_id))
        .order_by("-created_at", "-pk")
        .first()
    )
