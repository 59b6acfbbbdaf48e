"""Commands on the service catalogue. Each runs in one transaction, checks who may do it,
validates (``rules.check_item``), writes the audit entry and refuses with a Chinese message
(``ValidationFailed``/``Conflict``/``PermissionDenied``) that changes nothing.

Life of an item: draft → (submit) under_review → (reviewer approves in the workflow inbox)
published → (take offline) withdrawn → (edit) draft … A reviewer who does not agree returns it to
draft with an opinion. Edits name the version they started from (optimistic lock).
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_record, changes_between
from zhengwu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhengwu.directory.models import Organisation
from zhengwu.directory.selectors import account_has_perm_in
from zhengwu.eservices import spreadsheet
from zhengwu.eservices.models import Faq, Fee, Material, ServiceItem
from zhengwu.eservices.rules import (
    FaqInput,
    FeeInput,
    ItemInput,
    MaterialInput,
    Problem,
    check_item,
    normalise,
)
from zhengwu.notify.actions import notify_send
from zhengwu.workflow import actions as workflow
from zhengwu.workflow.models import ProcessDefinition, ProcessInstance

CHANGE_PERM = "eservices.change_serviceitem"
PUBLISH_PERM = "eservices.publish_serviceitem"
SUBJECT_TYPE = "eservices.service_item"
REVIEW_PROCESS = "eservices_item_review"
REVIEW_STEP = "review"
FORM_PURPOSE = "service_item_form"  # files purpose of blank forms and samples
REVIEW_BPMN = Path(__file__).parent / "bpmn" / "item_review.bpmn"

SCALAR_FIELDS = [
    "name",
    "code",
    "item_type",
    "audience",
    "handling_level",
    "summary",
    "legal_basis",
    "conditions",
    "process_description",
    "statutory_limit_days",
    "promised_limit_days",
    "service_location",
    "service_hours",
    "visits_required",
    "contact_phone",
    "complaint_phone",
    "online_depth",
    "form_schema",
    "process_key",
    "licence_type",
]


def _is_account(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _require(actor: Any, perm: str, organisation: Organisation) -> None:
    """``actor`` None is the system (demo loader, command line)."""
    if actor is None:
        return
    if not account_has_perm_in(actor, perm, organisation):
        raise PermissionDenied(
            _("You may not maintain the service items of %(org)s.") % {"org": organisation.name}
        )


def _refuse(problems: list[Problem]) -> ValidationFailed:
    first = problems[0]
    return ValidationFailed(
        _("The item was not saved: %(count)s problem(s), first: %(message)s")
        % {"count": len(problems), "message": first.message},
        data={"errors": [p.as_dict() for p in problems]},
    )


def _who(account: Any) -> str:
    if account is None:
        return _("the system")
    return getattr(account, "display_name", "") or account.get_username()


def _lock(item: ServiceItem) -> ServiceItem:
    fresh = (
        ServiceItem.objects.select_for_update(of=("self",))
        .select_related("organisation", "updated_by")
        .filter(pk=item.pk)
        .first()
    )
    if fresh is None:
        raise NotFound()
    return fresh


def _check_version(item: ServiceItem, expected_version: int | None) -> None:
    """Refuse an edit that started from an older version: never overwrite silently."""
    if expected_version is None or int(expected_version) == item.version:
        return
    raise Conflict(
        _(
            "%(who)s changed this item at %(when)s after you opened it (now version %(now)s, you "
            "started from version %(yours)s). Your changes were not saved: reopen the item "
            "and make them again."
        )
        % {
            "who": _who(item.updated_by),
            "when": date_format(timezone.localtime(item.updated_at), "Y-m-d H:i"),
            "now": item.version,
            "yours": expected_version,
        },
        data={"version": item.version},
    )


def _search_text(item: ServiceItem) -> str:
    parts = [item.name, item.summary, item.conditions, *(m.name for m in item.materials.all())]
    return "\n".join(p for p in parts if p).lower()


def _file_id(stored: Any) -> str:
    return str(stored.uuid) if stored is not None else ""


def _state(data: ItemInput, organisation_id: int, status: str) -> dict[str, Any]:
    """The audited picture of an item: scalar fields, links and child rows."""
    state: dict[str, Any] = {name: getattr(data, name) for name in SCALAR_FIELDS}
    state["organisation"] = organisation_id
    state["status"] = status
    state["topics"] = sorted(t.pk for t in data.topics)
    state["life_events"] = sorted(e.pk for e in data.life_events)
    state["joint_organisations"] = sorted(o.pk for o in data.joint_organisations)
    state["materials"] = [
        [m.name, m.required, m.form, m.copies, m.notes, _file_id(m.blank_form), _file_id(m.sample)]
        for m in data.materials
    ]
    state["fees"] = [[f.name, str(f.amount), f.unit, f.basis] for f in data.fees]
    state["faqs"] = [[q.question, q.answer] for q in data.faqs]
    return state


def _item_state(item: ServiceItem) -> dict[str, Any]:
    return _state(item_input_of(item), item.organisation_id, item.status)


def _write_children(item: ServiceItem, data: ItemInput) -> None:
    """Materials are matched by name (they keep their id, which cases will refer to);
    fees and FAQs are rewritten."""
    existing = {m.name: m for m in item.materials.all()}
    keep = []
    for position, m in enumerate(data.materials):
        row = existing.get(m.name) or Material(item=item, name=m.name)
        row.position, row.required, row.form, row.copies, row.notes = (
            position,
            m.required,
            m.form,
            m.copies,
            m.notes,
        )
        row.blank_form, row.sample = m.blank_form, m.sample
        row.save()
        keep.append(row.pk)
    item.materials.exclude(pk__in=keep).delete()
    item.fees.all().delete()
    Fee.objects.bulk_create(
        Fee(item=item, position=i, name=f.name, amount=f.amount, unit=f.unit, basis=f.basis)
        for i, f in enumerate(data.fees)
    )
    item.faqs.all().delete()
    Faq.objects.bulk_create(
        Faq(item=item, position=i, question=q.question, answer=q.answer)
        for i, q in enumerate(data.faqs)
    )
    item.topics.set(data.topics)
    item.life_events.set(data.life_events)
    item.joint_organisations.set(data.joint_organisations)


def _apply(item: ServiceItem, data: ItemInput, actor: Any) -> None:
    for name in SCALAR_FIELDS:
        setattr(item, name, getattr(data, name))
    item.updated_by = actor if _is_account(actor) else None
    item.save()
    _write_children(item, data)
    item.search_text = _search_text(item)
    item.save(update_fields=["search_text"])


@transaction.atomic
def service_item_create(*, actor: Any, organisation: Organisation, data: ItemInput) -> ServiceItem:
    """A new draft item of ``organisation``."""
    _require(actor, CHANGE_PERM, organisation)
    if not organisation.is_active:
        raise ValidationFailed(
            _("The organisation is no longer in use."), data={"field": "organisation"}
        )
    data = normalise(data)
    problems = check_item(data, organisation=organisation)
    if problems:
        raise _refuse(problems)
    item = ServiceItem(organisation=organisation, status=ServiceItem.Status.DRAFT)
    _apply(item, data, actor)
    audit_record(
        actor=actor,
        action="eservices.service_item.create",
        target=item,
        changes={k: [None, v] for k, v in _item_state(item).items()},
    )
    return item


@transaction.atomic
def service_item_update(
    *,
    actor: Any,
    item: ServiceItem,
    expected_version: int | None,
    data: ItemInput,
    organisation: Organisation | None = None,
) -> ServiceItem:
    """Change a draft (or offline) item. A version mismatch is a ``Conflict``; saving the same
    content again changes nothing and writes no audit entry."""
    item = _lock(item)
    _require(actor, CHANGE_PERM, item.organisation)
    _check_version(item, expected_version)
    if organisation is not None and organisation.pk != item.organisation_id:
        _require(actor, CHANGE_PERM, organisation)
        if not organisation.is_active:
            raise ValidationFailed(
                _("The organisation is no longer in use."), data={"field": "organisation"}
            )
    if not item.is_editable:
        raise Conflict(
            _("The item is %(status)s and cannot be edited now.")
            % {"status": item.get_status_display()}
        )
    data = normalise(data)
    problems = check_item(data, item=item, organisation=organisation)
    if problems:
        raise _refuse(problems)
    before = _item_state(item)
    target_org = organisation or item.organisation
    changes = changes_between(before, _state(data, target_org.pk, ServiceItem.Status.DRAFT))
    if not changes:
        return item  # the same content saved again: nothing to do
    item.organisation = target_org
    item.status = ServiceItem.Status.DRAFT
    item.version += 1
    _apply(item, data, actor)
    audit_record(actor=actor, action="eservices.service_item.update", target=item, changes=changes)
    return item


def _review_url(item: ServiceItem) -> str:
    return reverse("eservices_manage:item_detail", args=[item.pk])


@transaction.atomic
def service_item_submit(
    *, actor: Any, item: ServiceItem, expected_version: int | None
) -> ServiceItem:
    """Send a draft for review: starts the review process, so it appears in the reviewers'
    unified inbox."""
    item = _lock(item)
    _require(actor, CHANGE_PERM, item.organisation)
    _check_version(item, expected_version)
    if not item.is_editable:
        raise Conflict(
            _("The item is %(status)s and cannot be submitted now.")
            % {"status": item.get_status_display()}
        )
    problems = check_item(item_input_of(item), item=item)
    if problems:
        raise _refuse(problems)
    workflow.instance_start(
        actor=actor,
        definition_key=REVIEW_PROCESS,
        owner_type=SUBJECT_TYPE,
        owner_id=item.pk,
        title=_("Publish service item: %(name)s") % {"name": item.name},
        url=_review_url(item),
        organisation=item.organisation,
        variables={"item_code": item.code},
    )
    before = item.status
    item.status = ServiceItem.Status.UNDER_REVIEW
    item.version += 1
    item.updated_by = actor if _is_account(actor) else None
    item.save(update_fields=["status", "version", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action="eservices.service_item.submit",
        target=item,
        changes={"status": [before, item.status]},
    )
    return item


@transaction.atomic
def service_item_take_offline(
    *, actor: Any, item: ServiceItem, expected_version: int | None, reason: str
) -> ServiceItem:
    """下线: a published item leaves the public catalogue (e.g. to be revised, or abolished)."""
    item = _lock(item)
    if actor is not None and not (
        account_has_perm_in(actor, CHANGE_PERM, item.organisation)
        or account_has_perm_in(actor, PUBLISH_PERM, item.organisation)
    ):
        raise PermissionDenied()
    _check_version(item, expected_version)
    reason = (reason or "").strip()
    if not reason or len(reason) > 1000 or "\x00" in reason:
        raise ValidationFailed(
            _("Say why the item is taken offline (at most 1000 characters)."),
            data={"field": "reason"},
        )
    if item.status != ServiceItem.Status.PUBLISHED:
        raise Conflict(_("Only a published item can be taken offline."))
    item.status = ServiceItem.Status.WITHDRAWN
    item.version += 1
    item.updated_by = actor if _is_account(actor) else None
    item.save(update_fields=["status", "version", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action="eservices.service_item.take_offline",
        target=item,
        changes={"status": ["published", "withdrawn"]},
        reason=reason,
    )
    return item


def item_input_of(item: ServiceItem) -> ItemInput:
    """The stored item as an ``ItemInput`` (to re-check it, or to start an edit from it)."""
    return ItemInput(
        **{name: getattr(item, name) for name in SCALAR_FIELDS},
        topics=list(item.topics.all()),
        life_events=list(item.life_events.all()),
        materials=[
            MaterialInput(
                name=m.name,
                form=m.form,
                required=m.required,
                copies=m.copies,
                notes=m.notes,
                blank_form=m.blank_form,
                sample=m.sample,
            )
            for m in item.materials.select_related("blank_form", "sample")
        ],
        fees=[
            FeeInput(name=f.name, amount=f.amount, basis=f.basis, unit=f.unit)
            for f in item.fees.all()
        ],
        faqs=[FaqInput(question=q.question, answer=q.answer) for q in item.faqs.all()],
        joint_organisations=list(item.joint_organisations.all()),
    )


# --------------------------------------------------------------------------- review process


def review_step(instance: ProcessInstance, task: Any, actor: Any) -> None:
    """The review process moved (registered as the subject type's ``on_step``; runs inside the
    workflow step's transaction, so a refusal here rolls the step back)."""
    item = (
        ServiceItem.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(pk=int(instance.owner_id))
        .first()
    )
    if item is None:
        raise NotFound()
    if item.status != ServiceItem.Status.UNDER_REVIEW:
        raise Conflict(_("The item is no longer under review."))
    if task is None:  # the submitter withdrew the process
        _review_end(item, actor, "recall", ServiceItem.Status.DRAFT, "")
        return
    if task.element_id != REVIEW_STEP or instance.status != ProcessInstance.Status.COMPLETED:
        return
    if not _is_account(actor) or not account_has_perm_in(actor, PUBLISH_PERM, item.organisation):
        raise PermissionDenied(
            _("You may not publish the service items of %(org)s.") % {"org": item.organisation.name}
        )
    if instance.initiator_id == actor.pk:
        raise PermissionDenied(_("You cannot review an item you submitted yourself."))
    if task.decision == "approve":
        _review_end(item, actor, "publish", ServiceItem.Status.PUBLISHED, task.opinion)
    else:
        _review_end(item, actor, "return", ServiceItem.Status.DRAFT, task.opinion)
    if instance.initiator_id and instance.initiator_id != actor.pk:
        published = item.status == ServiceItem.Status.PUBLISHED
        notify_send(
            recipients=[instance.initiator],
            subject=(_("Published: %(name)s") if published else _("Returned: %(name)s"))
            % {"name": item.name},
            body=(
                _("The service item is now in the public catalogue.")
                if published
                else _("Opinion of the reviewer: %(opinion)s") % {"opinion": task.opinion}
            ),
            link=_review_url(item),
            category="eservices.service_item",
            actor=actor,
        )


def _review_end(item: ServiceItem, actor: Any, verb: str, status: str, opinion: str) -> None:
    before = item.status
    item.status = status
    item.version += 1
    item.review_opinion = "" if verb == "publish" else opinion
    fields = ["status", "version", "review_opinion", "updated_at"]
    if verb == "publish":
        item.published_at = timezone.now()
        fields.append("published_at")
    item.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=f"eservices.service_item.{verb}",
        target=item,
        changes={"status": [before, status]},
        reason=opinion or "",
    )


@transaction.atomic
def review_process_setup(*, actor: Any = None, role_code: str | None = None) -> ProcessDefinition:
    """Deploy the review process shipped in ``bpmn/`` and assign its step to the reviewer role
    of the item's organisation. Idempotent: an unchanged diagram and an existing rule are left
    alone (an administrator's later choice of role is kept)."""
    definition = workflow.definition_deploy(
        actor=actor, bpmn_xml=REVIEW_BPMN.read_bytes(), filename=REVIEW_BPMN.name
    )
    if not definition.assignment_rules.filter(element_id=REVIEW_STEP).exists():
        workflow.assignment_rule_set(
            actor=actor,
            definition=definition,
            element_id=REVIEW_STEP,
            role_code=role_code or settings.ZHENGWU_ESERVICES_REVIEW_ROLE,
            organisation_scope="handling",
            limit_days=settings.ZHENGWU_ESERVICES_REVIEW_DAYS,
        )
    return definition


# --------------------------------------------------------------------------- Excel


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def catalogue_export(*, actor: Any, items: QuerySet[ServiceItem]) -> bytes:
    """Every field of ``items`` as .xlsx; recorded as a read (drafts are not public)."""
    content = spreadsheet.catalogue_workbook(items)
    audit_record(
        actor=actor,
        action="eservices.catalogue.export",
        is_read=True,
        object_type="eservices.serviceitem",
        object_repr=_("Exported %(count)s service items to Excel") % {"count": items.count()},
        reason=_("catalogue maintenance"),
    )
    return content


@transaction.atomic
def catalogue_import(*, actor: Any, upload: Any) -> ImportReport:
    """Create or update draft items by implementation code from a workbook of
    ``catalogue_export``'s shape. All or nothing: any problem in any row refuses the whole file
    with every problem listed (sheet, row, column, message)."""
    try:
        parsed = spreadsheet.read_catalogue(upload)
    except spreadsheet.WorkbookUnreadable:
        raise ValidationFailed(
            _("The file is not an Excel workbook (.xlsx) that can be read."), data={"errors": []}
        ) from None
    errors = list(parsed.errors)
    existing = {
        i.code: i
        for i in ServiceItem.objects.select_related("organisation").filter(
            code__in=[p.data.code for p in parsed.items]
        )
    }
    items_header = dict(spreadsheet.ITEM_COLUMNS)
    for p in parsed.items:
        item = existing.get(p.data.code)

        def bad(
            key: str,
            message: str,
            p: spreadsheet.ParsedItem = p,
            errors: list[spreadsheet.RowError] = errors,
        ) -> None:
            errors.append(
                spreadsheet.RowError(spreadsheet.SHEETS["items"], p.row, items_header[key], message)
            )

        for org in {o for o in (p.organisation, item.organisation if item else None) if o}:
            if actor is not None and not account_has_perm_in(actor, CHANGE_PERM, org):
                bad(
                    "organisation_code",
                    _("You may not maintain the service items of %(org)s.") % {"org": org.name},
                )
        if item is not None:
            if not item.is_editable:
                bad(
                    "code",
                    _("The item is %(status)s; take it offline before changing it.")
                    % {"status": item.get_status_display()},
                )
            current = item_input_of(item)
            files = {m.name: m for m in current.materials}
            for m in p.data.materials:
                if m.name in files:  # blank forms and samples stay with their material
                    m.blank_form, m.sample = files[m.name].blank_form, files[m.name].sample
            for section in ("materials", "fees", "faqs"):
                if section not in parsed.sections:
                    setattr(p.data, section, getattr(current, section))
            # not in the workbook: the licence type and joint departments stay as they are
            p.data.licence_type = current.licence_type
            p.data.joint_organisations = current.joint_organisations
        normalise(p.data)
        errors += [
            spreadsheet.problem_location(p, problem) for problem in check_item(p.data, item=item)
        ]
    if errors:
        errors.sort(
            key=lambda e: (
                list(spreadsheet.SHEETS.values()).index(e.sheet)
                if e.sheet in spreadsheet.SHEETS.values()
                else 9,
                e.row,
            )
        )
        raise ValidationFailed(
            _("Nothing was imported: %(count)s problem(s) in the workbook.")
            % {"count": len(errors)},
            data={"errors": [str(e) for e in errors]},
        )
    report = ImportReport()
    for p in parsed.items:
        item = existing.get(p.data.code)
        if item is None:
            service_item_create(actor=actor, organisation=p.organisation, data=p.data)
            report.created.append(p.data.code)
            continue
        version = item.version
        item = service_item_update(
            actor=actor, item=item, expected_version=None, data=p.data, organisation=p.organisation
        )
        (report.updated if item.version != version else report.unchanged).append(p.data.code)
    if report.created or report.updated:
        audit_record(
            actor=actor,
            action="eservices.catalogue.import",
            object_type="eservices.serviceitem",
            object_repr=_("Imported service items from Excel"),
            changes={"created": report.created, "updated": report.updated},
        )
    return report
