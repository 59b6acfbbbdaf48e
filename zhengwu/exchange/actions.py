"""Commands of the exchange module: sending (交换), receiving (收文), archive (归档).

Every command takes ``actor`` first, validates, checks permission, runs in one transaction (the
fan-out in a few, see ``dispatch_send``), writes an audit entry and notifies through ``notify``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_record
from zhengwu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhengwu.directory.models import Organisation, RoleAssignment
from zhengwu.directory.selectors import account_has_perm_in
from zhengwu.exchange.models import (
    ArchiveFonds,
    ArchiveItem,
    Circulation,
    Delivery,
    Dispatch,
    ReceivedDocument,
    Retention,
    SecurityLevel,
    Urgency,
)
from zhengwu.files.models import StoredFile
from zhengwu.identifiers.actions import number_next
from zhengwu.notify.actions import notify_send

HANDLE_PERM = "exchange.handle_delivery"
REGISTER_PERM = "exchange.register_received"
TRACK_PERM = "exchange.track_dispatch"
ARCHIVE_PERM = "exchange.manage_archive"
RECEIVED_SUBJECT = "exchange.received_document"
INCOMING_PROCESS = "zw_exchange_incoming"
FAN_OUT_BATCH = 250
NOTIFY_CATEGORY = "exchange"


# --- helpers -----------------------------------------------------------------------------------


def _is_system(actor: Any) -> bool:
    return actor is None


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active


def _require_text(value: str, field: str, message: str, max_length: int = 300) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, data={"field": field})
    if len(value) > max_length:
        raise ValidationFailed(
            _("%(field)s is too long (at most %(n)d characters).")
            % {"field": field, "n": max_length},
            data={"field": field},
        )
    return value


# Spellings other modules may use for "not classified" / "normal urgency".
_BLANK_ALIASES = {"none", "普通", "平件", "无", "非密", "公开", "normal"}


def _check_choice(value: str, choices: Any, field: str) -> str:
    value = (value or "").strip()
    if value.lower() in _BLANK_ALIASES and "" in choices.values:
        value = ""
    if value not in choices.values:
        raise ValidationFailed(
            _("“%(value)s” is not a valid choice.") % {"value": value}, data={"field": field}
        )
    return value


def _path_ids(org_tree_path: str) -> list[int]:
    return [int(p) for p in org_tree_path.strip("/").split("/") if p]


def unit_holders(organisations: Sequence[Organisation], perm: str = HANDLE_PERM) -> dict[int, set]:
    """Active accounts holding ``perm`` for each organisation (in it, or over it with a subtree
    role) — one query for any number of units, so the fan-out notifies set-based."""
    app_label, _dot, codename = perm.partition(".")
    wanted = {org.pk: set(_path_ids(org.tree_path)) for org in organisations}
    all_ids = set().union(*wanted.values()) if wanted else set()
    rows = (
        RoleAssignment.objects.filter(
            organisation_id__in=all_ids,
            organisation__is_active=True,
            account__is_active=True,
            role__permissions__content_type__app_label=app_label,
            role__permissions__codename=codename,
        )
        .select_related("account")
        .distinct()
    )
    by_org: dict[int, list[tuple[Any, bool]]] = defaultdict(list)
    for ra in rows:
        by_org[ra.organisation_id].append((ra.account, ra.covers_subtree))
    result: dict[int, set] = {}
    for org in organisations:
        holders = {acc for acc, _cov in by_org.get(org.pk, [])}
        for ancestor in _path_ids(org.tree_path)[:-1]:
            holders |= {acc for acc, cov in by_org.get(ancestor, []) if cov}
        result[org.pk] = holders
    return result


def _may_send_for(actor: Any, organisation: Organisation) -> bool:
    """The sender's own staff (its subtree) send its documents; the system may too."""
    if _is_system(actor):
        return True
    if not _is_user(actor):
        return False
    if actor.is_superuser:
        return True
    own = getattr(actor, "organisation", None)
    return own is not None and own.tree_path.startswith(organisation.tree_path)


def may_track(actor: Any, dispatch: Dispatch) -> bool:
    return _may_send_for(actor, dispatch.sender_organisation) and (
        _is_system(actor)
        or actor.is_superuser
        or account_has_perm_in(actor, TRACK_PERM, dispatch.sender_organisation)
        or dispatch.sent_by_id == actor.pk
    )


def _check_pdf(pdf: StoredFile, field: str = "pdf") -> None:
    if pdf is None or pdf.content_type != "application/pdf":
        raise ValidationFailed(_("The document must be a PDF file."), data={"field": field})


# --- sending -----------------------------------------------------------------------------------


def dispatch_send(
    *,
    actor: Any,
    sender_organisation: Organisation,
    title: str,
    doc_number: str,
    doc_type: str,
    security_level: str,
    urgency: str,
    main_recipients: Iterable[Organisation],
    cc_recipients: Iterable[Organisation],
    pdf: StoredFile,
    attachments: Iterable[StoredFile] = (),
    source_type: str = "",
    source_id: Any = "",
) -> Dispatch:
    """Deliver a sealed document to every recipient unit's inbox at once.

    The dispatch row and its planned recipient list are written first; deliveries are then
    created set-based in batches of ``FAN_OUT_BATCH`` (bulk insert + one notification call per
    batch). A crash part-way leaves the dispatch "sending" with some deliveries; ``dispatch_resume``
    creates exactly the missing ones (no unit twice — unique (dispatch, organisation) —, none
    skipped). Called inside the caller's transaction, the whole fan-out is one unit of work.
    """
    title = _require_text(title, "title", _("The document needs a title."))
    doc_number = (doc_number or "").strip()[:100]
    security_level = _check_choice(security_level, SecurityLevel, "security_level")
    urgency = _check_choice(urgency, Urgency, "urgency")
    _check_pdf(pdf)
    if sender_organisation is None or not sender_organisation.is_active:
        raise ValidationFailed(_("The sending unit is not active."), data={"field": "sender"})
    if not _may_send_for(actor, sender_organisation):
        raise PermissionDenied(_("Only staff of the sending unit may send its documents."))
    planned: list[list[Any]] = []
    seen: set[int] = set()
    for kind, orgs in ((Delivery.Kind.MAIN, main_recipients), (Delivery.Kind.CC, cc_recipients)):
        for org in orgs:
            if org.pk in seen:
                continue  # a unit named as 主送 and 抄送 gets it once, as 主送
            if not org.is_active:
                raise ValidationFailed(
                    _("The recipient unit “%(unit)s” is not active.") % {"unit": org.name},
                    data={"field": "recipients"},
                )
            seen.add(org.pk)
            planned.append([org.pk, str(kind)])
    if not planned:
        raise ValidationFailed(
            _("Choose at least one recipient unit."), data={"field": "recipients"}
        )
    attachments = list(attachments)
    with transaction.atomic():
        dispatch = Dispatch.objects.create(
            sender_organisation=sender_organisation,
            title=title,
            doc_number=doc_number,
            doc_type=(doc_type or "")[:20],
            security_level=security_level,
            urgency=urgency,
            pdf=pdf,
            source_type=(source_type or "")[:60],
            source_id=str(source_id or "")[:64],
            planned=planned,
            sent_by=actor if _is_user(actor) else None,
        )
        if attachments:
            dispatch.attachments.set(attachments)
        audit_record(
            actor=actor,
            action="exchange.dispatch.send",
            target=dispatch,
            changes={"recipients": len(planned), "doc_number": doc_number},
        )
    _deliver_missing(dispatch)
    dispatch.refresh_from_db()
    return dispatch


def dispatch_resume(*, actor: Any, dispatch: Dispatch) -> int:
    """Create the deliveries a crash left out; returns how many were created."""
    if not _may_send_for(actor, dispatch.sender_organisation):
        raise PermissionDenied(_("Only staff of the sending unit may send its documents."))
    if dispatch.status != Dispatch.Status.SENDING:
        return 0
    created = _deliver_missing(dispatch)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="exchange.dispatch.resume",
            target=dispatch,
            changes={"created": created},
        )
    return created


def _deliver_missing(dispatch: Dispatch) -> int:
    created_total = 0
    while True:
        with transaction.atomic():
            locked = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
            if locked.status != Dispatch.Status.SENDING:
                return created_total
            existing = set(
                Delivery.objects.filter(dispatch=locked).values_list("organisation_id", flat=True)
            )
            missing = [(org_id, kind) for org_id, kind in locked.planned if org_id not in existing]
            if not missing:
                locked.mark_sent()
                locked.save(update_fields=["status", "sent_at"])
                return created_total
            batch = missing[:FAN_OUT_BATCH]
            now = timezone.now()
            orgs = {
                o.pk: o
                for o in Organisation.objects.filter(pk__in=[b[0] for b in batch]).only(
                    "pk", "tree_path", "name"
                )
            }
            Delivery.objects.bulk_create(
                [
                    Delivery(dispatch=locked, organisation_id=org_id, kind=kind, delivered_at=now)
                    for org_id, kind in batch
                    if org_id in orgs
                ]
            )
            _notify_units(
                locked,
                [orgs[b[0]] for b in batch if b[0] in orgs],
                subject=_("Incoming document: %(title)s") % {"title": locked.title},
                body=_("%(sender)s sent “%(title)s” %(number)s. Please sign for it.")
                % {
                    "sender": locked.sender_organisation.name,
                    "title": locked.title,
                    "number": locked.doc_number,
                },
            )
            created_total += len(orgs)
            if len(orgs) < len(batch):  # planned units deleted meanwhile: drop them from the plan
                locked.planned = [p for p in locked.planned if p[0] in existing or p[0] in orgs]
                locked.save(update_fields=["planned"])


def _notify_units(
    dispatch: Dispatch, orgs: Sequence[Organisation], *, subject: str, body: str
) -> None:
    holders = unit_holders(orgs)
    recipients = set().union(*holders.values()) if holders else set()
    if recipients:
        notify_send(
            recipients=recipients,
            subject=subject,
            body=body,
            link=reverse("exchange:inbox"),
            category=NOTIFY_CATEGORY,
        )


def dispatch_withdraw(*, actor: Any, dispatch: Dispatch, reason: str) -> int:
    """撤回: take the document back from every unit that has not signed for it yet."""
    reason = _require_text(reason, "reason", _("State the reason for withdrawing."), 500)
    if not may_track(actor, dispatch):
        raise NotFound()
    with transaction.atomic():
        locked = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        if locked.status == Dispatch.Status.WITHDRAWN:
            raise Conflict(_("This document has already been withdrawn."))
        locked.withdraw(reason)
        locked.save(update_fields=["status", "withdrawn_at", "withdraw_reason"])
        pending = list(
            Delivery.objects.select_for_update(of=("self",))
            .filter(dispatch=locked, status=Delivery.Status.DELIVERED)
            .select_related("organisation")
        )
        for delivery in pending:
            delivery.withdraw()
        Delivery.objects.bulk_update(pending, ["status", "handled_at"], batch_size=500)
        _notify_units(
            locked,
            [d.organisation for d in pending],
            subject=_("Document withdrawn: %(title)s") % {"title": locked.title},
            body=_("The sender withdrew this document: %(reason)s") % {"reason": reason},
        )
        audit_record(
            actor=actor,
            action="exchange.dispatch.withdraw",
            target=locked,
            changes={"status": ["sent", "withdrawn"], "deliveries_withdrawn": len(pending)},
            reason=reason,
        )
    dispatch.refresh_from_db()
    return len(pending)


def delivery_remind(
    *, actor: Any, dispatch: Dispatch, deliveries: Iterable[Delivery] | None = None
) -> int:
    """催办: remind the units that have not signed for the document yet; returns how many."""
    if not may_track(actor, dispatch):
        raise NotFound()
    with transaction.atomic():
        qs = Delivery.objects.filter(dispatch=dispatch, status=Delivery.Status.DELIVERED)
        if deliveries is not None:
            qs = qs.filter(pk__in=[d.pk for d in deliveries])
        targets = list(qs.select_related("organisation"))
        if not targets:
            return 0
        Delivery.objects.filter(pk__in=[d.pk for d in targets]).update(
            reminded_count=F("reminded_count") + 1, last_reminded_at=timezone.now()
        )
        _notify_units(
            dispatch,
            [d.organisation for d in targets],
            subject=_("Reminder: please sign for %(title)s") % {"title": dispatch.title},
            body=_("%(sender)s asks you to sign for “%(title)s” %(number)s.")
            % {
                "sender": dispatch.sender_organisation.name,
                "title": dispatch.title,
                "number": dispatch.doc_number,
            },
        )
        audit_record(
            actor=actor,
            action="exchange.delivery.remind",
            target=dispatch,
            changes={"units": len(targets)},
        )
    return len(targets)


# --- receiving ---------------------------------------------------------------------------------


def _lock_delivery(actor: Any, delivery: Delivery) -> Delivery:
    locked = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("dispatch", "dispatch__sender_organisation", "organisation", "handled_by")
        .filter(pk=delivery.pk)
        .first()
    )
    if locked is None or not account_has_perm_in(actor, HANDLE_PERM, locked.organisation):
        raise NotFound()
    if locked.status != Delivery.Status.DELIVERED:
        if locked.status == Delivery.Status.WITHDRAWN:
            raise Conflict(_("The sender has withdrawn this document."))
        who = locked.handled_by.display_name if locked.handled_by else ""
        when = (
            timezone.localtime(locked.handled_at).strftime("%Y-%m-%d %H:%M")
            if locked.handled_at
            else ""
        )
        if locked.status == Delivery.Status.SIGNED:
            message = _("This document was already signed for by %(who)s at %(when)s.")
        else:
            message = _("This document was already returned by %(who)s at %(when)s.")
        raise Conflict(message % {"who": who, "when": when})
    return locked


def delivery_sign_for(*, actor: Any, delivery: Delivery) -> ReceivedDocument:
    """签收: sign for a delivery, register it (收文编号) and start the 收文 process."""
    text = extract_text(delivery.dispatch.pdf)  # slow part before any lock
    with transaction.atomic():
        locked = _lock_delivery(actor, delivery)
        locked.sign(actor)
        locked.save(update_fields=["status", "handled_by", "handled_at"])
        dispatch = locked.dispatch
        received = _register(
            actor=actor,
            organisation=locked.organisation,
            delivery=locked,
            title=dispatch.title,
            doc_number=dispatch.doc_number,
            sender_name=dispatch.sender_organisation.name,
            doc_type=dispatch.doc_type,
            security_level=dispatch.security_level,
            urgency=dispatch.urgency,
            doc_date=timezone.localdate(dispatch.sent_at or dispatch.created_at),
            pdf=dispatch.pdf,
            attachments=list(dispatch.attachments.all()),
            text=text,
            requires_reply=False,
            is_paper=False,
        )
        audit_record(
            actor=actor,
            action="exchange.delivery.sign",
            target=locked,
            changes={"status": ["delivered", "signed"], "receipt_number": received.receipt_number},
        )
    delivery.refresh_from_db()
    return received


def delivery_refuse(*, actor: Any, delivery: Delivery, reason: str) -> Delivery:
    """拒收/退回 with a reason; the sender is told."""
    reason = _require_text(reason, "reason", _("State the reason for returning the document."), 500)
    with transaction.atomic():
        locked = _lock_delivery(actor, delivery)
        locked.refuse(actor, reason)
        locked.save(update_fields=["status", "handled_by", "handled_at", "refuse_reason"])
        dispatch = locked.dispatch
        if dispatch.sent_by_id:
            notify_send(
                recipients=[dispatch.sent_by],
                subject=_("Document returned: %(title)s") % {"title": dispatch.title},
                body=_("%(unit)s returned the document: %(reason)s")
                % {"unit": locked.organisation.name, "reason": reason},
                link=reverse("exchange:tracking", args=[dispatch.pk]),
                category=NOTIFY_CATEGORY,
            )
        audit_record(
            actor=actor,
            action="exchange.delivery.refuse",
            target=locked,
            changes={"status": ["delivered", "refused"]},
            reason=reason,
        )
    delivery.refresh_from_db()
    return locked


def delivery_open(*, actor: Any, delivery: Delivery) -> Delivery:
    """Record that a clerk opened a delivered document (every open of a classified one is an
    audited read; the first open of any is kept on the row for the tracking table)."""
    if not account_has_perm_in(actor, HANDLE_PERM, delivery.organisation):
        raise NotFound()
    with transaction.atomic():
        if delivery.first_opened_at is None:
            Delivery.objects.filter(pk=delivery.pk, first_opened_at__isnull=True).update(
                first_opened_at=timezone.now()
            )
        if delivery.dispatch.security_level:
            audit_record(
                actor=actor,
                action="exchange.delivery.read",
                target=delivery,
                is_read=True,
                reason=_("Opened a classified incoming document (%(level)s)")
                % {"level": delivery.dispatch.security_level},
            )
    return delivery


def received_number_format(year: int, sequence: int) -> str:
    """收文编号: 收〔2026〕15号 — per receiving unit and year, gapless."""
    return f"收〔{year}〕{sequence}号"


def _register(
    *,
    actor: Any,
    organisation: Organisation,
    delivery: Delivery | None,
    title: str,
    doc_number: str,
    sender_name: str,
    doc_type: str,
    security_level: str,
    urgency: str,
    doc_date: dt.date | None,
    pdf: StoredFile,
    attachments: list[StoredFile],
    text: str,
    requires_reply: bool,
    is_paper: bool,
) -> ReceivedDocument:
    from zhengwu.exchange import receiving  # the workflow glue

    year = timezone.localdate().year
    sequence = number_next(register=f"exchange.received:{organisation.pk}", year=year)
    received = ReceivedDocument.objects.create(
        organisation=organisation,
        delivery=delivery,
        is_paper=is_paper,
        year=year,
        sequence=sequence,
        receipt_number=received_number_format(year, sequence),
        title=title,
        doc_number=doc_number,
        sender_name=sender_name,
        doc_type=doc_type,
        security_level=security_level,
        urgency=urgency,
        doc_date=doc_date,
        pdf=pdf,
        text=text[:200_000],
        requires_reply=requires_reply,
        registered_by=actor,
    )
    if attachments:
        received.attachments.set(attachments)
    instance = receiving.start_process(actor=actor, received=received)
    ReceivedDocument.objects.filter(pk=received.pk).update(process_instance_id=instance.pk)
    received.process_instance_id = instance.pk
    audit_record(
        actor=actor,
        action="exchange.received_document.register",
        target=received,
        changes={"receipt_number": received.receipt_number, "paper": is_paper},
    )
    return received


def paper_register(
    *,
    actor: Any,
    organisation: Organisation,
    title: str,
    doc_number: str,
    sender_name: str,
    doc_type: str = "",
    security_level: str = "",
    urgency: str = "",
    doc_date: dt.date | None = None,
    scan: StoredFile,
    requires_reply: bool = False,
) -> ReceivedDocument:
    """Register a paper document (scanned upload: PDF or image) and start the 收文 process."""
    if not account_has_perm_in(actor, REGISTER_PERM, organisation):
        raise NotFound()
    title = _require_text(title, "title", _("The document needs a title."))
    sender_name = _require_text(sender_name, "sender_name", _("Name the issuing unit."), 150)
    security_level = _check_choice(security_level, SecurityLevel, "security_level")
    urgency = _check_choice(urgency, Urgency, "urgency")
    if scan.content_type not in {"application/pdf", "image/jpeg", "image/png"}:
        raise ValidationFailed(
            _("The scan must be a PDF, JPEG or PNG file."), data={"field": "scan"}
        )
    text = extract_text(scan) if scan.content_type == "application/pdf" else ""
    with transaction.atomic():
        return _register(
            actor=actor,
            organisation=organisation,
            delivery=None,
            title=title,
            doc_number=(doc_number or "").strip()[:100],
            sender_name=sender_name,
            doc_type=(doc_type or "")[:20],
            security_level=security_level,
            urgency=urgency,
            doc_date=doc_date,
            pdf=scan,
            attachments=[],
            text=text,
            requires_reply=requires_reply,
            is_paper=True,
        )


def circulation_mark_read(*, actor: Any, received: ReceivedDocument) -> Circulation:
    """A reader marks a circulated document read (also done by completing the 传阅 task)."""
    with transaction.atomic():
        row = (
            Circulation.objects.select_for_update().filter(document=received, reader=actor).first()
        )
        if row is None:
            raise NotFound()
        if row.read_at is None:
            row.read_at = timezone.now()
            row.save(update_fields=["read_at"])
            audit_record(actor=actor, action="exchange.circulation.read", target=received)
    return row


def extract_text(stored: StoredFile) -> str:
    """Text of a PDF with poppler's pdftotext (for full-text search); "" when it cannot."""
    import subprocess

    if stored is None or stored.content_type != "application/pdf":
        return ""
    try:
        with stored.file.open("rb") as fh:
            data = fh.read()
        result = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-q", "-", "-"],  # noqa: S607 - poppler-utils
            input=data,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.decode("utf-8", "replace").replace("\x00", "").strip()


# --- archive -----------------------------------------------------------------------------------


def fonds_for(organisation: Organisation) -> ArchiveFonds:
    """The organisation's 全宗号; created on first use as Z + 3 digits (or 4 base-36 characters
    beyond 999). An archivist may change it in the admin before the first item is archived."""
    fonds = ArchiveFonds.objects.filter(organisation=organisation).first()
    if fonds is not None:
        return fonds
    pk = organisation.pk
    code = f"Z{pk:03d}" if pk < 1000 else _base36(pk).rjust(4, "0")[-4:]
    fonds, _created = ArchiveFonds.objects.get_or_create(
        organisation=organisation, defaults={"code": code}
    )
    return fonds


def _base36(n: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out or "0"


def unit_code_of(organisation: Organisation) -> str:
    """机构(问题)代码 segment: the organisation's code, upper-case letters and digits."""
    raw = (organisation.code or "").upper()
    code = "".join(ch for ch in raw if ch.isascii() and ch.isalnum())
    return code[:20] or f"O{organisation.pk}"


def archive_code_format(fonds: str, year: int, retention: str, unit_code: str, piece: int) -> str:
    """档号 per DA/T 22-2015: 全宗号-WS·年度-保管期限-机构(问题)代码-件号 (件号 4 digits)."""
    return f"{fonds}-WS·{year}-{retention}-{unit_code}-{piece:04d}"


def archive_item_create(
    *,
    actor: Any,
    organisation: Organisation,
    title: str,
    doc_number: str,
    year: int,
    retention: str,
    source_type: str,
    source_id: Any,
    pdf: StoredFile,
    doc_date: dt.date,
    pdfa: StoredFile | None = None,
    responsible: str = "",
    security_level: str = "",
    pages: int | None = None,
    note: str = "",
) -> ArchiveItem:
    """归档: give a document its 档号 (件号 gapless per 全宗+年度+保管期限) and keep its PDF.

    ``pdf`` is the signed original and is never changed; ``pdfa`` is an optional PDF/A rendition
    (e.g. WeasyPrint's ``pdf_variant="pdf/a-2b"`` of the same content). Archiving the same source
    twice returns the first item.
    """
    if not (_is_system(actor) or account_has_perm_in(actor, ARCHIVE_PERM, organisation)):
        raise PermissionDenied(_("You may not archive documents of this unit."))
    title = _require_text(title, "title", _("The archive item needs a title."))
    retention = _check_choice(retention, Retention, "retention")
    security_level = _check_choice(security_level, SecurityLevel, "security_level")
    if not 1949 <= int(year) <= 2999:
        raise ValidationFailed(_("The year is not valid."), data={"field": "year"})
    _check_pdf(pdf)
    if pdfa is not None:
        _check_pdf(pdfa, "pdfa")
    source_type = (source_type or "")[:60]
    source_id = str(source_id or "")[:64]
    with transaction.atomic():
        if source_type:
            existing = ArchiveItem.objects.filter(
                source_type=source_type, source_id=source_id
            ).first()
            if existing is not None:
                return existing
        fonds = fonds_for(organisation).code
        piece = number_next(register=f"exchange.archive:{fonds}:{retention}", year=int(year))
        unit_code = unit_code_of(organisation)
        item = ArchiveItem.objects.create(
            organisation=organisation,
            fonds_code=fonds,
            year=int(year),
            retention=retention,
            unit_code=unit_code,
            piece=piece,
            archive_code=archive_code_format(fonds, int(year), retention, unit_code, piece),
            title=title,
            doc_number=(doc_number or "").strip()[:100],
            responsible=(responsible or organisation.name)[:150],
            doc_date=doc_date,
            security_level=security_level,
            pages=pages if pages is not None else pdf_page_count(pdf),
            note=(note or "")[:300],
            source_type=source_type,
            source_id=source_id,
            pdf=pdf,
            pdfa=pdfa,
            archived_by=actor if _is_user(actor) else None,
        )
        audit_record(
            actor=actor,
            action="exchange.archive_item.create",
            target=item,
            changes={"archive_code": item.archive_code, "retention": retention},
        )
    return item


def pdf_page_count(stored: StoredFile) -> int | None:
    try:
        import pypdfium2

        with stored.file.open("rb") as fh:
            return len(pypdfium2.PdfDocument(fh.read()))
    except Exception:  # noqa: BLE001 — a page count is a nicety, never a reason to fail
        return None


def received_archive(*, actor: Any, received: ReceivedDocument, retention: str) -> ArchiveItem:
    """Archive a concluded received document (归档 from the UI)."""
    if not account_has_perm_in(actor, ARCHIVE_PERM, received.organisation):
        raise NotFound()
    with transaction.atomic():
        locked = ReceivedDocument.objects.select_for_update().get(pk=received.pk)
        if locked.status == ReceivedDocument.Status.ARCHIVED:
            raise Conflict(_("This document has already been archived."))
        if locked.status != ReceivedDocument.Status.CONCLUDED:
            raise ValidationFailed(_("Only concluded documents can be archived."))
        item = archive_item_create(
            actor=actor,
            organisation=locked.organisation,
            title=locked.title,
            doc_number=locked.doc_number,
            year=locked.year,
            retention=retention,
            source_type=RECEIVED_SUBJECT,
            source_id=locked.pk,
            pdf=locked.pdf if locked.pdf.content_type == "application/pdf" else _no_pdf(),
            doc_date=locked.doc_date or timezone.localdate(locked.registered_at),
            responsible=locked.sender_name,
            security_level=locked.security_level,
            note=_("Received document %(number)s; original kept with its signature")
            % {"number": locked.receipt_number},
        )
        locked.mark_archived()
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="exchange.received_document.archive",
            target=locked,
            changes={"status": ["concluded", "archived"], "archive_code": item.archive_code},
        )
    received.refresh_from_db()
    return item


def _no_pdf() -> StoredFile:
    raise ValidationFailed(
        _("Scanned images cannot be archived yet; register the scan as a PDF."),
        data={"field": "pdf"},
    )
