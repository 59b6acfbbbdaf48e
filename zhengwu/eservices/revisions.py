"""Revision drafts of published items (修订): edit a published item without taking it offline.

Editing a published item saves a **revision** (``ItemRevision``) beside it; the public guide,
the search index and new applications keep using the published content. The revision goes
through the same review as a new item (the ``eservices_item_review`` process, in the unified
inbox, subject type ``eservices.item_revision``); on approval its content replaces the item's in
place (``actions._apply``: same id and code, materials matched by name so cases keep their
material ids), the item's version goes up and ``published_at`` is renewed. A returned revision
goes back to draft with the opinion. One open revision (draft or under review) per item.
Every step is audited on the item (``eservices.service_item.revision_*``, ``…revise``).
"""

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_record, changes_between
from zhengwu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhengwu.directory.models import Organisation
from zhengwu.directory.selectors import account_has_perm_in
from zhengwu.eservices import actions
from zhengwu.eservices.models import ItemRevision, LifeEvent, ServiceItem, Topic
from zhengwu.eservices.rules import (
    FaqInput,
    FeeInput,
    ItemInput,
    MaterialInput,
    check_item,
    normalise,
)
from zhengwu.files.models import StoredFile
from zhengwu.notify.actions import notify_send
from zhengwu.workflow import actions as workflow
from zhengwu.workflow.models import ProcessInstance

SUBJECT_TYPE = "eservices.item_revision"
R = ItemRevision.Status


# ----------------------------------------------------------------------------- (de)serialising


def dump(data: ItemInput, organisation_id: int) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(data, name) for name in actions.SCALAR_FIELDS}
    out["organisation"] = organisation_id
    out["topics"] = [t.pk for t in data.topics]
    out["life_events"] = [e.pk for e in data.life_events]
    out["joint_organisations"] = [o.pk for o in data.joint_organisations]
    out["materials"] = [
        {"name": m.name, "form": m.form, "required": m.required, "copies": m.copies,
         "notes": m.notes, "blank_form": actions._file_id(m.blank_form) or None,
         "sample": actions._file_id(m.sample) or None}
        for m in data.materials
    ]  # fmt: skip
    out["fees"] = [
        {"name": f.name, "amount": str(f.amount), "unit": f.unit, "basis": f.basis}
        for f in data.fees
    ]
    out["faqs"] = [{"question": q.question, "answer": q.answer} for q in data.faqs]
    return out


def load(d: dict[str, Any]) -> tuple[ItemInput, Organisation]:
    """The stored revision as input again (rows that disappeared meanwhile are left out)."""

    def rows(model: Any, pks: list[int]) -> list[Any]:
        found = model.objects.in_bulk(pks)
        return [found[pk] for pk in pks if pk in found]

    uuids = [u for m in d.get("materials", []) for u in (m["blank_form"], m["sample"]) if u]
    files = {str(f.uuid): f for f in StoredFile.objects.filter(uuid__in=uuids)}
    data = ItemInput(
        **{name: d.get(name) for name in actions.SCALAR_FIELDS},
        topics=rows(Topic, d.get("topics", [])),
        life_events=rows(LifeEvent, d.get("life_events", [])),
        joint_organisations=rows(Organisation, d.get("joint_organisations", [])),
        materials=[
            MaterialInput(
                name=m["name"],
                form=m["form"],
                required=m["required"],
                copies=m["copies"],
                notes=m["notes"],
                blank_form=files.get(m["blank_form"] or ""),
                sample=files.get(m["sample"] or ""),
            )
            for m in d.get("materials", [])
        ],
        fees=[
            FeeInput(name=f["name"], amount=Decimal(f["amount"]), unit=f["unit"], basis=f["basis"])
            for f in d.get("fees", [])
        ],
        faqs=[FaqInput(question=q["question"], answer=q["answer"]) for q in d.get("faqs", [])],
    )
    organisation = Organisation.objects.filter(pk=d.get("organisation")).first()
    if organisation is None:
        raise NotFound()
    return data, organisation


# ----------------------------------------------------------------------------- reads


def open_revision(item: ServiceItem) -> ItemRevision | None:
    return item.revisions.filter(status__in=ItemRevision.OPEN).first()


def revision_input(item: ServiceItem) -> tuple[ItemInput, Organisation, ItemRevision | None]:
    """What the editor of a published item starts from: the open revision, else the item."""
    rev = open_revision(item)
    if rev is not None:
        data, org = load(rev.data)
        return data, org, rev
    return actions.item_input_of(item), item.organisation, None


# ----------------------------------------------------------------------------- commands


def _lock_revision(revision: ItemRevision) -> ItemRevision:
    fresh = (
        ItemRevision.objects.select_for_update(of=("self",))
        .select_related("item__organisation")
        .filter(pk=revision.pk)
        .first()
    )
    if fresh is None:
        raise NotFound()
    return fresh


def _stale() -> Conflict:
    return Conflict(
        _(
            "Someone else saved this revision after you opened it. Your changes were not "
            "saved: reopen the item and make them again."
        )
    )


@transaction.atomic
def item_revision_save(
    *,
    actor: Any,
    item: ServiceItem,
    expected_version: int | None,
    data: ItemInput,
    organisation: Organisation | None = None,
) -> ItemRevision:
    """Save the edit of a published item as its revision draft (the item itself is untouched).
    ``expected_version``: the revision's version (or the item's, when no revision is open yet)."""
    item = actions._lock(item)
    actions._require(actor, actions.CHANGE_PERM, item.organisation)
    target = organisation or item.organisation
    if target.pk != item.organisation_id:
        actions._require(actor, actions.CHANGE_PERM, target)
        if not target.is_active:
            raise ValidationFailed(
                _("The organisation is no longer in use."), data={"field": "organisation"}
            )
    if not item.is_published:
        raise Conflict(_("Only a published item is revised; edit this item directly."))
    rev = item.revisions.select_for_update().filter(status__in=ItemRevision.OPEN).first()
    if rev is not None and rev.status == R.UNDER_REVIEW:
        raise Conflict(_("The revision is under review and cannot be changed now."))
    current = rev.version if rev is not None else item.version
    if expected_version is not None and int(expected_version) != current:
        raise _stale()
    data = normalise(data)
    problems = check_item(data, item=item, organisation=target)
    if problems:
        raise actions._refuse(problems)
    new = dump(data, target.pk)
    old = rev.data if rev is not None else dump(actions.item_input_of(item), item.organisation_id)
    changes = changes_between(old, new)
    if not changes:
        if rev is None:
            raise ValidationFailed(_("Nothing was changed compared with the published item."))
        return rev
    who = actor if actions._is_account(actor) else None
    if rev is None:
        try:
            with transaction.atomic():
                rev = ItemRevision.objects.create(
                    item=item, data=new, base_version=item.version, created_by=who, updated_by=who
                )
        except IntegrityError:  # a concurrent first save
            raise _stale() from None
    else:
        rev.data, rev.updated_by = new, who
        rev.version += 1
        rev.save(update_fields=["data", "version", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action="eservices.service_item.revision_save",
        target=item,
        changes=changes,
    )
    return rev


@transaction.atomic
def item_revision_submit(
    *, actor: Any, revision: ItemRevision, expected_version: int | None
) -> ItemRevision:
    """Send the revision for review (reviewers see it in the unified inbox)."""
    rev = _lock_revision(revision)
    item = rev.item
    actions._require(actor, actions.CHANGE_PERM, item.organisation)
    if expected_version is not None and int(expected_version) != rev.version:
        raise _stale()
    if rev.status != R.DRAFT:
        raise Conflict(_("Only a revision draft can be submitted."))
    if not item.is_published:
        raise Conflict(_("Only a published item is revised; edit this item directly."))
    data, org = load(rev.data)
    problems = check_item(normalise(data), item=item, organisation=org)
    if problems:
        raise actions._refuse(problems)
    instance = workflow.instance_start(
        actor=actor,
        definition_key=actions.REVIEW_PROCESS,
        owner_type=SUBJECT_TYPE,
        owner_id=rev.pk,
        title=_("Publish the revision of service item: %(name)s") % {"name": item.name},
        url=reverse("eservices_manage:item_detail", args=[item.pk]),
        organisation=item.organisation,
        variables={"item_code": item.code},
    )
    rev.status, rev.workflow_instance = R.UNDER_REVIEW, instance
    rev.version += 1
    rev.save(update_fields=["status", "workflow_instance", "version", "updated_at"])
    audit_record(
        actor=actor,
        action="eservices.service_item.revision_submit",
        target=item,
        changes={"revision": rev.pk, "status": [R.DRAFT, R.UNDER_REVIEW]},
    )
    return rev


@transaction.atomic
def item_revision_discard(*, actor: Any, revision: ItemRevision) -> ItemRevision:
    rev = _lock_revision(revision)
    actions._require(actor, actions.CHANGE_PERM, rev.item.organisation)
    if rev.status != R.DRAFT:
        raise Conflict(_("Only a revision draft can be discarded."))
    rev.status = R.DISCARDED
    rev.version += 1
    rev.save(update_fields=["status", "version", "updated_at"])
    audit_record(
        actor=actor,
        action="eservices.service_item.revision_discard",
        target=rev.item,
        changes={"revision": rev.pk, "status": [R.DRAFT, R.DISCARDED]},
    )
    return rev


def revision_step(instance: ProcessInstance, task: Any, actor: Any) -> None:
    """``on_step`` of subject type ``eservices.item_revision`` (inside the workflow step's
    transaction: a refusal here rolls the step back)."""
    rev = (
        ItemRevision.objects.select_for_update(of=("self",))
        .filter(pk=int(instance.owner_id))
        .first()
    )
    if rev is None:
        raise NotFound()
    if rev.status != R.UNDER_REVIEW:
        raise Conflict(_("The revision is no longer under review."))
    item = actions._lock(rev.item)
    if task is None:  # the submitter withdrew it
        rev.status = R.DRAFT
        rev.version += 1
        rev.save(update_fields=["status", "version", "updated_at"])
        return
    if (
        task.element_id != actions.REVIEW_STEP
        or instance.status != ProcessInstance.Status.COMPLETED
    ):
        return
    if not actions._is_account(actor) or not account_has_perm_in(
        actor, actions.PUBLISH_PERM, item.organisation
    ):
        raise PermissionDenied(
            _("You may not publish the service items of %(org)s.") % {"org": item.organisation.name}
        )
    if instance.initiator_id == actor.pk:
        raise PermissionDenied(_("You cannot review an item you submitted yourself."))
    rev.version += 1
    if task.decision == "approve":
        if not item.is_published:
            raise Conflict(_("The item is no longer published; the revision cannot replace it."))
        data, org = load(rev.data)
        data = normalise(data)
        problems = check_item(data, item=item, organisation=org)
        if problems:
            raise actions._refuse(problems)
        before = actions._item_state(item)
        item.organisation = org
        item.version += 1
        item.published_at = timezone.now()
        item.review_opinion = ""
        actions._apply(item, data, actor)
        changes = changes_between(before, actions._item_state(item))
        rev.status, rev.review_opinion = R.APPROVED, ""
        rev.save(update_fields=["status", "version", "review_opinion", "updated_at"])
        audit_record(
            actor=actor,
            action="eservices.service_item.revise",
            target=item,
            changes={"revision": rev.pk, **changes},
            reason=task.opinion or "",
        )
    else:
        rev.status, rev.review_opinion = R.DRAFT, task.opinion or ""
        rev.save(update_fields=["status", "version", "review_opinion", "updated_at"])
        audit_record(
            actor=actor,
            action="eservices.service_item.revision_return",
            target=item,
            changes={"revision": rev.pk, "status": [R.UNDER_REVIEW, R.DRAFT]},
            reason=task.opinion or "",
        )
    if instance.initiator_id and instance.initiator_id != actor.pk:
        approved = rev.status == R.APPROVED
        notify_send(
            recipients=[instance.initiator],
            subject=(
                _("Revision published: %(name)s") if approved else _("Revision returned: %(name)s")
            )
            % {"name": item.name},
            body=task.opinion or item.name,
            link=reverse("eservices_manage:item_detail", args=[item.pk]),
            category="eservices.service_item",
            actor=actor,
        )


def resolve(owner_id: str) -> tuple[str, str] | None:
    rev = (
        ItemRevision.objects.filter(pk=int(owner_id)).select_related("item").first()
        if owner_id.isdigit()
        else None
    )
    if rev is None:
        return None
    return (
        _("Revision of %(name)s") % {"name": rev.item.name},
        reverse("eservices_manage:item_detail", args=[rev.item_id]),
    )
