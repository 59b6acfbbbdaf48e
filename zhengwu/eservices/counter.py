"""窗口收件: a clerk registers an in-person application for a citizen or an enterprise.

The applicant has no account (``applicant`` None, ``channel`` counter): the clerk types the
identity (checked with ``identifiers``: GB 11643 resident ID or GB 32100 credit code), the form
and scans of the materials; the case is then submitted through the same path as online ones
(number, query code, acceptance clock, case process), so it proceeds exactly like them. The
query code is shown once, on the printed receipt (回执); the applicant follows the case with
number + code on the public query page, and finds licences through the real-name match.

Everything happens in one transaction: any refusal (identity, form, missing material, file
type) leaves nothing behind. A replayed form (same idempotency token) returns the case made by
the first submission, without its query code.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_record
from zhengwu.core.errors import NotFound, PermissionDenied, ValidationFailed
from zhengwu.core.idempotency import clean_token, create_once, once
from zhengwu.directory.selectors import account_has_perm_in, organisations_where
from zhengwu.eservices import cases, forms_schema
from zhengwu.eservices.models import (
    ApplicantKind,
    Application,
    ApplicationChannel,
    ServiceItem,
)

PHONE_CHARS = set("0123456789-+ ")


@dataclass
class CounterApplicant:
    kind: str  # citizen | enterprise
    name: str
    id_number: str
    contact_phone: str = ""


@dataclass
class CounterInput:
    applicant: CounterApplicant
    form_data: dict[str, Any]
    # material id → the scanned files handed in for it
    files: dict[int, list[UploadedFile]] = field(default_factory=dict)


def counter_items(actor: Any) -> Any:
    """Published items of the departments where the clerk handles cases."""
    orgs = organisations_where(actor, cases.HANDLE_PERM)
    return (
        ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED, organisation__in=orgs)
        .select_related("organisation")
        .order_by("organisation__sort_path", "name")
    )


def _check_applicant(who: CounterApplicant) -> CounterApplicant:
    if who.kind not in ApplicantKind.values:
        raise ValidationFailed(
            _("Choose whether the applicant is an individual or a legal entity."),
            data={"field": "applicant_kind"},
        )
    name = (who.name or "").strip()
    if not name:
        raise ValidationFailed(_("Enter the applicant's name."), data={"field": "applicant_name"})
    if len(name) > 200:
        raise ValidationFailed(
            _("At most %(max)s characters.") % {"max": 200}, data={"field": "applicant_name"}
        )
    id_number = cases._check_identity(who.kind, who.id_number)
    phone = (who.contact_phone or "").strip()
    if len(phone) > 30 or not set(phone) <= PHONE_CHARS:
        raise ValidationFailed(
            _("Enter a telephone number (digits, spaces, + and - only)."),
            data={"field": "contact_phone"},
        )
    return CounterApplicant(who.kind, name, id_number, phone)


@transaction.atomic
def counter_register(
    *, actor: Any, item: ServiceItem, data: CounterInput, token: str | None = None
) -> cases.Submitted:
    """Register and submit an in-person application; returns the case and its query code."""
    token = clean_token(token)
    if (existing := once(Application, token, field="idempotency_key")) is not None:
        if existing.channel != ApplicationChannel.COUNTER or not cases.may_handle_case(
            actor, existing
        ):
            raise NotFound()
        return cases.Submitted(existing, "")
    if not item.is_published:
        raise NotFound()
    if not account_has_perm_in(actor, cases.HANDLE_PERM, item.organisation):
        raise PermissionDenied(
            _("You may not handle the cases of %(org)s.") % {"org": item.organisation.name}
        )
    who = _check_applicant(data.applicant)
    form_data = forms_schema.coerce(item.form_schema, data.form_data)
    forms_schema.validate(item.form_schema, form_data)
    materials = {m.pk: m for m in item.materials.all()}
    if any(pk not in materials for pk in data.files):
        raise NotFound()
    missing = [m.name for m in materials.values() if m.required and not data.files.get(m.pk)]
    if missing:
        raise ValidationFailed(
            _("Upload the required materials: %(names)s") % {"names": "、".join(missing)},
            data={"field": "materials", "missing": missing},
        )
    app, created = create_once(
        Application,
        token,
        field="idempotency_key",
        item=item,
        handling_organisation=item.organisation,
        applicant=None,
        channel=ApplicationChannel.COUNTER,
        applicant_kind=who.kind,
        applicant_name=who.name,
        applicant_id_number=who.id_number,
        contact_phone=who.contact_phone,
        form_data=form_data,
    )
    if not created:  # a concurrent replay won the race
        return cases.Submitted(app, "")
    for material_id, uploads in data.files.items():
        for upload in uploads:
            cases.application_material_add(
                actor=actor, application=app, material=materials[material_id], upload=upload
            )
    cases._event(
        app,
        actor,
        "counter",
        _("Registered at the counter by %(who)s") % {"who": cases._who(actor)},
    )
    audit_record(
        actor=actor,
        action="eservices.application.counter_register",
        target=app,
        changes={"item": item.pk, "channel": "counter", "applicant_kind": who.kind},
    )
    app = cases._lock(app)
    return cases._submit(app, actor)
