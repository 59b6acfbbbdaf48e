"""What the public verification pages say about a licence or an uploaded PDF."""

from dataclasses import dataclass
from typing import Any

from zhengwu.identifiers.masking import mask_credit_code, mask_resident_id
from zhengwu.licences.models import HolderCodeType, Licence
from zhengwu.licences.selectors import licence_by_pdf_sha256
from zhengwu.signing.services import Verification, pdf_sha256, pdf_verify, unit_full_name


def mask_name(name: str, code_type: str) -> str:
    """A person's name keeps its first character (张**); an organisation's name its first two
    and last two characters when it is long enough to stay recognisable."""
    if code_type == HolderCodeType.RESIDENT_ID:
        return name[:1] + "*" * max(len(name) - 1, 1)
    if len(name) <= 6:
        return name[:2] + "*" * (len(name) - 2) if len(name) > 2 else name
    return name[:2] + "*" * (len(name) - 4) + name[-2:]


def mask_holder_code(licence: Licence) -> str:
    if licence.holder_code_type == HolderCodeType.RESIDENT_ID:
        return mask_resident_id(licence.holder_id_number)
    return mask_credit_code(licence.holder_id_number)


@dataclass
class UploadCheck:
    outcome: str  # "licence" | "tampered" | "unreadable" | "unknown"
    licence: Licence | None
    signature: Verification | None


def check_upload(data: bytes) -> UploadCheck:
    """An uploaded PDF is one of our licences only if it is byte for byte the file we issued
    (its SHA-256 is stored); anything else is tampered (a broken signature), unreadable, or
    unknown (e.g. some other signed PDF)."""
    licence = licence_by_pdf_sha256(pdf_sha256(data))
    signature = pdf_verify(data)
    if licence is not None:
        return UploadCheck("licence", licence, signature)
    if signature.status == "tampered":
        return UploadCheck("tampered", None, signature)
    if signature.status == "unreadable":
        return UploadCheck("unreadable", None, signature)
    return UploadCheck("unknown", None, signature)


def public_summary(licence: Licence) -> dict[str, Any]:
    return {
        "status": licence.effective_status(),
        "status_label": licence.get_effective_status_display(),
        "type_name": licence.licence_type.name,
        "number": licence.number,
        "identifier": licence.identifier,
        "holder_name": mask_name(licence.holder_name, licence.holder_code_type),
        "holder_code": mask_holder_code(licence),
        "holder_code_label": licence.get_holder_code_type_display(),
        "issuer": unit_full_name(licence.issuing_organisation),
        "issued_at": licence.issued_at,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "revoked_at": licence.revoked_at,
    }
