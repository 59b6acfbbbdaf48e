"""Issuing and revoking electronic licences (电子证照). One transaction each, audited.

    from zhengwu.licences.actions import licence_issue, licence_revoke
    licence = licence_issue(
        actor=clerk, licence_type="food-business", holder_name="云泽市某餐饮有限公司",
        holder_id_number="91990100MA…", issuing_organisation=bureau,
        fields={"经营场所": "…", "主体业态": "餐饮服务经营者"}, valid_from=date.today(),
        valid_until=None, owner_type="eservices.application", owner_id=application.pk,
        holder_account=applicant)

See docs/modules/licences.md.
"""

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_record
from zhengwu.core.errors import PermissionDenied, ValidationFailed
from zhengwu.directory.selectors import account_has_perm_in
from zhengwu.files.actions import file_store
from zhengwu.files.types import PDF
from zhengwu.identifiers import checksums
from zhengwu.identifiers.actions import number_next
from zhengwu.identifiers.checksums import IdentifierError
from zhengwu.identifiers.masking import mask_resident_id
from zhengwu.identifiers.validators import message_for
from zhengwu.licences import identifier as identifier_module
from zhengwu.licences.models import (
    HolderCodeType,
    HolderKind,
    Licence,
    LicenceStatus,
    LicenceType,
)
from zhengwu.licences.rendering import SEAL_CENTRES, LicenceDocument, absolute_url, render_pdf
from zhengwu.licences.types import licence_types_ensure
from zhengwu.notify.actions import notify_send
from zhengwu.signing.services import SealPlacement, pdf_sign, unit_full_name

PDF_PURPOSE = "licence"
MAX_FIELDS = 30
MAX_LABEL = 30
MAX_VALUE = 500
MAX_REASON = 500
SIGN_REASON = "颁发电子证照"
EXPORT_MAX_ROWS = 10_000


# --- Validation --------------------------------------------------------------------------------


def _licence_type(code: str) -> LicenceType:
    ltype = LicenceType.objects.filter(code=code).first()
    if ltype is None and licence_types_ensure():
        ltype = LicenceType.objects.filter(code=code).first()
    if ltype is None or not ltype.is_active:
        raise ValidationFailed(
            _("Unknown licence type %(code)s.") % {"code": code}, data={"field": "licence_type"}
        )
    return ltype


def _holder_code(value: str, kind: str) -> tuple[str, str]:
    """(normalised number, 111 | 001). A 17-digit start means a resident ID number."""
    number = checksums.normalise(value or "")
    if not number:
        raise ValidationFailed(
            _("Give the holder's resident ID number or unified social credit code."),
            data={"field": "holder_id_number"},
        )
    looks_personal = len(number) == 18 and number[:17].isdigit() and kind != HolderKind.ORGANISATION
    try:
        if kind == HolderKind.PERSON or looks_personal:
            checksums.parse_resident_id(number)
            return number, HolderCodeType.RESIDENT_ID
        checksums.validate_credit_code(number)
        return number, HolderCodeType.CREDIT_CODE
    except IdentifierError as error:
        raise ValidationFailed(message_for(error), data={"field": "holder_id_number"}) from None


def _clean_text(value: Any, field: str, limit: int) -> str:
    text = str(value if value is not None else "").strip()
    if "\x00" in text:
        raise ValidationFailed(_("The text contains a NUL character."), data={"field": field})
    if len(text) > limit:
        raise ValidationFailed(
            _("%(field)s may have at most %(limit)s characters.")
            % {"field": field, "limit": limit},
            data={"field": field},
        )
    return text


def _clean_fields(fields: dict[str, str]) -> list[dict[str, str]]:
    if len(fields) > MAX_FIELDS:
        raise ValidationFailed(
            _("A licence has at most %(limit)s fields.") % {"limit": MAX_FIELDS},
            data={"field": "fields"},
        )
    cleaned = []
    for label, value in fields.items():
        label = _clean_text(label, "fields", MAX_LABEL)
        if not label:
            raise ValidationFailed(_("Every licence field needs a name."), data={"field": "fields"})
        cleaned.append({"label": label, "value": _clean_text(value, label, MAX_VALUE)})
    return cleaned


def _valid_until(ltype: LicenceType, valid_from: dt.date, valid_until: dt.date | None) -> Any:
    if valid_until is None:
        if not ltype.default_validity_years:
            return None  # 长期有效
        try:
            end = valid_from.replace(year=valid_from.year + ltype.default_validity_years)
        except ValueError:  # 29 February
            end = valid_from.replace(year=valid_from.year + ltype.default_validity_years, day=28)
        return end - dt.timedelta(days=1)
    if valid_until < valid_from:
        raise ValidationFailed(
            _("The licence cannot end before it starts."), data={"field": "valid_until"}
        )
    return valid_until


def issuer_code_of(organisation: Any) -> str:
    """The issuer's credit code; an organisation without one (tests, a unit not yet registered)
    gets ``<6-digit region>ZW<10-digit id>`` — 18 characters that can never be a real credit code
    (GB 32100 never uses Z), so the identifier stays well-formed and unique."""
    if organisation.credit_code:
        return str(organisation.credit_code)
    region = (organisation.region.code if organisation.region_id else "")[:6].ljust(6, "0")
    return f"{region}ZW{organisation.pk:010d}"


def _person(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Issue ----------------------------------------------------------------------------------------


def licence_issue(
    *,
    actor: Any,
    licence_type: str,
    holder_name: str,
    holder_id_number: str,
    issuing_organisation: Any,
    fields: dict[str, str],
    valid_from: dt.date,
    valid_until: dt.date | None,
    owner_type: str = "",
    owner_id: int | str = "",
    holder_account: Any = None,
) -> Licence:
    """Number, render, sign and store one licence; audited, the holder notified.

    One transaction: if rendering or signing fails nothing is stored (the number is not used
    up either: ``number_next`` rolls back with it). Idempotent per case: with ``owner_type``
    given, a valid licence of the same type for the same owner is returned instead of a second
    one (a retried or doubly submitted decision step). ``valid_until=None`` means the type's default
    validity (长期有效 for types without one). Permission to issue belongs to the calling domain
    step (发证, e.g. the case's decision); this action checks none, like ``pdf_sign``.
    """
    ltype = _licence_type(licence_type)
    name = _clean_text(holder_name, "holder_name", 200)
    if not name:
        raise ValidationFailed(_("Give the holder's name."), data={"field": "holder_name"})
    number_code, code_type = _holder_code(holder_id_number, ltype.holder_kind)
    rows = _clean_fields(fields or {})
    if not isinstance(valid_from, dt.date):
        raise ValidationFailed(_("Give the first day of validity."), data={"field": "valid_from"})
    until = _valid_until(ltype, valid_from, valid_until)
    if issuing_organisation is None:
        raise ValidationFailed(_("Give the issuing organisation."))
    issuer_code = issuer_code_of(issuing_organisation)
    owner_type, owner_id = str(owner_type or ""), str(owner_id if owner_id is not None else "")
    if (existing := _issued_for(ltype, owner_type, owner_id)) is not None:
        return existing  # a retried decision step: one case, one licence of a type
    try:
        return _issue(
            actor=actor, ltype=ltype, name=name, number_code=number_code, code_type=code_type,
            rows=rows, valid_from=valid_from, until=until, organisation=issuing_organisation,
            issuer_code=issuer_code, owner_type=owner_type, owner_id=owner_id,
            holder_account=holder_account,
        )  # fmt: skip
    except _AlreadyIssued as raced:
        return raced.licence


class _AlreadyIssued(Exception):
    def __init__(self, licence: Licence) -> None:
        self.licence = licence


def _issued_for(ltype: LicenceType, owner_type: str, owner_id: str) -> Licence | None:
    if not owner_type:
        return None
    return Licence.objects.filter(
        licence_type=ltype, owner_type=owner_type, owner_id=owner_id, status=LicenceStatus.VALID
    ).first()


def _issue(
    *, actor: Any, ltype: LicenceType, name: str, number_code: str, code_type: str,
    rows: list[dict[str, str]], valid_from: dt.date, until: dt.date | None, organisation: Any,
    issuer_code: str, owner_type: str, owner_id: str, holder_account: Any,
) -> Licence:  # fmt: skip
    issuing_organisation = organisation
    issuer_name = unit_full_name(issuing_organisation)
    now = timezone.now()
    today = timezone.localdate(now)
    region = (issuing_organisation.region.code if issuing_organisation.region_id else "")[:6]
    with transaction.atomic():
        register = f"licences.number:{ltype.number_prefix or ltype.code}"
        sequence = number_next(register=register, year=today.year)
        # Checked again under the number lock: a concurrent call for the same case lost the race
        # (rolled back, so its number is not used up).
        if (existing := _issued_for(ltype, owner_type, owner_id)) is not None:
            raise _AlreadyIssued(existing)
        number = f"{ltype.number_prefix}{region}{today.year}{sequence:06d}"
        identifier = identifier_module.build(
            type_code=ltype.type_code, issuer_code=issuer_code,
            serial=f"{today.year}{sequence:06d}",
        )  # fmt: skip
        token = secrets.token_urlsafe(24)
        doc = LicenceDocument(
            layout=ltype.layout, title=ltype.layout_title, type_name=ltype.name,
            type_code=ltype.type_code, number=number, identifier=identifier, holder_name=name,
            holder_id_number=number_code, holder_code_type=code_type,
            holder_code_label=str(HolderCodeType(code_type).label), issuer_name=issuer_name,
            issuer_code=issuer_code, issued_on=today, valid_from=valid_from, valid_until=until,
            verify_url=absolute_url(reverse("licences:verify", args=[token])), fields=rows,
        )  # fmt: skip
        cx, cy, diameter = SEAL_CENTRES[ltype.layout]
        signed = pdf_sign(
            pdf=render_pdf(doc), organisation=issuing_organisation, reason=SIGN_REASON,
            location=settings.ZHENGWU_SITE.get("name", ""), actor=actor,
            seal=SealPlacement.centred_at(page=0, cx_mm=cx, cy_mm=cy, diameter_mm=diameter),
        )  # fmt: skip
        # Stored without an uploader: who may read it is decided by this module's read rule only.
        stored = file_store(
            actor=None, purpose=PDF_PURPOSE, allowed_types=frozenset({PDF}),
            upload=SimpleUploadedFile(f"{number}.pdf", signed, content_type="application/pdf"),
            max_bytes=max(len(signed), 1),
        )  # fmt: skip
        licence = Licence.objects.create(
            number=number, identifier=identifier, licence_type=ltype, holder_name=name,
            holder_id_number=number_code, holder_code_type=code_type,
            holder_account=holder_account, issuing_organisation=issuing_organisation,
            issuer_code=issuer_code, issued_at=now, issued_by=_person(actor),
            valid_from=valid_from, valid_until=until, fields=rows, verify_token=token, pdf=stored,
            pdf_sha256=stored.sha256, owner_type=owner_type, owner_id=owner_id,
        )  # fmt: skip
        audit_record(
            actor=actor, action="licences.licence.issue", target=licence,
            changes={
                "number": [None, number], "identifier": [None, identifier],
                "licence_type": [None, ltype.code], "holder_name": [None, name],
                "holder_id_number": [None, number_code], "valid_from": [None, str(valid_from)],
                "valid_until": [None, str(until) if until else None],
                "pdf_sha256": [None, stored.sha256],
                "owner": [None, f"{owner_type}:{owner_id}" if owner_type else None],
            },
            sensitive_fields={"holder_id_number": _mask_holder_code},
        )  # fmt: skip
        if holder_account is not None:
            notify_send(
                recipients=[holder_account], actor=actor, category="licences",
                subject=_("Your electronic licence %(name)s has been issued")
                % {"name": ltype.name},
                body=_("Licence number %(number)s. You can download it under My licences.")
                % {"number": number},
                link=reverse("licences:my"),
            )  # fmt: skip
    return licence


def _mask_holder_code(value: str) -> str:
    # Credit codes are public; resident ID numbers are personal data (个人信息保护法).
    return mask_resident_id(value) if value[:17].isdigit() else value


# --- Revoke ---------------------------------------------------------------------------------------


def licence_revoke(*, actor: Any, licence: Licence, reason: str) -> Licence:
    """撤销: valid → revoked with the reason; needs ``licences.revoke_licence`` in the issuing
    organisation (``actor=None`` is the system). Audited; the holder is notified."""
    reason = _clean_text(reason, "reason", MAX_REASON)
    if not reason:
        raise ValidationFailed(_("Give the reason for revoking the licence."),
                               data={"field": "reason"})  # fmt: skip
    if actor is not None and not account_has_perm_in(
        actor, "licences.revoke_licence", licence.issuing_organisation
    ):
        raise PermissionDenied()
    with transaction.atomic():
        locked = (
            Licence.objects.select_for_update().select_related("licence_type").get(pk=licence.pk)
        )
        if locked.status == LicenceStatus.REVOKED:
            raise ValidationFailed(_("This licence has already been revoked."))
        locked.revoke(by=_person(actor), reason=reason)
        locked.save()
        audit_record(
            actor=actor, action="licences.licence.revoke", target=locked,
            changes={"status": [LicenceStatus.VALID, LicenceStatus.REVOKED]}, reason=reason,
        )  # fmt: skip
        if locked.holder_account is not None:
            notify_send(
                recipients=[locked.holder_account], actor=actor, category="licences",
                subject=_("Your electronic licence %(number)s has been revoked")
                % {"number": locked.number},
                body=_("Reason: %(reason)s") % {"reason": reason}, link=locked.verify_url,
            )  # fmt: skip
    return locked


__all__ = ["issuer_code_of", "licence_export", "licence_issue", "licence_revoke"]


# --- Export ---------------------------------------------------------------------------------------


def licence_export(*, actor: Any, licences: Any, unmasked: bool = False) -> bytes:
    """The listed licences as .xlsx (at most ``EXPORT_MAX_ROWS``); recorded as a read. Resident
    ID numbers are masked unless ``unmasked`` (the caller checked ``view_personal_data``)."""
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "电子证照"
    sheet.append(["证照编号", "证照类型", "持证主体", "持证主体代码类型", "持证主体代码",
                  "颁发机构", "颁发日期", "有效期起", "有效期止", "状态", "撤销原因",
                  "电子证照标识"])  # fmt: skip
    count = 0
    for licence in licences[:EXPORT_MAX_ROWS]:
        code = licence.holder_id_number
        if not unmasked:
            code = _mask_holder_code(code)
        sheet.append([
            licence.number, licence.licence_type.name, licence.holder_name,
            licence.holder_code_type, code, licence.issuing_organisation.name,
            timezone.localtime(licence.issued_at).date(), licence.valid_from,
            licence.valid_until or "长期", str(licence.get_effective_status_display()),
            licence.revocation_reason, licence.identifier,
        ])  # fmt: skip
        count += 1
    buffer = BytesIO()
    book.save(buffer)
    audit_record(
        actor=actor, action="licences.licence.export", is_read=True,
        object_type="licences.licence", changes={"rows": count, "unmasked": unmasked},
    )  # fmt: skip
    return buffer.getvalue()
