"""Commands on applications (办件): the ``actions`` of the case part of eservices.

Lifecycle (行政许可法; DESIGN.md "Domain rules")::

    draft ─submit→ submitted ─accept→ accepted → under_review ─decide→ approved/refused → concluded
                     │  ↑ resubmit            (suspend ⇄ resume: clock paused, Art. 45)
                     │  correction_requested (one notice listing every material, Art. 32)
                     └─not_accept→ not_accepted            any open state ─withdraw→ withdrawn

Every human step is a task of the case process (``bpmn/case_default.bpmn`` or the item's
``process_key``): the clerk's 受理 task, the reviewer's 审查, the leader's 决定. Staff may complete
them from the unified inbox or from the case page; either way ``case_step`` (the subject type's
``on_step``) applies the change to the application inside the workflow step's transaction.
补正 and 中止 keep the current task open (the engine refuses loops); ``case_step`` refuses to
complete it while the case waits for the applicant or the clock stands still.

Time limits (workdays deadlines, owner ``eservices.application``):
- ``acceptance``: 5 working days from receipt (or from the corrected resubmission). Not decided in
  time → accepted by operation of law from receipt (``deemed_acceptance_sweep``).
- ``statutory`` / ``promised``: from acceptance, the item's limits; paused by suspensions.
"""

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_record
from zhengwu.core.db.prepared import PreparedQuery
from zhengwu.core.db.rows import insert, update
from zhengwu.core.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from zhengwu.core.idempotency import clean_token, create_once
from zhengwu.directory.selectors import account_has_perm_in, organisations_where
from zhengwu.eservices import forms_schema
from zhengwu.eservices.models import (
    APPLICATION_OWNER_TYPE,
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    CorrectionNotice,
    JointOpinion,
    Material,
    Rating,
    ServiceItem,
    Suspension,
    SuspensionKind,
)
from zhengwu.eservices.uploads import (
    MATERIAL_PURPOSE,
    Received,
    refusal_text,
    uploads_discard,
    uploads_receive,
)
from zhengwu.files.actions import file_keep, file_store
from zhengwu.files.models import StoredFile
from zhengwu.files.types import preset
from zhengwu.identifiers.actions import case_number_next
from zhengwu.identifiers.validators import validate_credit_code, validate_resident_id
from zhengwu.notify.actions import notify_send
from zhengwu.workdays import actions as workdays
from zhengwu.workdays.models import Deadline
from zhengwu.workdays.selectors import add_working_days
from zhengwu.workflow import actions as workflow
from zhengwu.workflow.models import ProcessInstance, WorkTask

S = Application.Status
OWNER = APPLICATION_OWNER_TYPE
HANDLE_PERM = "eservices.handle_application"
DECIDE_PERM = "eservices.decide_application"
DEFAULT_PROCESS = "eservices_case_default"
JOINT_PROCESS = "eservices_case_joint"
RECTIFICATION_PROCESS = "eservices_rectification"
BPMN_DIR = Path(__file__).parent / "bpmn"
ACCEPTANCE_DAYS = 5  # 行政许可法 第32条
RECTIFICATION_DAYS = 5  # working days for the department to answer a bad rating
MAX_FILES_PER_MATERIAL = 10
REASON_MAX = 2000
REVIEW_NOTICE = (
    "如对本决定不服，可以自收到本决定之日起六十日内依法申请行政复议，"
    "或者自收到本决定之日起六个月内依法向人民法院提起行政诉讼。"
)


# ----------------------------------------------------------------------------- helpers


def _is_account(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _who(actor: Any) -> str:
    if not _is_account(actor):
        return _("the system")
    return getattr(actor, "display_name", "") or actor.get_username()


def query_code_digest(code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, code.strip().upper().encode(), hashlib.sha256).hexdigest()


def _new_query_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O/1/I: read out on the phone
    return "".join(secrets.choice(alphabet) for _i in range(8))


def _event(
    app: Application, actor: Any, kind: str, note: str = "", *, before: str = "", public=True
) -> ApplicationEvent:
    return insert(ApplicationEvent(
        application=app,
        at=timezone.now(),
        actor=actor if _is_account(actor) else None,
        actor_name=_who(actor),
        kind=kind,
        from_status=before,
        to_status=app.status if before and before != app.status else "",
        note=note[:REASON_MAX],
        public=public,
    ))  # fmt: skip


def _save(app: Application, *fields: str) -> None:
    app.version += 1
    update(app, ["status", "version", "updated_at", *fields])


def _lock(app: Application | int) -> Application:
    pk = app.pk if isinstance(app, Application) else app
    fresh = (
        Application.objects.select_for_update(of=("self",))
        .select_related("item", "handling_organisation", "applicant")
        .filter(pk=pk)
        .first()
    )
    if fresh is None:
        raise NotFound()
    return fresh


def _public_url(app: Application) -> str:
    return reverse("eservices:application_detail", args=[app.pk])


def _staff_url(app: Application) -> str:
    return reverse("cases:detail", args=[app.pk])


def _tell_applicant(app: Application, subject: str, body: str = "") -> None:
    """In-app message and SMS to the applicant at every change (counter cases: SMS is skipped)."""
    if app.applicant is None:
        return
    notify_send(
        recipients=[app.applicant],
        subject=subject % {"number": app.number or ""} if "%(number)s" in subject else subject,
        body=body or _("Case %(number)s: %(item)s") % {"number": app.number, "item": app.item.name},
        link=_public_url(app),
        channels=("inapp", "sms"),
        category="eservices.application",
    )


def _clean_reason(value: Any, message: str, field: str = "reason") -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationFailed(message, data={"field": field})
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            _("At most %(max)s characters.") % {"max": REASON_MAX}, data={"field": field}
        )
    return text


def may_handle_case(actor: Any, app: Application, perm: str = HANDLE_PERM) -> bool:
    if not _is_account(actor) or getattr(actor, "kind", "") != "staff":
        return False
    if account_has_perm_in(actor, perm, app.handling_organisation):
        return True
    # joint items: participating departments may see the case
    return JointOpinion.objects.filter(
        application=app, organisation__in=_orgs_with_perm(actor, perm)
    ).exists()


def _orgs_with_perm(actor: Any, perm: str) -> list[Any]:
    return list(organisations_where(actor, perm))


def _require_staff(actor: Any, app: Application, perm: str = HANDLE_PERM) -> None:
    if not (_is_account(actor) and account_has_perm_in(actor, perm, app.handling_organisation)):
        raise PermissionDenied(
            _("You may not handle the cases of %(org)s.") % {"org": app.handling_organisation.name}
        )


# ----------------------------------------------------------------------------- applicant side


@dataclass
class Applicant:
    kind: str
    name: str
    id_number: str


def applicant_of(account: Any) -> Applicant:
    """The real-name identity a public account applies as."""
    kind = getattr(account, "kind", "")
    if kind == "citizen":
        person = account.person
        return Applicant(
            "citizen",
            person.name if person else account.display_name,
            (person.id_number or "") if person else "",
        )
    if kind == "enterprise":
        ent = account.enterprise
        return Applicant("enterprise", ent.name, ent.credit_code)
    raise PermissionDenied(_("Only citizens and enterprises with a real-name account may apply."))


def _check_identity(kind: str, id_number: str) -> str:
    value = (id_number or "").strip().upper()
    if not value:
        raise ValidationFailed(
            _(
                "The applicant's ID number or credit code is missing; complete your real-name "
                "details first."
            ),
            data={"field": "applicant_id_number"},
        )
    try:
        (validate_resident_id if kind == "citizen" else validate_credit_code)(value)
    except ValidationError as exc:
        raise ValidationFailed(
            _("The application was refused: %(reason)s") % {"reason": exc.messages[0]},
            data={"field": "applicant_id_number"},
        ) from None
    return value


def _require_applicant(actor: Any, app: Application) -> None:
    if not _is_account(actor) or app.applicant_id != actor.pk:
        raise NotFound()


@transaction.atomic
def application_draft_create(
    *, actor: Any, item: ServiceItem, token: str | None = None
) -> Application:
    """Start a draft for ``item`` (a real-name public account). A replayed form returns the
    draft it created."""
    return _draft(actor, item, token, found=_found_draft(actor, item, token))[0]


def _drafts(applicant: int, item: int, token: str | None = None) -> QuerySet[Application]:
    mine = Q(applicant_id=applicant, item_id=item, status=S.DRAFT)
    rows = Application.objects.filter(Q(idempotency_key=token) | mine if token else mine)
    return rows.values_list("pk", "idempotency_key", "applicant_id")  # type: ignore[return-value]


# Every post of the application form asks first (compiled once: core.db.prepared).
_REPLAYED_OR_DRAFT = PreparedQuery[tuple[int, str | None, int]](
    _drafts, applicant=int, item=int, token=str
)
_OPEN_DRAFT = PreparedQuery[tuple[int, str | None, int]](_drafts, applicant=int, item=int)


def _found_draft(actor: Any, item: ServiceItem, token: str | None) -> int | None:
    """The id of the replayed form's case, or of the open draft for the item (one per item and
    applicant: "apply" again resumes it, from any device), or None. Only reads: a post may ask
    before its transaction, which then locks the case (``_draft``)."""
    token = clean_token(token)
    if token:
        found = _REPLAYED_OR_DRAFT.all(token=token, applicant=actor.pk, item=item.pk)
    else:
        found = _OPEN_DRAFT.all(applicant=actor.pk, item=item.pk)
    for pk, key, applicant_id in found:  # the replayed form's case first
        if token and key == token:
            if not _is_account(actor) or applicant_id != actor.pk:
                raise NotFound()
            return pk
    if not item.is_published:
        raise NotFound()
    if not item.form_schema and item.online_depth < 3:
        raise ValidationFailed(_("This item cannot be applied for online."))
    return found[0][0] if found else None


def _draft(
    actor: Any,
    item: ServiceItem,
    token: str | None,
    form: dict[str, Any] | None = None,
    who: Applicant | None = None,
    *,
    found: int | None,
) -> tuple[Application, bool]:
    """(draft, created): the case ``found`` by ``_found_draft``, locked, or a new one made with
    the ``form`` fields of ``Application`` given."""
    if found is not None:
        return _lock(found), False
    who = who or applicant_of(actor)
    values = {"contact_phone": getattr(actor, "mobile", "") or "", **(form or {})}
    app, created = create_once(
        Application,
        token,
        field="idempotency_key",
        item=item,
        handling_organisation=item.organisation,
        applicant=actor,
        applicant_kind=who.kind,
        applicant_name=who.name,
        applicant_id_number=who.id_number,
        **values,
    )
    if not created:  # a concurrent post of the same form made it
        return _lock(app), False
    _event(app, actor, "draft", public=False)
    audit_record(
        actor=actor, action="eservices.application.create", target=app, changes={"item": item.pk}
    )
    return app, True


@transaction.atomic
def application_draft_save(
    *,
    actor: Any,
    application: Application,
    form_data: dict[str, Any],
    contact_phone: str | None = None,
    expected_version: int | None = None,
) -> Application:
    """Keep the form as typed (no validation beyond shape: drafts may be incomplete)."""
    app = _lock(application)
    _require_applicant(actor, app)
    _require_editable(app)
    if expected_version is not None and int(expected_version) != app.version:
        raise Conflict(_("The application was changed elsewhere; reload the page."))
    _keep_form(app, form_data, contact_phone)
    return app


def _require_editable(app: Application) -> None:
    if app.status not in (S.DRAFT, S.CORRECTION_REQUESTED):
        raise Conflict(_("The application has been submitted and can no longer be edited."))


def _keep_form(app: Application, form_data: dict[str, Any], contact_phone: str | None) -> None:
    app.form_data = forms_schema.coerce(app.item.form_schema, form_data)
    if contact_phone is not None:
        app.contact_phone = str(contact_phone).strip()[:30]
    _save(app, "form_data", "contact_phone")


@transaction.atomic
def application_material_add(
    *, actor: Any, application: Application, material: Material, upload: UploadedFile
) -> ApplicationMaterial:
    """Attach one file to a material. A refused file (type, size) raises; the draft is kept."""
    app = _lock(application)
    if app.applicant_id is not None or not may_handle_case(actor, app):
        _require_applicant(actor, app)
    _require_editable(app)
    if material.item_id != app.item_id:
        raise NotFound()
    return _attach(actor, app, material, upload)


def _attach(
    actor: Any,
    app: Application,
    material: Material,
    upload: UploadedFile | StoredFile,
    count: int | None = None,
) -> ApplicationMaterial:
    """``upload``: a file as posted, or one received before the transaction (its row not kept
    yet). ``count``: the files the material has already, when the caller knows."""
    if count is None:
        count = ApplicationMaterial.objects.filter(application=app, material=material).count()
    if count >= MAX_FILES_PER_MATERIAL:
        raise ValidationFailed(
            _("At most %(n)s files per material.") % {"n": MAX_FILES_PER_MATERIAL},
            data={"field": f"material_{material.pk}"},
        )
    if isinstance(upload, StoredFile):
        stored = file_keep(actor=actor, stored=upload)
    else:
        try:
            stored = file_store(
                actor=actor, upload=upload, purpose=MATERIAL_PURPOSE, allowed_types=preset("scans")
            )
        except ValidationFailed as exc:
            raise ValidationFailed(
                refusal_text(material, str(exc.message)), data={"field": f"material_{material.pk}"}
            ) from None
    row = insert(ApplicationMaterial(
        application=app,
        material=material,
        material_name=material.name,
        file=stored,
        uploaded_by=actor if _is_account(actor) else None,
        correction_round=app.correction_count,
    ))  # fmt: skip
    audit_record(
        actor=actor,
        action="eservices.application.material_add",
        target=app,
        changes={"material": material.name, "file": str(stored.uuid)},
    )
    return row


@dataclass
class HandIn:
    """What one post of the applicant's form did: the case, the refused files by field name
    (``material_<id>``), the submission when one was asked for and made, or why it failed."""

    application: Application
    errors: dict[str, str]
    submitted: "Submitted | None" = None
    failure: ApplicationError | None = None


@dataclass
class _Post:
    """One post of the applicant's form as its transaction takes it: the files already received
    and, for a submission, the case process already worked out (both before the transaction)."""

    form_data: dict[str, Any]
    contact_phone: str | None
    received: Sequence[Received]
    submit: bool
    start: workflow.PreparedStart | None = None


def application_hand_in(
    *,
    actor: Any,
    application: Application | int,
    form_data: dict[str, Any],
    contact_phone: str | None = None,
    uploads: Sequence[tuple[int, UploadedFile]] = (),
    submit: bool = False,
) -> HandIn:
    """One post of the applicant's form: keep the form as typed, attach the files and, when asked
    and no file was refused, submit, in one transaction (the files are received before it). A
    refused file or a failed submission (``failure``) leaves the form and the accepted files
    saved: the draft is kept. A replayed submit of a case already submitted returns it as it is."""
    pk = application.pk if isinstance(application, Application) else application
    mine = (
        Application.objects.filter(pk=pk, applicant=actor)
        if _is_account(actor)
        else Application.objects.none()
    )
    materials = Material.objects.filter(item__in=mine.values("item_id"))
    post = _Post(form_data, contact_phone, uploads_receive(actor, materials, uploads), submit)
    if submit:
        item = (
            ServiceItem.objects.select_related("organisation")
            .filter(pk__in=mine.filter(status=S.DRAFT).values("item_id"))
            .first()
        )
        post.start = _prepared_start(actor, item) if item is not None else None
    return _with_received(post, lambda: _hand_in_draft(actor, pk, post))


@transaction.atomic
def _hand_in_draft(actor: Any, pk: int, post: _Post) -> HandIn:
    app = _lock(pk)
    _require_applicant(actor, app)
    return _hand_in(actor, app, post)


def application_apply(
    *,
    actor: Any,
    item: ServiceItem,
    token: str | None,
    form_data: dict[str, Any],
    contact_phone: str | None = None,
    uploads: Sequence[tuple[int, UploadedFile]] = (),
    submit: bool = False,
) -> HandIn:
    """The first post of an item's application form: the draft is made (or, for a replayed form
    or a draft already open for the item, found) and the post handed in, in one transaction; the
    files are received before it."""
    form = {"form_data": forms_schema.coerce(item.form_schema, form_data)}
    if contact_phone is not None:
        form["contact_phone"] = str(contact_phone).strip()[:30]
    who = applicant_of(actor)  # read before the transaction too
    found = _found_draft(actor, item, token)
    post = _Post(form_data, contact_phone, uploads_receive(actor, item.materials.all(), uploads),
                 submit, _prepared_start(actor, item) if submit else None)  # fmt: skip
    return _with_received(post, lambda: _apply(actor, item, token, form, who, found, post))


@transaction.atomic
def _apply(
    actor: Any, item: ServiceItem, token: str | None, form: dict[str, Any], who: Applicant,
    found: int | None, post: _Post,
) -> HandIn:  # fmt: skip
    app, created = _draft(actor, item, token, form, who, found=found)
    return _hand_in(actor, app, post, new=created)


def _prepared_start(actor: Any, item: ServiceItem) -> workflow.PreparedStart | None:
    """The case process of a first submission, worked out before the transaction (see
    ``workflow.instance_prepare``); None when it cannot be, and the submission, working it out
    again inside, reports why."""
    key = _process_key(item)
    try:
        return workflow.instance_prepare(actor=actor, definition_key=key,
                                         organisation=item.organisation,
                                         variables=_process_variables(item, key))  # fmt: skip
    except ApplicationError:
        return None


def _process_variables(item: ServiceItem, key: str) -> dict[str, Any]:
    if key != JOINT_PROCESS:
        return {}
    return {"departments": [item.organisation_id,
                            *item.joint_organisations.values_list("pk", flat=True)]}  # fmt: skip


def _with_received(post: _Post, hand_in: Callable[[], HandIn]) -> HandIn:
    """Run the post's transaction; afterwards delete the received files it did not keep."""
    try:
        result = hand_in()
    except BaseException:
        uploads_discard(post.received, rolled_back=True)
        raise
    uploads_discard(post.received, rolled_back=False)
    return result


def _hand_in(actor: Any, app: Application, post: _Post, *, new: bool = False) -> HandIn:
    """``new``: the draft was made by this post (so its form is kept and it has no files yet)."""
    if app.status not in (S.DRAFT, S.CORRECTION_REQUESTED):
        if post.submit:  # a double click or a retried post: the case as it is
            return HandIn(app, {}, Submitted(app, ""))
        _require_editable(app)
    if not new:
        _keep_form(app, post.form_data, post.contact_phone)
    materials = {m.pk: m for m in app.item.materials.all()}
    errors: dict[str, str] = {}
    attached: dict[int, int] | None = {} if new else None  # files per material, when known
    for upload in post.received:
        material = materials.get(upload.material.pk)
        if material is None:  # the item's materials changed since the files were received
            raise NotFound()
        field = f"material_{material.pk}"
        if upload.stored is None:
            errors[field] = upload.refusal
            continue
        count = None if attached is None else attached.get(material.pk, 0)
        try:
            with transaction.atomic():
                _attach(actor, app, material, upload.stored, count)
        except ApplicationError as exc:
            errors[field] = str(exc.message)
        else:
            if attached is not None:
                attached[material.pk] = (count or 0) + 1
    if not post.submit or errors:
        return HandIn(app, errors)
    have = None if attached is None else set(attached)
    try:
        with transaction.atomic():
            submitted = _checked_submit(app, actor, list(materials.values()), have, post.start)
            return HandIn(app, errors, submitted)
    except ApplicationError as exc:
        app.refresh_from_db()  # the savepoint rolled the submission back
        return HandIn(app, errors, failure=exc)


@transaction.atomic
def application_material_remove(*, actor: Any, application: Application, row_id: int) -> None:
    app = _lock(application)
    _require_applicant(actor, app)
    if app.status not in (S.DRAFT, S.CORRECTION_REQUESTED):
        raise Conflict(_("The application has been submitted and can no longer be edited."))
    row = ApplicationMaterial.objects.filter(application=app, pk=row_id).first()
    if row is None:
        raise NotFound()
    if app.status == S.CORRECTION_REQUESTED and row.correction_round < app.correction_count:
        raise Conflict(_("Files handed in before the correction notice stay on record."))
    row.delete()
    audit_record(
        actor=actor,
        action="eservices.application.material_remove",
        target=app,
        changes={"material": row.material_name},
    )


def _missing_materials(
    app: Application, materials: list[Material], have: set[int] | None = None
) -> list[str]:
    """Required materials without a file (``have``: the materials with files, when known)."""
    if have is None:
        rows = ApplicationMaterial.objects.filter(application=app)
        have = set(rows.values_list("material_id", flat=True))
    return [m.name for m in materials if m.required and m.pk not in have]


@dataclass
class Submitted:
    application: Application
    query_code: str  # shown once; "" when the case had been submitted before (a replay)


def _process_key(item: ServiceItem) -> str:
    if item.process_key:
        return item.process_key
    joint = getattr(item, "has_joint_organisations", None)  # annotated by item_to_apply
    if joint if joint is not None else item.joint_organisations.exists():
        return JOINT_PROCESS
    return DEFAULT_PROCESS


@transaction.atomic
def application_submit(*, actor: Any, application: Application) -> Submitted:
    """提交 (or resubmit after 补正). Validates the form and the required materials; the first
    submission numbers the case, makes the query code and starts the case process. A second
    click on the same draft returns the case as it is (no second number, no second process)."""
    app = _lock(application)
    _require_applicant(actor, app)
    if app.status not in (S.DRAFT, S.CORRECTION_REQUESTED):
        return Submitted(app, "")  # double submit: already done
    return _checked_submit(app, actor, list(app.item.materials.all()))


def _checked_submit(
    app: Application,
    actor: Any,
    materials: list[Material],
    have: set[int] | None = None,
    start: workflow.PreparedStart | None = None,
) -> Submitted:
    _check_identity(app.applicant_kind, app.applicant_id_number)
    forms_schema.validate(app.item.form_schema, app.form_data)
    missing = _missing_materials(app, materials, have)
    if missing:
        raise ValidationFailed(
            _("Upload the required materials: %(names)s") % {"names": "、".join(missing)},
            data={"field": "materials", "missing": missing},
        )
    if not app.item.is_published and app.status == S.DRAFT:
        raise Conflict(_("This item is no longer offered; the application cannot be submitted."))
    return _submit(app, actor, start)


def _submit(app: Application, actor: Any, start: workflow.PreparedStart | None = None) -> Submitted:
    now = timezone.now()
    today = timezone.localdate(now)
    before = app.status
    code = ""
    resubmission = before == S.CORRECTION_REQUESTED
    app.submit()
    app.received_at = now
    # 受理 clock: 5 working days from receipt; restarts on the corrected resubmission.
    if resubmission:
        workdays.deadline_close(owner_type=OWNER, owner_id=app.pk, label="acceptance", actor=actor)
    deadline = workdays.deadline_open(
        owner_type=OWNER,
        owner_id=app.pk,
        label="acceptance",
        start=today,
        working_days=ACCEPTANCE_DAYS,
        actor=actor,
    )
    app.acceptance_due = deadline.due_date
    # The number as late as it can be: on PostgreSQL its sequence row stays locked until the
    # commit, and what follows needs it.
    if not resubmission:
        app.submitted_at = now
        app.number = case_number_next(
            register="eservices.application",
            region_code=app.handling_organisation.region.code,
            on=today,
        )
        code = _new_query_code()
        app.query_code = query_code_digest(code)
    else:
        CorrectionNotice.objects.filter(application=app, resolved_at__isnull=True).update(
            resolved_at=now
        )
    saved = ("received_at", "submitted_at", "number", "query_code", "acceptance_due")
    if not resubmission:
        org = app.handling_organisation
        variables: dict[str, Any] = {}
        key = _process_key(app.item)
        if key == JOINT_PROCESS:
            depts = [org.pk, *app.item.joint_organisations.values_list("pk", flat=True)]
            variables["departments"] = depts
            JointOpinion.objects.bulk_create(
                [JointOpinion(application=app, organisation_id=d) for d in depts]
            )
        instance = workflow.instance_start(
            actor=actor,
            definition_key=key,
            owner_type=OWNER,
            owner_id=app.pk,
            title=f"{app.number} {app.item.name}（{app.applicant_name}）",
            organisation=org,
            url=_staff_url(app),
            variables=variables,
            prepared=start,
        )
        app.workflow_instance = instance
        _save(app, *saved, "workflow_instance")
        _event(app, actor, "submit", before=before)
        _tell_applicant(
            app,
            _("Application %(number)s received"),
            _(
                "Your application for %(item)s was received; the department decides within "
                "%(days)s working days whether to accept it."
            )
            % {"item": app.item.name, "days": ACCEPTANCE_DAYS},
        )
    else:
        _save(app, *saved)
        _event(app, actor, "resubmit", _("Corrected materials handed in."), before=before)
        _tell_applicant(app, _("Corrections to %(number)s received"))
        _tell_clerks(app, _("Corrections handed in: %(number)s") % {"number": app.number})
    audit_record(
        actor=actor,
        action="eservices.application.submit",
        target=app,
        changes={"status": [before, app.status], "number": app.number},
    )
    return Submitted(app, code)


def _tell_clerks(app: Application, subject: str) -> None:
    task = open_task(app)
    if task is None:
        return
    recipients = [a for a in (task.claimed_by, task.assignee) if a is not None]
    if recipients:
        notify_send(
            recipients=recipients,
            subject=subject,
            body=app.item.name,
            link=_staff_url(app),
            category="eservices.application",
        )


@transaction.atomic
def application_withdraw(*, actor: Any, application: Application, reason: str = "") -> Application:
    """撤回 by the applicant before a decision (the process is ended too)."""
    app = _lock(application)
    _require_applicant(actor, app)
    if app.status == S.WITHDRAWN:
        return app
    if app.status not in (
        S.DRAFT,
        S.SUBMITTED,
        S.CORRECTION_REQUESTED,
        S.ACCEPTED,
        S.UNDER_REVIEW,
        S.SUSPENDED,
    ):
        raise Conflict(_("A decided case cannot be withdrawn."))
    before = app.status
    app.withdraw()
    app.concluded_at = timezone.now()
    _save(app, "concluded_at")
    workdays.deadline_close(owner_type=OWNER, owner_id=app.pk, actor=actor)
    _end_process(app, actor, reason or _("withdrawn by the applicant"))
    _event(app, actor, "withdraw", reason, before=before)
    audit_record(
        actor=actor,
        action="eservices.application.withdraw",
        target=app,
        changes={"status": [before, app.status]},
        reason=reason,
    )
    return app


def _end_process(app: Application, actor: Any, reason: str) -> None:
    """Cancel what is left of the case process (a system step, not the initiator's 撤销)."""
    instance = app.workflow_instance
    if instance is None or instance.status != ProcessInstance.Status.RUNNING:
        return
    for task in WorkTask.objects.filter(instance=instance, status__in=WorkTask.ACTIVE):
        task.status = WorkTask.Status.CANCELLED
        task.save(update_fields=["status"])
        if task.limit_days is not None:
            workdays.deadline_close(owner_type="workflow.task", owner_id=task.pk, actor=actor)
    instance.status = ProcessInstance.Status.TERMINATED
    instance.ended_at = timezone.now()
    instance.save(update_fields=["status", "ended_at"])
    audit_record(
        actor=actor,
        action="workflow.instance.terminate",
        target=instance,
        changes={"status": "terminated"},
        reason=reason,
    )


# ----------------------------------------------------------------------------- staff side


def open_task(app: Application, element_id: str | None = None) -> WorkTask | None:
    if app.workflow_instance_id is None:
        return None
    qs = WorkTask.objects.filter(instance_id=app.workflow_instance_id, status__in=WorkTask.ACTIVE)
    if element_id:
        qs = qs.filter(element_id=element_id)
    return qs.order_by("pk").first()


def _my_task(actor: Any, app: Application, element_ids: tuple[str, ...]) -> WorkTask:
    tasks = WorkTask.objects.filter(
        instance_id=app.workflow_instance_id,
        status__in=WorkTask.ACTIVE,
        element_id__in=element_ids,
    ).select_related("instance")
    for task in tasks:
        if workflow.may_handle(actor, task):
            return task
    if tasks:
        raise PermissionDenied(_("This step of the case is not yours to handle."))
    raise Conflict(_("The case is not at this step (it may have been handled already)."))


@transaction.atomic
def application_accept(*, actor: Any, application: Application, opinion: str = "") -> Application:
    """受理: completes the 受理 task (``case_step`` does the rest)."""
    app = _lock(application)
    task = _my_task(actor, app, ("accept",))
    workflow.task_complete(actor=actor, task=task, decision="approve", opinion=opinion)
    app.refresh_from_db()
    return app


@transaction.atomic
def application_not_accept(
    *, actor: Any, application: Application, reason: str, legal_basis: str = ""
) -> Application:
    """不予受理 with the reason (and basis) written to the applicant."""
    app = _lock(application)
    reason = _clean_reason(reason, _("Give the reason why the application is not accepted."))
    if app.deemed_accepted:
        raise Conflict(
            _(
                "The application is accepted by law (行政许可法第三十二条): no decision "
                "on acceptance came within 5 working days."
            )
        )
    task = _my_task(actor, app, ("accept",))
    Application.objects.filter(pk=app.pk).update(legal_basis=legal_basis.strip()[:REASON_MAX])
    workflow.task_complete(actor=actor, task=task, decision="reject", opinion=reason)
    app.refresh_from_db()
    return app


@dataclass
class CorrectionItem:
    material_id: int | None
    name: str
    note: str


@transaction.atomic
def application_request_correction(
    *, actor: Any, application: Application, items: list[CorrectionItem], note: str = ""
) -> CorrectionNotice:
    """一次性告知补正: ONE notice naming every missing or wrong material, each with a note.
    The 受理 task stays open; the acceptance clock stops and restarts on resubmission."""
    app = _lock(application)
    _my_task(actor, app, ("accept",))
    if app.status != S.SUBMITTED:
        raise Conflict(_("Corrections can only be asked for before acceptance."))
    if app.deemed_accepted:
        raise Conflict(
            _(
                "The application is accepted by law (行政许可法第三十二条): no decision "
                "on acceptance came within 5 working days."
            )
        )
    if not items:
        raise ValidationFailed(_("Name at least one material to correct."), data={"field": "items"})
    materials = {m.pk: m for m in app.item.materials.all()}
    clean = []
    for it in items:
        if it.material_id is not None and it.material_id not in materials:
            raise NotFound()
        name = materials[it.material_id].name if it.material_id else it.name.strip()
        text = _clean_reason(
            it.note, _("Say what is missing or wrong for %(m)s.") % {"m": name}, field="items"
        )
        if not name:
            raise ValidationFailed(_("Name the material."), data={"field": "items"})
        clean.append({"material_id": it.material_id, "name": name[:200], "note": text})
    before = app.status
    app.request_correction()
    app.correction_count += 1
    app.acceptance_due = None
    _save(app, "correction_count", "acceptance_due")
    notice = CorrectionNotice.objects.create(
        application=app,
        round=app.correction_count,
        items=clean,
        note=note.strip()[:REASON_MAX],
        issued_at=timezone.now(),
        issued_by=actor,
    )
    workdays.deadline_close(owner_type=OWNER, owner_id=app.pk, label="acceptance", actor=actor)
    lines = "；".join(f"{c['name']}：{c['note']}" for c in clean)
    _event(app, actor, "correction", lines, before=before)
    audit_record(
        actor=actor,
        action="eservices.application.request_correction",
        target=app,
        changes={"status": [before, app.status], "items": clean},
    )
    _tell_applicant(
        app,
        _("Corrections needed for %(number)s"),
        _("Please correct and hand in again: %(lines)s") % {"lines": lines},
    )
    return notice


@transaction.atomic
def application_review(
    *, actor: Any, application: Application, recommend: str, opinion: str
) -> Application:
    """审查: the reviewer's (or a joint department's) opinion; approve = recommend approval."""
    app = _lock(application)
    task = _my_task(actor, app, ("review", "joint_review"))
    decision = "approve" if recommend == "approve" else "reject"
    workflow.task_complete(actor=actor, task=task, decision=decision, opinion=opinion)
    app.refresh_from_db()
    return app


@transaction.atomic
def application_decide(
    *,
    actor: Any,
    application: Application,
    approve: bool,
    reason: str,
    legal_basis: str,
    fee_charged: Any = None,
    fee_receipt_number: str = "",
) -> Application:
    """决定: 准予 or 不予许可, with reasons and legal basis (refusals tell how to seek review).
    An approval records the fee charged and its receipt number (``fees_check``); supervision's
    ``fee_differs`` rule compares it with the catalogue."""
    app = _lock(application)
    task = _my_task(actor, app, ("decide",))
    if not approve:
        reason = _clean_reason(reason, _("Give the reasons for the refusal."))
        legal_basis = _clean_reason(
            legal_basis, _("Give the legal basis of the refusal."), field="legal_basis"
        )
    fee, receipt = fees_check(app, approve, fee_charged, fee_receipt_number)
    Application.objects.filter(pk=app.pk).update(
        legal_basis=(legal_basis or app.item.legal_basis).strip()[:REASON_MAX],
        fee_charged=fee,
        fee_receipt_number=receipt,
    )
    workflow.task_complete(
        actor=actor, task=task, decision="approve" if approve else "reject", opinion=reason
    )
    app.refresh_from_db()
    if fee is not None:
        _event(app, actor, "fee", _("%(amount)s yuan, receipt %(receipt)s")
               % {"amount": fee, "receipt": receipt or "-"})  # fmt: skip
        audit_record(
            actor=actor,
            action="eservices.application.fee",
            target=app,
            changes={"fee_charged": str(fee), "fee_receipt_number": receipt},
        )
    return app


def fees_check(app: Application, approve: bool, amount: Any, receipt: str) -> tuple[Any, str]:
    """The fee of a decision: yuan with ≤ 2 decimals, ≥ 0; a fee above 0 needs the receipt
    (财政票据) number. Only approvals are charged (行政许可法 第58条: no fee unless a law or
    regulation sets one). The case page shows the catalogue total as a hint."""
    from decimal import Decimal, InvalidOperation

    receipt = str(receipt or "").strip()[:60]
    text = "" if amount is None else str(amount).strip()
    if not text:  # nothing typed (or decided in the inbox): no fee recorded
        return None, ""
    if not approve:
        raise ValidationFailed(_("No fee is charged for a refusal."), data={"field": "fee_charged"})
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value < 10**10 or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed(
            _("Enter the fee in yuan, 0 or more, with at most 2 decimals."),
            data={"field": "fee_charged"},
        )
    if value > 0 and not receipt:
        raise ValidationFailed(
            _("Enter the number of the fee receipt."), data={"field": "fee_receipt_number"}
        )
    return value.quantize(Decimal("0.01")), receipt


@transaction.atomic
def application_suspend(
    *, actor: Any, application: Application, kind: str, reason: str, on: date | None = None
) -> Suspension:
    """中止 (e.g. 专家评审, 听证): the statutory and promised clocks stand still (Art. 45)."""
    app = _lock(application)
    _require_staff(actor, app)
    if kind not in SuspensionKind.values:
        raise ValidationFailed(_("Choose the kind of suspension."), data={"field": "kind"})
    reason = _clean_reason(reason, _("Give the reason for the suspension."))
    if app.status == S.SUSPENDED:
        raise Conflict(_("The case is already suspended."))
    if app.status not in (S.ACCEPTED, S.UNDER_REVIEW):
        raise Conflict(_("Only an accepted case under review can be suspended."))
    day = on or timezone.localdate()
    before = app.status
    app.suspend()
    _save(app)
    for label in ("statutory", "promised"):
        if (
            Deadline.objects.open()
            .filter(owner_type=OWNER, owner_id=str(app.pk), label=label)
            .exists()
        ):
            workdays.deadline_suspend(
                owner_type=OWNER, owner_id=app.pk, label=label, on=day, reason=reason, actor=actor
            )
    row = Suspension.objects.create(
        application=app, kind=kind, reason=reason, started_on=day, started_by=actor
    )
    _event(app, actor, "suspend", f"{row.get_kind_display()}：{reason}", before=before)
    audit_record(
        actor=actor,
        action="eservices.application.suspend",
        target=app,
        changes={"status": [before, app.status], "kind": kind},
        reason=reason,
    )
    _tell_applicant(
        app,
        _("Case %(number)s suspended"),
        _("Suspended for %(kind)s: %(reason)s. This period does not count towards the time limit.")
        % {"kind": row.get_kind_display(), "reason": reason},
    )
    return row


@transaction.atomic
def application_resume(
    *, actor: Any, application: Application, note: str = "", on: date | None = None
) -> Application:
    app = _lock(application)
    _require_staff(actor, app)
    if app.status != S.SUSPENDED:
        raise Conflict(_("The case is not suspended."))
    day = on or timezone.localdate()
    row = (
        Suspension.objects.select_for_update()
        .filter(application=app, ended_on__isnull=True)
        .first()
    )
    if row is not None and day < row.started_on:
        raise ValidationFailed(_("The case cannot resume before it was suspended."))
    before = app.status
    app.resume()
    for label in ("statutory", "promised"):
        if (
            Deadline.objects.open()
            .filter(owner_type=OWNER, owner_id=str(app.pk), label=label, suspended_on__isnull=False)
            .exists()
        ):
            workdays.deadline_resume(
                owner_type=OWNER, owner_id=app.pk, label=label, on=day, actor=actor
            )
    _sync_dues(app)
    _save(app, "statutory_due", "promised_due")
    if row is not None:
        row.ended_on = day
        row.ended_by = actor
        row.save(update_fields=["ended_on", "ended_by"])
    _event(app, actor, "resume", note, before=before)
    audit_record(
        actor=actor,
        action="eservices.application.resume",
        target=app,
        changes={"status": [before, app.status]},
        reason=note,
    )
    _tell_applicant(app, _("Case %(number)s resumed"))
    return app


def _sync_dues(app: Application) -> None:
    for d in Deadline.objects.open().filter(owner_type=OWNER, owner_id=str(app.pk)):
        if d.label == "statutory":
            app.statutory_due = d.due_date
        elif d.label == "promised":
            app.promised_due = d.due_date
        elif d.label == "acceptance":
            app.acceptance_due = d.due_date


def deadlines_moved(deadlines: list[Deadline]) -> None:
    """workdays listener: a calendar change moved due dates; keep our copies in step."""
    ids = {int(d.owner_id) for d in deadlines if d.owner_type == OWNER and d.owner_id.isdigit()}
    for app in Application.objects.filter(pk__in=ids):
        _sync_dues(app)
        app.save(update_fields=["statutory_due", "promised_due", "acceptance_due"])


# ----------------------------------------------------------------------------- workflow hook


def case_step(instance: ProcessInstance, task: WorkTask | None, actor: Any) -> None:
    """``on_step`` of subject type ``eservices.application``: apply a completed step."""
    if instance.definition.key == RECTIFICATION_PROCESS:
        rectification_step(instance, task, actor)
        return
    app = _lock(int(instance.owner_id))
    if task is None:  # withdrawn by the initiator through the workflow
        if app.status in (S.SUBMITTED, S.CORRECTION_REQUESTED):
            before = app.status
            app.withdraw()
            app.concluded_at = timezone.now()
            _save(app, "concluded_at")
            workdays.deadline_close(owner_type=OWNER, owner_id=app.pk, actor=actor)
            _event(app, actor, "withdraw", before=before)
        return
    if app.status == S.CORRECTION_REQUESTED:
        raise Conflict(_("The case waits for the applicant's corrections."))
    if app.status == S.SUSPENDED:
        raise Conflict(_("The case is suspended; resume it first."))
    element = task.element_id
    if element == "accept":
        _step_accept(app, task, actor)
    elif element in ("review", "joint_review"):
        _step_review(app, task, actor)
    elif element == "decide":
        _step_decide(app, task, actor)


def _step_accept(app: Application, task: WorkTask, actor: Any) -> None:
    if app.status != S.SUBMITTED:
        raise Conflict(_("The case is not waiting for acceptance."))
    if not account_has_perm_in(actor, HANDLE_PERM, app.handling_organisation):
        raise PermissionDenied(
            _("You may not handle the cases of %(org)s.") % {"org": app.handling_organisation.name}
        )
    before = app.status
    now = timezone.now()
    workdays.deadline_close(owner_type=OWNER, owner_id=app.pk, label="acceptance", actor=actor)
    if task.decision != "approve":
        if app.deemed_accepted:
            raise Conflict(
                _("The application is accepted by law; it cannot be refused acceptance any more.")
            )
        app.not_accept()
        app.decision = "not_accepted"
        app.decision_reason = task.opinion
        app.decided_at = app.concluded_at = now
        _save(app, "decision", "decision_reason", "decided_at", "concluded_at")
        _event(app, actor, "not_accept", task.opinion, before=before)
        audit_record(
            actor=actor,
            action="eservices.application.not_accept",
            target=app,
            changes={"status": [before, app.status]},
            reason=task.opinion,
        )
        _tell_applicant(
            app,
            _("Application %(number)s not accepted"),
            _("Reason: %(reason)s. %(review)s") % {"reason": task.opinion, "review": REVIEW_NOTICE},
        )
        return
    _accept(app, actor, now, task.opinion)


def _accept(app: Application, actor: Any, now: Any, note: str) -> None:
    before = app.status
    app.accept()
    # Deemed acceptance counts from receipt (Art. 32); otherwise from today.
    app.accepted_at = app.received_at if app.deemed_accepted else now
    start = timezone.localdate(app.accepted_at)
    item = app.item
    if item.statutory_limit_days is not None:
        app.statutory_due = workdays.deadline_open(
            owner_type=OWNER,
            owner_id=app.pk,
            label="statutory",
            start=start,
            working_days=item.statutory_limit_days,
            actor=actor,
        ).due_date
    app.promised_due = workdays.deadline_open(
        owner_type=OWNER,
        owner_id=app.pk,
        label="promised",
        start=start,
        working_days=item.promised_limit_days,
        actor=actor,
    ).due_date
    app.acceptance_due = None
    _save(app, "accepted_at", "statutory_due", "promised_due", "acceptance_due")
    _event(app, actor, "accept", note, before=before)
    before = app.status
    app.start_review()
    _save(app)
    audit_record(
        actor=actor,
        action="eservices.application.accept",
        target=app,
        changes={"status": ["submitted", app.status], "promised_due": app.promised_due},
    )
    _tell_applicant(
        app,
        _("Application %(number)s accepted"),
        _("Accepted. The department decides by %(date)s at the latest.")
        % {"date": (app.promised_due or app.statutory_due or "").__str__()},
    )


def _step_review(app: Application, task: WorkTask, actor: Any) -> None:
    if app.status not in (S.ACCEPTED, S.UNDER_REVIEW):
        raise Conflict(_("The case is not under review."))
    verdict = "agree" if task.decision == "approve" else "disagree"
    if task.element_id == "joint_review" and task.candidate_organisation_id:
        JointOpinion.objects.filter(
            application=app, organisation_id=task.candidate_organisation_id
        ).update(verdict=verdict, note=task.opinion, given_at=timezone.now(), given_by=actor)
    label = _("recommends approval") if verdict == "agree" else _("recommends refusal")
    _event(app, actor, "review", f"{label}。{task.opinion}".strip("。"), public=False)
    audit_record(
        actor=actor,
        action="eservices.application.review",
        target=app,
        changes={"recommendation": verdict},
        reason=task.opinion,
    )


def _step_decide(app: Application, task: WorkTask, actor: Any) -> None:
    if app.status not in (S.ACCEPTED, S.UNDER_REVIEW):
        raise Conflict(_("The case is not waiting for a decision."))
    if not account_has_perm_in(actor, DECIDE_PERM, app.handling_organisation):
        raise PermissionDenied(
            _("You may not decide the cases of %(org)s.") % {"org": app.handling_organisation.name}
        )
    before = app.status
    now = timezone.now()
    approved = task.decision == "approve"
    if approved:
        app.approve()
        app.decision = "approved"
    else:
        if not task.opinion:
            raise ValidationFailed(_("Give the reasons for the refusal."))
        app.refuse()
        app.decision = "refused"
    app.decision_reason = task.opinion
    if not app.legal_basis:
        app.legal_basis = app.item.legal_basis
    app.decided_at = now
    _save(app, "decision", "decision_reason", "legal_basis", "decided_at")
    _event(app, actor, "approve" if approved else "refuse", task.opinion, before=before)
    audit_record(
        actor=actor,
        action=f"eservices.application.{app.decision[:-1]}",
        target=app,
        changes={"status": [before, app.status]},
        reason=task.opinion,
    )
    if approved and app.item.licence_type:
        _issue_licence(app, actor)
    _conclude(app, actor)


def _issue_licence(app: Application, actor: Any) -> None:
    from zhengwu.licences.actions import licence_issue

    item = app.item
    fields = {k: str(v) for k, v in (app.form_data or {}).items() if not isinstance(v, dict | list)}
    fields.setdefault("item", item.name)
    fields.setdefault("case_number", app.number or "")
    licence = licence_issue(
        actor=actor,
        licence_type=item.licence_type,
        holder_name=app.applicant_name,
        holder_id_number=app.applicant_id_number,
        issuing_organisation=app.handling_organisation,
        fields=fields,
        valid_from=timezone.localdate(),
        valid_until=None,
        owner_type=OWNER,
        owner_id=app.pk,
        holder_account=app.applicant,
    )
    app.licence_number = licence.number
    app.save(update_fields=["licence_number"])
    _event(app, actor, "licence", _("Licence %(n)s issued.") % {"n": licence.number})


def _conclude(app: Application, actor: Any) -> None:
    before = app.status
    app.conclude()
    app.concluded_at = timezone.now()
    _save(app, "concluded_at")
    workdays.deadline_close(owner_type=OWNER, owner_id=app.pk, actor=actor)
    _event(app, actor, "conclude", before=before)
    if app.decision == "approved":
        body = _("Approved. %(licence)s") % {
            "licence": _("Download the licence from the case page.") if app.licence_number else ""
        }
    else:
        body = _("Refused. Reasons: %(reason)s. Legal basis: %(basis)s. %(review)s") % {
            "reason": app.decision_reason,
            "basis": app.legal_basis,
            "review": REVIEW_NOTICE,
        }
    _tell_applicant(app, _("Case %(number)s concluded"), body)


# ----------------------------------------------------------------------------- 32: deemed


@transaction.atomic
def deemed_acceptance_sweep(*, today: date | None = None) -> list[int]:
    """行政许可法 第32条: submitted cases whose 5-day acceptance limit passed without a decision
    are accepted by law from receipt. The 受理 task stays (the clerk still registers it) but may
    no longer refuse acceptance or ask for corrections; the time limits run from receipt."""
    today = today or timezone.localdate()
    ids = list(
        Application.objects.filter(
            status=S.SUBMITTED, deemed_accepted=False, acceptance_due__lt=today
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        app = _lock(pk)
        app.deemed_accepted = True
        _save(app, "deemed_accepted")
        _event(
            app,
            None,
            "deemed_accepted",
            _(
                "No decision on acceptance within 5 working days: accepted by law from the day "
                "of receipt (行政许可法第三十二条)."
            ),
        )
        audit_record(
            actor=None,
            action="eservices.application.deemed_accept",
            target=app,
            changes={"deemed_accepted": [False, True]},
        )
    return ids


# ----------------------------------------------------------------------------- 好差评


@transaction.atomic
def application_rate(
    *, actor: Any, application: Application, level: int, comment: str = ""
) -> Rating:
    """好差评 once per concluded case. 不满意 / 非常不满意 open a rectification task."""
    app = _lock(application)
    _require_applicant(actor, app)
    if app.status != S.CONCLUDED:
        raise Conflict(_("A case can be rated once it is concluded."))
    if Rating.objects.filter(application=app).exists():
        raise Conflict(_("You have already rated this case."))
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = 0
    if not 1 <= level <= 5:
        raise ValidationFailed(_("Choose a rating."), data={"field": "level"})
    comment = str(comment or "").strip()[:REASON_MAX]
    if level <= Rating.BAD and not comment:
        raise ValidationFailed(_("Please tell us what went wrong."), data={"field": "comment"})
    rating = Rating.objects.create(application=app, level=level, comment=comment)
    _event(app, actor, "rating", rating.get_level_display())
    audit_record(
        actor=actor, action="eservices.application.rate", target=app, changes={"level": level}
    )
    if rating.is_bad:
        rating.rectification_due = add_working_days(timezone.localdate(), RECTIFICATION_DAYS)
        rating.save(update_fields=["rectification_due"])
        _rectification_notify(app, rating)
    return rating


def _rectification_notify(app: Application, rating: Rating) -> None:
    task = open_rectification_task(app)  # started by the supervision-independent process
    if task is None:
        instance = workflow.instance_start(
            actor=None,
            definition_key=RECTIFICATION_PROCESS,
            owner_type=OWNER,
            owner_id=app.pk,
            title=_("Rectify: bad rating of %(n)s") % {"n": app.number},
            organisation=app.handling_organisation,
            url=_staff_url(app),
        )
        task = WorkTask.objects.filter(instance=instance, status__in=WorkTask.ACTIVE).first()
    rating.rectification_task = task
    rating.save(update_fields=["rectification_task"])


def open_rectification_task(app: Application) -> WorkTask | None:
    return WorkTask.objects.filter(
        instance__owner_type=OWNER,
        instance__owner_id=str(app.pk),
        instance__definition__key=RECTIFICATION_PROCESS,
        status__in=WorkTask.ACTIVE,
    ).first()


@transaction.atomic
def rating_respond(*, actor: Any, application: Application, response: str) -> Rating:
    """The department's rectification answer (completes the task; the applicant sees it)."""
    app = _lock(application)
    rating = Rating.objects.select_for_update().filter(application=app).first()
    if rating is None or not rating.is_bad:
        raise NotFound()
    if rating.responded_at:
        raise Conflict(_("The rectification has already been answered."))
    response = _clean_reason(response, _("Describe the rectification."), field="response")
    task = open_rectification_task(app)
    if task is None or not workflow.may_handle(actor, task):
        _require_staff(actor, app)
    rating.rectification_response = response
    rating.responded_at = timezone.now()
    rating.responded_by = actor
    rating.save(update_fields=["rectification_response", "responded_at", "responded_by"])
    if task is not None:
        workflow.task_complete(actor=actor, task=task, decision="approve", opinion=response)
    _event(app, actor, "rectification", response)
    audit_record(
        actor=actor,
        action="eservices.rating.respond",
        target=app,
        changes={"responded": True},
        reason=response,
    )
    _tell_applicant(app, _("Response to your rating of %(number)s"), response)
    return rating


def rectification_step(instance: ProcessInstance, task: WorkTask | None, actor: Any) -> None:
    """Completing the rectification task from the inbox records its opinion as the response."""
    if task is None:
        return
    rating = Rating.objects.filter(application_id=int(instance.owner_id)).first()
    if rating is not None and not rating.responded_at and task.opinion:
        rating.rectification_response = task.opinion
        rating.responded_at = timezone.now()
        rating.responded_by = actor
        rating.save(update_fields=["rectification_response", "responded_at", "responded_by"])


# ----------------------------------------------------------------------------- setup


def case_processes_setup(*, actor: Any = None) -> None:
    """Deploy the case processes shipped in ``bpmn/`` (idempotent)."""
    names = ("case_default.bpmn", "case_joint.bpmn", "rectification.bpmn",
             "extension.bpmn", "extension_joint.bpmn")  # fmt: skip
    for name in names:
        path = BPMN_DIR / name
        workflow.definition_deploy(actor=actor, bpmn_xml=path.read_bytes(), filename=name)
