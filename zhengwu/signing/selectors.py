"""Queries of the signing engine, and ``pdf_verify`` (read-only)."""

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from zhengwu.core.errors import NotFound
from zhengwu.signing import pdf as pdf_module
from zhengwu.signing.models import Certificate, Seal, SigningRecord, TrustAnchor

# Kinds of organisation that sign in their own name (internal divisions and village committees
# use their parent's seal).
SIGNING_KINDS = ("party", "government", "department", "town", "other")


def unit_full_name(organisation: Any) -> str:
    """The name a seal and certificate carry: "市教育局" under 云泽市 becomes "云泽市教育局",
    "市政府办公室" becomes "云泽市人民政府办公室".
    """
    name = organisation.name
    region_name = getattr(getattr(organisation, "region", None), "name", "") or ""
    level = name[:1]
    if level in ("市", "区", "县") and region_name.endswith(level):
        # "市政府办公室" is short for "市人民政府办公室"; seals carry the legal name.
        rest = name[1:]
        if rest.startswith("政府"):
            rest = "人民" + rest
        return region_name + rest
    return name


def active_certificate(organisation: Any, *, at: dt.datetime | None = None) -> Certificate | None:
    """The unit's current signing certificate: active, valid now, most recently valid first."""
    now = at or timezone.now()
    return (
        Certificate.objects.filter(
            organisation=organisation, status=Certificate.Status.ACTIVE,
            not_before__lte=now, not_after__gt=now,
        ).order_by("-not_before", "-pk").first()
    )  # fmt: skip


def certificates_of(organisation: Any) -> QuerySet[Certificate]:
    return Certificate.objects.filter(organisation=organisation).select_related("created_by")


def access_certificate(certificate_id: int) -> Certificate:
    cert = Certificate.objects.select_related("organisation").filter(pk=certificate_id).first()
    if cert is None:
        raise NotFound()
    return cert


def seal_of(organisation: Any) -> Seal | None:
    return Seal.objects.select_related("image").filter(organisation=organisation).first()


def signing_units() -> QuerySet[Any]:
    """Organisations that sign in their own name, with flags for the overview table."""
    from django.apps import apps

    organisation_model = apps.get_model("directory", "Organisation")
    now = timezone.now()
    valid = Certificate.objects.filter(
        organisation=OuterRef("pk"), status=Certificate.Status.ACTIVE,
        not_before__lte=now, not_after__gt=now,
    )  # fmt: skip
    return (
        organisation_model.objects.filter(kind__in=SIGNING_KINDS, is_active=True)
        .annotate(has_certificate=Exists(valid),
                  has_seal=Exists(Seal.objects.filter(organisation=OuterRef("pk"))))
        .select_related("region")
    )  # fmt: skip


def built_in_root() -> TrustAnchor | None:
    return TrustAnchor.objects.filter(source=TrustAnchor.Source.BUILT_IN).first()


def trust_anchors() -> QuerySet[TrustAnchor]:
    return TrustAnchor.objects.all()


def access_trust_anchor(anchor_id: int) -> TrustAnchor:
    anchor = TrustAnchor.objects.filter(pk=anchor_id).first()
    if anchor is None:
        raise NotFound()
    return anchor


def _known(fingerprint: str) -> pdf_module.KnownCertificate | None:
    row = (Certificate.objects.filter(fingerprint=fingerprint)
           .values("id", "organisation_id", "revoked_at", "invalid_since", "revocation_reason")
           .first())  # fmt: skip
    if row is None:
        return None
    return pdf_module.KnownCertificate(
        id=row["id"], organisation_id=row["organisation_id"], revoked_at=row["revoked_at"],
        invalid_since=row["invalid_since"] or row["revoked_at"],
        revocation_reason=row["revocation_reason"],
    )  # fmt: skip


def _recorded_time(signed_sha256: str) -> dt.datetime | None:
    return (SigningRecord.objects.filter(signed_sha256=signed_sha256).order_by("signed_at")
            .values_list("signed_at", flat=True).first())  # fmt: skip


def pdf_verify(pdf: bytes) -> pdf_module.Verification:
    """Verify every signature of a PDF against our trust anchors and revocation list.

    ``status``: valid / tampered / revoked / untrusted / unsigned / unreadable; ``summary``
    is the Chinese wording (有效 / 已被篡改 / 证书已吊销 / 签名者不受信任 / 未签名 /
    不是可读取的PDF文件).
    """
    anchors = TrustAnchor.objects.filter(is_active=True).values_list(
        "fingerprint", "certificate_pem"
    )
    roots = pdf_module.trust_roots(list(anchors))
    return pdf_module.verify_pdf_bytes(pdf, roots=roots, known=_known, recorded_time=_recorded_time)


def pdf_sha256(pdf: bytes) -> str:
    return pdf_module.pdf_sha256(pdf)
