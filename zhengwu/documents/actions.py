"""Commands on official documents (发文). Each runs in one transaction, checks who may do it,
validates, writes the audit entry and refuses with a Chinese message that changes nothing.

Life of a document (``bpmn/outgoing.bpmn`` decides the order, ``outgoing_step`` reacts):
draft → (submit: 拟稿 done) in_review → (核稿 approve) countersigning | awaiting_signoff →
(签发) signed_off → (编号: 发文字号 from the register, gapless) numbered → (用印: GB/T 9704 PDF,
seal over the date, PAdES signature) sealed → (分发: ``exchange.dispatch_send``) sent →
(归档: ``exchange.archive_item_create``) archived. A refusal at 核稿 or 签发 returns it to draft;
撤销 (withdraw) before 签发.

Who may edit (seed 002 修改权限管理): the drafter while it is a draft or sent back to 拟稿, the
reviewer holding the 核稿 task; countersigners and the signing leader only give opinions; after
签发 nobody edits the body (``may_edit``).
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_read, audit_record, changes_between
from zhengwu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhengwu.core.idempotency import clean_token, create_once, once
from zhengwu.directory.models import Organisation
from zhengwu.directory.selectors import account_has_perm_in
from zhengwu.documents import rendering
from zhengwu.documents.models import (
    SECURITY_LABEL,
    SECURITY_RANK,
    URGENCY_LABEL,
    DocType,
    DocumentClearance,
    DocumentRegister,
    DocumentRevision,
    OfficialDocument,
    SecurityLevel,
)
from zhengwu.documents.rules import SNAPSHOT_FIELDS, DocumentInput, check, clean_text
from zhengwu.files.actions import file_store
from zhengwu.files.models import StoredFile
from zhengwu.identifiers.actions import number_next
from zhengwu.identifiers.numbers import format_document_number
from zhengwu.workflow import actions as workflow
from zhengwu.workflow.models import ProcessDefinition, ProcessInstance, WorkTask

SUBJECT_TYPE = "documents.official_document"
PROCESS_KEY = "documents_outgoing"
BPMN = Path(__file__).parent / "bpmn" / "outgoing.bpmn"
VIEW_PERM = "documents.view_officialdocument"
DRAFT_PERM = "documents.draft_officialdocument"
ISSUE_PERM = "documents.issue_officialdocument"
REGISTER_PERM = "documents.add_documentregister"
CLEARANCE_PERM = "documents.change_documentclearance"
PDF_PURPOSE = "official_document"
PDFA_PURPOSE = "official_document_pdfa"  # served by exchange's archive views only
ARCHIVE_PDF_VARIANT = "pdf/a-2b"
ATTACHMENT_PURPOSE = "official_document_attachment"
EDIT_STEPS = ("draft", "review")
PDF_MAX_BYTES = 50 * 1024 * 1024
SEAL_DIAMETER_MM = 42.0
_CODE_CHARS = "[\u4e00-\u9fa5A-Za-z]"


def _is_account(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _refuse(problems: dict[str, str]) -> ValidationFailed:
    first = next(iter(problems.values()))
    return ValidationFailed(first, data={"fields": problems})


def process_ensure(*, actor: Any = None) -> ProcessDefinition:
    """Deploy ``bpmn/outgoing.bpmn`` (unchanged → the existing version)."""
    return workflow.definition_deploy(actor=actor, bpmn_xml=BPMN.read_bytes(), filename=BPMN.name)


# --------------------------------------------------------------------------- registers


@transaction.atomic
def register_create(
    *, actor: Any, organisation: Organisation, code: str, issuer_mark: str, name: str = ""
) -> DocumentRegister:
    import re

    if actor is not None and not account_has_perm_in(actor, REGISTER_PERM, organisation):
        raise PermissionDenied()
    code = clean_text(code)
    if not re.fullmatch(f"{_CODE_CHARS}{{2,20}}", code):
        raise ValidationFailed(
            _("The issuer code (机关代字) is 2 to 20 Chinese or Latin letters, e.g. 云政办发."),
            data={"field": "code"},
        )
    if DocumentRegister.objects.filter(code=code).exists():
        raise Conflict(_("The issuer code %(code)s is already in use.") % {"code": code})
    issuer_mark = clean_text(issuer_mark)
    if not issuer_mark or len(issuer_mark) > 60:
        raise ValidationFailed(
            _("Give the issuer mark (发文机关标志)."), data={"field": "issuer_mark"}
        )
    register = DocumentRegister.objects.create(
        organisation=organisation, code=code, issuer_mark=issuer_mark, name=clean_text(name)[:100]
    )
    audit_record(actor=actor, action="documents.register.create", target=register,
                 changes={"code": code, "organisation": organisation.pk})  # fmt: skip
    return register


# --------------------------------------------------------------------------- clearance


def clearance_rank(account: Any) -> int:
    """0 = unclassified only … 3 = 绝密. Superusers see everything."""
    if not _is_account(account):
        return -1
    if account.is_superuser:
        return 3
    row = DocumentClearance.objects.filter(account=account).only("level").first()
    return SECURITY_RANK.get(row.level, 0) if row else 0


def cleared_levels(account: Any) -> list[str]:
    rank = clearance_rank(account)
    return [level for level, r in SECURITY_RANK.items() if r <= rank]


@transaction.atomic
def clearance_set(*, actor: Any, account: Any, level: str) -> DocumentClearance | None:
    if actor is not None and not (
        _is_account(actor) and (actor.is_superuser or actor.has_perm(CLEARANCE_PERM))
    ):
        raise PermissionDenied()
    if level not in SecurityLevel.values:
        raise ValidationFailed(_("Unknown security level."))
    before = DocumentClearance.objects.filter(account=account).values_list("level", flat=True)
    old = before.first() or "none"
    if level == "none":
        DocumentClearance.objects.filter(account=account).delete()
        row = None
    else:
        row, _created = DocumentClearance.objects.update_or_create(
            account=account,
            defaults={"level": level, "granted_by": actor if _is_account(actor) else None},
        )
    audit_record(actor=actor, action="documents.clearance.set", target=account,
                 changes={"level": [old, level]})  # fmt: skip
    return row


# --------------------------------------------------------------------------- helpers


def _snapshot(doc: OfficialDocument) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in SNAPSHOT_FIELDS:
        value = getattr(doc, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    if doc.pk:
        out["main_recipients"] = sorted(doc.main_recipients.values_list("name", flat=True))
        out["cc_recipients"] = sorted(doc.cc_recipients.values_list("name", flat=True))
        out["countersign_departments"] = sorted(
            doc.countersign_departments.values_list("name", flat=True)
        )
    return out


def _revision(doc: OfficialDocument, actor: Any, step: str) -> DocumentRevision:
    last = doc.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return DocumentRevision.objects.create(
        document=doc,
        number=last + 1,
        author=actor if _is_account(actor) else None,
        author_name=getattr(actor, "display_name", "") or str(actor or _("system")),
        step=step,
        snapshot=_snapshot(doc),
    )


def _search_text(doc: OfficialDocument, extra: str = "") -> str:
    """jieba tokens of title, body, attachment names and text (space separated, lower case)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    text = " ".join([doc.title, doc.doc_number, doc.body, doc.attachment_names, extra])
    tokens = {t.strip().lower() for t in jieba.cut_for_search(text) if t.strip()}
    return " " + " ".join(sorted(tokens)) + " "


def _attachment_text(stored: StoredFile) -> str:
    """Text of a PDF or plain-text attachment for search (first 30 pages, 100 000 chars)."""
    try:
        with stored.file.open("rb") as fh:
            data = fh.read()
    except OSError:
        return ""
    if stored.content_type == "text/plain":
        return data.decode("utf-8", "ignore")[:100_000]
    if stored.content_type == "application/pdf":
        try:
            import pdfplumber

            with pdfplumber.open(io.BytesIO(data)) as pdf:
                return "\n".join((p.extract_text() or "") for p in pdf.pages[:30])[:100_000]
        except Exception:  # noqa: BLE001 (a broken attachment is still kept, only unsearchable)
            return ""
    return ""


def _apply(doc: OfficialDocument, data: DocumentInput) -> None:
    for name in (
        "doc_type", "copy_number", "security_level", "urgency", "title", "main_recipients_text",
        "cc_text", "body", "attachment_names", "doc_date", "note", "printing_date",
    ):  # fmt: skip
        setattr(doc, name, getattr(data, name))
    doc.security_years = data.security_years if data.security_level != "none" else None
    doc.issuer_mark = data.issuer_mark or doc.register.issuer_mark
    doc.issuer_signature = data.issuer_signature or doc.register.organisation.name
    doc.printing_org = data.printing_org or doc.register.organisation.name


def _lock(doc: OfficialDocument) -> OfficialDocument:
    locked = (
        OfficialDocument.objects.select_for_update(of=("self",))
        .select_related("register__organisation", "organisation", "instance")
        .filter(pk=doc.pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    return locked


def _open_tasks(doc: OfficialDocument) -> list[WorkTask]:
    if doc.instance_id is None:
        return []
    return list(
        WorkTask.objects.filter(instance_id=doc.instance_id, status__in=WorkTask.ACTIVE)
        .select_related("candidate_role", "candidate_organisation", "assignee", "claimed_by")
        .order_by("pk")
    )


def _instance_running(doc: OfficialDocument) -> bool:
    return doc.instance_id is not None and (
        ProcessInstance.objects.filter(pk=doc.instance_id, status="running").exists()
    )


def current_steps(doc: OfficialDocument) -> list[str]:
    return sorted({t.element_id for t in _open_tasks(doc)})


def my_task(actor: Any, doc: OfficialDocument) -> WorkTask | None:
    """The open task of this document the actor may handle now (a 会签 not yet signed)."""
    for task in _open_tasks(doc):
        if not workflow.may_handle(actor, task):
            continue
        if task.multi_parent and WorkTask.objects.filter(
            instance_id=task.instance_id, multi_parent=task.multi_parent,
            completed_by=actor, status="completed",
        ).exists():  # fmt: skip
            continue
        return task
    return None


def may_edit(actor: Any, doc: OfficialDocument) -> bool:
    """Seed 002 修改权限管理 (see the module docstring)."""
    if not _is_account(actor):
        return False
    status = doc.status
    if status == OfficialDocument.Status.DRAFT and not _instance_running(doc):
        return doc.created_by_id == actor.pk or account_has_perm_in(
            actor, DRAFT_PERM, doc.organisation
        )
    if status not in (OfficialDocument.Status.DRAFT, OfficialDocument.Status.IN_REVIEW):
        return False
    return any(
        t.element_id in EDIT_STEPS and workflow.may_handle(actor, t) for t in _open_tasks(doc)
    )


def _check_version(doc: OfficialDocument, expected: int | None) -> None:
    if expected is not None and doc.version != expected:
        raise Conflict(_("Someone else changed this document first. Reload it and try again."))


def _url(doc: OfficialDocument) -> str:
    return reverse("documents:detail", args=[doc.pk])


def _register_usable(register: DocumentRegister, organisation: Organisation) -> bool:
    return register.is_active and organisation.tree_path.startswith(register.organisation.tree_path)


# --------------------------------------------------------------------------- drafting


@transaction.atomic
def document_create(
    *,
    actor: Any,
    organisation: Organisation,
    register: DocumentRegister,
    data: DocumentInput,
    idempotency_token: str | None = None,
) -> OfficialDocument:
    """拟稿: a new draft of ``organisation`` under ``register`` (its own or a parent's)."""
    token = clean_token(idempotency_token)
    if (existing := once(OfficialDocument, token)) is not None:
        return existing
    if actor is not None and not account_has_perm_in(actor, DRAFT_PERM, organisation):
        raise PermissionDenied(_("You may not draft documents for this organisation."))
    if not _register_usable(register, organisation):
        raise ValidationFailed(
            _("This register cannot be used by this organisation."), data={"field": "register"}
        )
    data = data.cleaned()
    problems = check(data)
    if problems:
        raise _refuse(problems)
    doc = OfficialDocument(organisation=organisation, register=register)
    _apply(doc, data)
    doc.created_by = actor if _is_account(actor) else None
    doc.search_text = _search_text(doc)
    skip = ("id", "status", "idempotency_token", "created_at", "updated_at")
    fields = {
        f.name: getattr(doc, f.name)
        for f in OfficialDocument._meta.concrete_fields
        if f.name not in skip
    }
    doc, created = create_once(OfficialDocument, token, **fields)
    if not created:
        return doc
    doc.main_recipients.set(data.main_recipients)
    doc.cc_recipients.set(data.cc_recipients)
    doc.countersign_departments.set(data.countersign_departments)
    _revision(doc, actor, "draft")
    audit_record(actor=actor, action="documents.official_document.create", target=doc,
                 changes={"title": doc.title, "register": register.code})  # fmt: skip
    return doc


@transaction.atomic
def document_update(
    *, actor: Any, document: OfficialDocument, data: DocumentInput, expected_version: int | None
) -> OfficialDocument:
    """Save an edit (a new revision with the full snapshot)."""
    doc = _lock(document)
    _check_version(doc, expected_version)
    if not may_edit(actor, doc):
        raise PermissionDenied(_("You may not edit this document at its current step."))
    data = data.cleaned()
    problems = check(data)
    if problems:
        raise _refuse(problems)
    before = _snapshot(doc)
    _apply(doc, data)
    running = _instance_running(doc)
    doc.version += 1
    doc.search_text = _search_text(doc)
    doc.save()
    doc.main_recipients.set(data.main_recipients)
    doc.cc_recipients.set(data.cc_recipients)
    if not running:  # the 会签 list is a process variable, fixed once submitted
        doc.countersign_departments.set(data.countersign_departments)
    after = _snapshot(doc)
    changes = changes_between(before, after)
    if changes:
        steps = current_steps(doc)
        _revision(doc, actor, steps[0] if steps else "draft")
    audit_record(actor=actor, action="documents.official_document.update", target=doc,
                 changes={k: v for k, v in changes.items() if k != "body"}
                 | ({"body": "changed"} if "body" in changes else {}))  # fmt: skip
    return doc


@transaction.atomic
def document_attach(*, actor: Any, document: OfficialDocument, upload: UploadedFile) -> StoredFile:
    doc = _lock(document)
    if not may_edit(actor, doc):
        raise PermissionDenied(_("You may not edit this document at its current step."))
    stored = file_store(actor=actor, upload=upload, purpose=ATTACHMENT_PURPOSE,
                        allowed_types=None)  # fmt: skip
    doc.attachments.add(stored)
    name = Path(stored.original_name).stem
    names = [n for n in doc.attachment_names.split("\n") if n.strip()]
    if name not in names:
        names.append(name)
        doc.attachment_names = "\n".join(names)
    doc.search_text = _search_text(
        doc, " ".join(_attachment_text(f) for f in doc.attachments.all())
    )
    doc.version += 1
    doc.save(update_fields=["attachment_names", "search_text", "version", "updated_at"])
    _revision(doc, actor, (current_steps(doc) or ["draft"])[0])
    audit_record(actor=actor, action="documents.official_document.attach", target=doc,
                 changes={"attachment": stored.original_name})  # fmt: skip
    return stored


@transaction.atomic
def document_submit(
    *, actor: Any, document: OfficialDocument, opinion: str = ""
) -> OfficialDocument:
    """拟稿 done: start the outgoing process (or complete the 拟稿 step after a send-back)."""
    doc = OfficialDocument.objects.select_related("register__organisation").get(pk=document.pk)
    if doc.status != OfficialDocument.Status.DRAFT:
        raise Conflict(_("The document has already been submitted."))
    if not may_edit(actor, doc):
        raise PermissionDenied(_("You may not submit this document."))
    if not doc.main_recipients.exists():
        raise ValidationFailed(
            _("Choose at least one main recipient unit before submitting."),
            data={"field": "main_recipients"},
        )
    task = next((t for t in _open_tasks(doc) if t.element_id == "draft"), None)
    if task is None:
        instance = workflow.instance_start(
            actor=actor,
            definition_key=PROCESS_KEY,
            owner_type=SUBJECT_TYPE,
            owner_id=doc.pk,
            title=_("Outgoing document: %(title)s") % {"title": doc.title[:200]},
            url=_url(doc),
            organisation=doc.organisation,
            variables={
                "cosign_depts": list(doc.countersign_departments.values_list("pk", flat=True))
            },
        )
        OfficialDocument.objects.filter(pk=doc.pk).update(instance=instance)
        doc.instance = instance
        task = next((t for t in _open_tasks(doc) if t.element_id == "draft"), None)
        if task is None:  # pragma: no cover (the diagram starts with 拟稿)
            raise Conflict()
    workflow.task_complete(actor=actor, task=task, decision="approve", opinion=opinion)
    doc.refresh_from_db()
    return doc


def document_decide(
    *,
    actor: Any,
    document: OfficialDocument,
    decision: str,
    opinion: str = "",
    step: str | None = None,
) -> OfficialDocument:
    """Complete the actor's step (核稿, 会签, 签发, 编号, 用印, 分发) with an opinion.

    ``step`` is the step the actor saw (the page sends it): a repeated click after 编号 must not
    seal the document because the same person also holds the next step."""
    with transaction.atomic():
        task = my_task(actor, document)
        if task is None:
            raise PermissionDenied(_("You have no step of this document to handle."))
        if step is not None and task.element_id != step:
            raise Conflict(_("This step has already been handled. Reload the page."))
        workflow.task_complete(actor=actor, task=task, decision=decision, opinion=opinion)
    document.refresh_from_db()
    return document


def document_send_back(
    *, actor: Any, document: OfficialDocument, to_element_id: str, opinion: str
) -> OfficialDocument:
    """退回 to an earlier step (e.g. 核稿 → 拟稿); the status follows the step."""
    with transaction.atomic():
        task = my_task(actor, document)
        if task is None:
            raise PermissionDenied(_("You have no step of this document to handle."))
        workflow.task_send_back(actor=actor, task=task, to_element_id=to_element_id,
                                opinion=opinion)  # fmt: skip
        doc = _lock(document)
        _follow_steps(doc, actor, opinion)
    document.refresh_from_db()
    return document


@transaction.atomic
def document_withdraw(
    *, actor: Any, document: OfficialDocument, reason: str = ""
) -> OfficialDocument:
    """撤销 before 签发: the drafter withdraws the process (or an unsubmitted draft)."""
    doc = OfficialDocument.objects.get(pk=document.pk)
    if _instance_running(doc):
        workflow.instance_withdraw(actor=actor, instance=doc.instance, reason=reason)
    else:
        doc = _lock(doc)
        if not may_edit(actor, doc):
            raise PermissionDenied(_("You may not withdraw this document."))
        before = doc.status
        doc.withdraw()
        doc.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="documents.official_document.withdraw", target=doc,
                     changes={"status": [before, doc.status]}, reason=reason)  # fmt: skip
    doc.refresh_from_db()
    return doc


# --------------------------------------------------------------------------- process steps

_STEP_STATUS = {
    "draft": OfficialDocument.Status.DRAFT,
    "review": OfficialDocument.Status.IN_REVIEW,
    "countersign": OfficialDocument.Status.COUNTERSIGNING,
    "signoff": OfficialDocument.Status.AWAITING_SIGNOFF,
}


def _transition(
    doc: OfficialDocument, actor: Any, verb: str, reason: str = "", **extra: Any
) -> None:
    before = doc.status
    getattr(doc, verb)()
    doc.save()
    audit_record(
        actor=actor,
        action=f"documents.official_document.{verb}",
        target=doc,
        changes={"status": [before, doc.status], **extra},
        reason=reason[:500],
    )


def _follow_steps(doc: OfficialDocument, actor: Any, reason: str = "") -> None:
    """After a send-back: put the status where the open step is."""
    steps = current_steps(doc)
    target = _STEP_STATUS.get(steps[0]) if steps else None
    if target is None or target == doc.status:
        return
    verb = "return_to_draft" if target == OfficialDocument.Status.DRAFT else "return_to_review"
    if target in (OfficialDocument.Status.DRAFT, OfficialDocument.Status.IN_REVIEW):
        _transition(doc, actor, verb, reason)


def outgoing_step(instance: ProcessInstance, task: Any, actor: Any) -> None:
    """The outgoing process moved (``on_step`` of the subject type; inside the step's
    transaction, so a refusal here — e.g. no certificate — rolls the whole step back)."""
    doc = (
        OfficialDocument.objects.select_for_update(of=("self",))
        .select_related("register__organisation", "organisation")
        .filter(pk=int(instance.owner_id))
        .first()
    )
    if doc is None:
        raise NotFound()
    if task is None:
        if instance.status == ProcessInstance.Status.WITHDRAWN:
            _transition(doc, actor, "withdraw")
        return
    step, approved = task.element_id, task.decision == "approve"
    opinion = task.opinion or ""
    if step == "draft":
        _transition(doc, actor, "submit")
    elif step == "review":
        if not approved:
            _transition(doc, actor, "return_to_draft", opinion)
        elif doc.countersign_departments.exists():
            _transition(doc, actor, "start_countersign")
        else:
            _transition(doc, actor, "await_signoff")
    elif step == "countersign":
        if not WorkTask.objects.filter(
            instance=instance, element_id="countersign", status__in=WorkTask.ACTIVE
        ).exists():
            _transition(doc, actor, "await_signoff")
    elif step == "signoff":
        if not approved:
            _transition(doc, actor, "return_to_draft", opinion)
            return
        doc.signer_names = (getattr(actor, "display_name", "") or str(actor))[:100]
        if doc.doc_date is None:  # 成文日期: the leader's signing date (条例 第九条(十二))
            doc.doc_date = timezone.localdate()
        _transition(doc, actor, "sign_off", signer=doc.signer_names)
    elif step == "number":
        _number(doc, actor)
    elif step == "seal":
        _seal(doc, actor)
    elif step == "dispatch":
        _dispatch(doc, actor)


def _number(doc: OfficialDocument, actor: Any) -> None:
    """编号 (发文登记): the next number of the register for this year; never twice, never
    skipped (``number_next`` locks the sequence row for the rest of this transaction)."""
    if doc.sequence is not None:
        raise Conflict(_("The document already has the number %(n)s.") % {"n": doc.doc_number})
    year = timezone.localdate().year
    doc.sequence = number_next(register=doc.register.number_register, year=year)
    doc.year = year
    doc.doc_number = format_document_number(doc.register.code, year, doc.sequence)
    if doc.printing_date is None:
        doc.printing_date = timezone.localdate()
    doc.search_text = _search_text(doc)
    _transition(doc, actor, "assign_number", doc_number=doc.doc_number)


def render_input(doc: OfficialDocument, *, sealed: bool | None = None) -> rendering.RenderInput:
    names = [n for n in doc.attachment_names.split("\n") if n.strip()]
    return rendering.RenderInput(
        title=doc.title,
        body=doc.body,
        issuer_mark=doc.issuer_mark,
        issuer_signature=doc.issuer_signature,
        doc_number=doc.doc_number,
        copy_number=doc.copy_number,
        security_mark=doc.security_mark,
        urgency_mark=doc.urgency_mark,
        upward=doc.is_upward,
        signer_names=doc.signer_names,
        main_recipients=_recipients_line(doc),
        attachments=names,
        doc_date=doc.doc_date,
        note=doc.note,
        cc=_cc_line(doc),
        printing_org=doc.printing_org,
        printing_date=doc.printing_date,
        sealed=(doc.doc_type != DocType.MINUTES) if sealed is None else sealed,
        keywords=doc.get_doc_type_display(),
    )


def _recipients_line(doc: OfficialDocument) -> str:
    names = [o.name for o in doc.main_recipients.all()]
    if doc.main_recipients_text:
        names.insert(0, doc.main_recipients_text)
    return "，".join(names)


def _cc_line(doc: OfficialDocument) -> str:
    names = [o.name for o in doc.cc_recipients.all()]
    if doc.cc_text:
        names.insert(0, doc.cc_text)
    return "，".join(names)


def seal_document_pdf(doc: OfficialDocument, actor: Any) -> bytes:
    """Render per GB/T 9704 and sign with the register unit's certificate, the seal pressing on
    the 署名 and 成文日期 (纪要 carry no seal: an invisible signature only)."""
    from zhengwu.signing.services import SealPlacement, pdf_sign

    data = render_input(doc)
    rendered = rendering.render(data)
    placement = None
    if data.sealed and rendered.seal is not None:
        placement = SealPlacement.centred_at(
            page=rendered.seal.page,
            cx_mm=rendered.seal.cx_mm,
            cy_mm=rendered.seal.cy_mm,
            diameter_mm=SEAL_DIAMETER_MM,
        )
    return pdf_sign(
        pdf=rendered.pdf,
        organisation=doc.register.organisation,
        reason=_("Seal of official document %(n)s") % {"n": doc.doc_number or doc.title[:50]},
        location=doc.register.organisation.region.name
        if doc.register.organisation.region_id
        else "",
        seal=placement,
        actor=actor,
    )


def _seal(doc: OfficialDocument, actor: Any) -> None:
    if not doc.doc_number:
        raise Conflict(_("Number the document before sealing it."))
    signed = seal_document_pdf(doc, actor)
    upload = SimpleUploadedFile(f"{doc.doc_number}.pdf", signed, content_type="application/pdf")
    doc.pdf = file_store(
        actor=actor,
        upload=upload,
        purpose=PDF_PURPOSE,
        allowed_types=frozenset({"application/pdf"}),
        max_bytes=PDF_MAX_BYTES,
    )
    _transition(doc, actor, "seal", pdf=doc.pdf.sha256)


def _dispatch(doc: OfficialDocument, actor: Any) -> None:
    from zhengwu.exchange.actions import dispatch_send

    if doc.pdf_id is None:
        raise Conflict(_("Seal the document before sending it."))
    dispatch = dispatch_send(
        actor=actor,
        sender_organisation=doc.register.organisation,
        title=doc.title,
        doc_number=doc.doc_number,
        doc_type=doc.doc_type,
        security_level=SECURITY_LABEL.get(doc.security_level, ""),
        urgency=URGENCY_LABEL.get(doc.urgency, ""),
        main_recipients=list(doc.main_recipients.all()),
        cc_recipients=list(doc.cc_recipients.all()),
        pdf=doc.pdf,
        attachments=list(doc.attachments.all()),
        source_type=SUBJECT_TYPE,
        source_id=doc.pk,
    )
    doc.dispatch_id = str(dispatch.pk)
    _transition(doc, actor, "send", dispatch=dispatch.pk)


# --------------------------------------------------------------------------- after sending


def document_remind(*, actor: Any, document: OfficialDocument) -> int:
    """催办 the units that have not signed for it yet (exchange's reminder)."""
    from zhengwu.exchange.actions import delivery_remind
    from zhengwu.exchange.selectors import access_dispatch

    if not document.dispatch_id:
        raise Conflict(_("The document has not been sent yet."))
    dispatch = access_dispatch(actor, int(document.dispatch_id))
    return delivery_remind(actor=actor, dispatch=dispatch)


@transaction.atomic
def document_archive(
    *, actor: Any, document: OfficialDocument, retention: str = "D30"
) -> OfficialDocument:
    """归档: hand the sealed original to the archive (档号 per DA/T 22, by exchange)."""
    from zhengwu.exchange.actions import archive_item_create

    doc = _lock(document)
    if doc.status != OfficialDocument.Status.SENT:
        raise Conflict(_("Only a sent document can be archived."))
    pdfa = archive_rendition(doc, actor)
    item = archive_item_create(
        actor=actor,
        organisation=doc.register.organisation,
        title=doc.title,
        doc_number=doc.doc_number,
        year=doc.year or timezone.localdate().year,
        retention=retention,
        source_type=SUBJECT_TYPE,
        source_id=doc.pk,
        pdf=doc.pdf,
        pdfa=pdfa,
        doc_date=doc.doc_date or timezone.localdate(),
        security_level=SECURITY_LABEL.get(doc.security_level, ""),
    )
    _transition(doc, actor, "archive", archive_item=item.pk)
    return doc


def archive_rendition(doc: OfficialDocument, actor: Any) -> StoredFile:
    """The archive's PDF/A-2b copy: the same layout rendered again, unsigned.

    The sealed original is PDF/A-2b as rendered too, but signing with an ECDSA certificate makes
    pyHanko declare PDF 2.0 (ISO 32002) in the catalogue, which a strict PDF/A-2 validator may
    reject; the unsigned rendition is plain PDF 1.7 PDF/A-2b. The signed original stays the
    evidence of authenticity (docs/modules/documents.md, "PDF/A")."""
    rendered = rendering.render(render_input(doc), pdf_variant=ARCHIVE_PDF_VARIANT)
    name = f"{doc.doc_number or doc.pk}-PDFA.pdf"
    return file_store(
        actor=actor,
        upload=SimpleUploadedFile(name, rendered.pdf, content_type="application/pdf"),
        purpose=PDFA_PURPOSE,
        allowed_types=frozenset({"application/pdf"}),
        max_bytes=PDF_MAX_BYTES,
    )


def document_opened(*, actor: Any, document: OfficialDocument, purpose: str) -> None:
    """Every open/download of a classified document is audited (等保 2.0, 条例)."""
    if document.security_level != "none":
        with transaction.atomic():
            audit_read(actor=actor, target=document, purpose=purpose,
                       action="documents.official_document.read")  # fmt: skip


def registers_for(organisation: Organisation) -> Any:
    """Registers an organisation may number under: its own and its ancestors'."""
    ids = [int(p) for p in organisation.tree_path.strip("/").split("/") if p]
    return DocumentRegister.objects.filter(
        Q(organisation_id__in=ids) | Q(organisation=organisation), is_active=True
    )


# --------------------------------------------------------------------------- 答复

_TITLE_SUFFIX = re.compile(
    r"的(决议|决定|命令|公报|公告|通告|意见|通知|通报|报告|请示|批复|议案|函|复函|纪要)$"
)


def reply_title(organisation_name: str, received_title: str, *, letter: bool) -> str:
    """关于…的答复/复函: the subject of the received title (from 关于, without its type word),
    under the replying organisation's name."""
    subject = received_title
    if "关于" in subject:
        subject = subject[subject.index("关于") + 2 :]
    subject = _TITLE_SUFFIX.sub("", subject) or received_title
    kind = "复函" if letter else "答复"
    return f"{organisation_name}关于{subject}的{kind}"[:200]


@transaction.atomic
def reply_draft_start(*, actor: Any, received: Any) -> OfficialDocument:
    """答复: start an outgoing draft answering a received document — 主送 the sending unit,
    title 关于…的答复 (复函 for a 函), linked to the registration. A second call returns the
    open draft instead of a new one (double clicks)."""
    from zhengwu.exchange.models import ReceivedDocument
    from zhengwu.exchange.selectors import may_view_received

    received = ReceivedDocument.objects.select_for_update().get(pk=received.pk)
    if not may_view_received(actor, received):
        raise NotFound()
    if not received.requires_reply:
        raise Conflict(_("This received document does not require a reply."))
    organisation = received.organisation
    if not account_has_perm_in(actor, DRAFT_PERM, organisation):
        raise PermissionDenied(_("You may not draft documents for this organisation."))
    existing = (
        OfficialDocument.objects.filter(reply_to=received)
        .exclude(status=OfficialDocument.Status.WITHDRAWN)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    register = registers_for(organisation).order_by("pk").first()
    if register is None:
        raise Conflict(_("Your organisation has no document register (机关代字) to reply under."))
    sender = received.delivery.dispatch.sender_organisation if received.delivery_id else None
    letter = received.doc_type in ("函", DocType.LETTER)
    number = f"（{received.doc_number}）" if received.doc_number else ""
    data = DocumentInput(
        doc_type=DocType.LETTER,
        title=reply_title(organisation.name, received.title, letter=letter),
        # document text, not UI: always Chinese (the usual opening of a 复函)
        body=f"《{received.title}》{number}收悉。现将有关情况答复如下：",
        main_recipients=[sender] if sender is not None else [],
        main_recipients_text="" if sender is not None else received.sender_name,
    )
    doc = document_create(actor=actor, organisation=organisation, register=register, data=data)
    doc.reply_to = received
    doc.save(update_fields=["reply_to"])
    audit_record(actor=actor, action="documents.official_document.reply_start", target=doc,
                 changes={"received": received.receipt_number})  # fmt: skip
    return doc
