"""Commands of the signing engine: the built-in CA, certificates, trust anchors, seals, signing.

Each command validates, changes rows in one transaction and writes its audit entry there.
Slow work (key generation, PDF signing, image rendering) happens before the transaction.
"""

import datetime as dt
import io
from typing import Any

from cryptography import x509
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from zhengwu.audit.actions import audit_record
from zhengwu.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhengwu.files.actions import file_store
from zhengwu.files.types import preset
from zhengwu.signing import crypto, seals
from zhengwu.signing import pdf as pdf_module
from zhengwu.signing.models import Certificate, Seal, SigningRecord, TrustAnchor
from zhengwu.signing.selectors import active_certificate, unit_full_name

SEAL_PURPOSE = "seal"
MAX_REASON = 200


def _require(actor: Any, perm: str) -> None:
    """Actions called by code pass ``actor=None`` (system); people need the permission."""
    if actor is not None and not getattr(actor, "has_perm", lambda _p: False)(perm):
        raise PermissionDenied()


def _person(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


# --- Built-in root CA ------------------------------------------------------------------------


def root_ensure(*, actor: Any = None) -> TrustAnchor:
    """The built-in root CA, created on first call (idempotent, safe under concurrency)."""
    existing = TrustAnchor.objects.filter(source=TrustAnchor.Source.BUILT_IN).first()
    if existing is not None:
        return existing
    site = settings.ZHENGWU_SITE["name"]
    name = _("%(site)s e-government root CA") % {"site": site}
    cert, key = crypto.build_root(common_name=name, organisation=site, now=timezone.now())
    try:
        with transaction.atomic():
            anchor = TrustAnchor.objects.create(
                name=name, certificate_pem=crypto.cert_pem(cert),
                fingerprint=crypto.fingerprint(cert),
                not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
                source=TrustAnchor.Source.BUILT_IN, encrypted_key=crypto.encrypt_private_key(key),
                key_encryption_id=crypto.key_encryption_id(),
            )  # fmt: skip
            audit_record(actor=actor, action="signing.trust_anchor.create", target=anchor,
                         changes={"name": [None, name], "fingerprint": [None, anchor.fingerprint],
                                  "source": [None, anchor.source]})  # fmt: skip
    except IntegrityError:  # another process created it first
        return TrustAnchor.objects.get(source=TrustAnchor.Source.BUILT_IN)
    return anchor


def _root_key(anchor: TrustAnchor) -> crypto.PrivateKey:
    if anchor.key_encryption_id != crypto.key_encryption_id():
        raise ValidationFailed(
            _(
                "The key of the built-in CA was encrypted with another signing "
                "secret; restore ZHENGWU_SIGNING_KEY (or SECRET_KEY)."
            )
        )
    return crypto.decrypt_private_key(anchor.encrypted_key)


# --- Certificates ----------------------------------------------------------------------------


def _certificate_row(
    *, organisation: Any, cert: x509.Certificate, key: crypto.PrivateKey,
    chain: list[x509.Certificate], source: str, actor: Any,
) -> Certificate:  # fmt: skip
    return Certificate(
        organisation=organisation, subject=cert.subject.rfc4514_string()[:500],
        issuer=cert.issuer.rfc4514_string()[:500], serial=format(cert.serial_number, "x"),
        fingerprint=crypto.fingerprint(cert), certificate_pem=crypto.cert_pem(cert),
        chain_pem="".join(crypto.cert_pem(c) for c in chain),
        encrypted_key=crypto.encrypt_private_key(key),
        key_encryption_id=crypto.key_encryption_id(),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
        source=source, created_by=_person(actor),
    )  # fmt: skip


def _audit_new_certificate(actor: Any, row: Certificate, action: str) -> None:
    audit_record(actor=actor, action=action, target=row, changes={
        "organisation": [None, str(row.organisation)], "subject": [None, row.subject],
        "serial": [None, row.serial], "fingerprint": [None, row.fingerprint],
        "not_after": [None, row.not_after], "source": [None, row.source],
    })  # fmt: skip


def certificate_issue(
    *, actor: Any, organisation: Any, days: int = crypto.UNIT_VALIDITY_DAYS
) -> Certificate:
    """Issue a unit signing certificate from the built-in CA (ECDSA P-256, 3 years)."""
    _require(actor, "signing.add_certificate")
    if not 1 <= days <= 10 * 365:
        raise ValidationFailed(_("The validity must be between 1 day and 10 years."))
    anchor = root_ensure(actor=actor)
    root_cert = crypto.load_pem(anchor.certificate_pem)
    subject = crypto.UnitSubject(
        name=unit_full_name(organisation), credit_code=organisation.credit_code or "",
        locality=getattr(organisation.region, "name", ""),
    )  # fmt: skip
    cert, key = crypto.build_unit_certificate(
        subject=subject, issuer_cert=root_cert, issuer_key=_root_key(anchor),
        now=timezone.now(), days=days,
    )  # fmt: skip
    with transaction.atomic():
        row = _certificate_row(organisation=organisation, cert=cert, key=key, chain=[root_cert],
                               source=Certificate.Source.BUILT_IN, actor=actor)  # fmt: skip
        row.save()
        _audit_new_certificate(actor, row, "signing.certificate.issue")
    return row


def certificate_revoke(
    *, actor: Any, certificate: Certificate, reason: str, invalid_since: dt.datetime | None = None
) -> Certificate:
    """Revoke a certificate; it signs nothing more.

    Signatures the signing log dates before ``invalid_since`` (default: now) stay valid, e.g.
    licences issued before a unit was merged; later or unlogged ones verify as 证书已吊销. For a
    compromised key pass the earliest time it may have been misused (``certificate.not_before``
    invalidates every signature).
    """
    _require(actor, "signing.revoke_certificate")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for revoking the certificate."),
                               data={"field": "reason"})  # fmt: skip
    if len(reason) > 500:
        raise ValidationFailed(_("The reason may have at most 500 characters."),
                               data={"field": "reason"})  # fmt: skip
    with transaction.atomic():
        row = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if row.status == Certificate.Status.REVOKED:
            raise Conflict(
                _("This certificate was already revoked on %(when)s.")
                % {"when": timezone.localtime(row.revoked_at).strftime("%Y-%m-%d %H:%M")}
            )
        now = timezone.now()
        if invalid_since is not None and invalid_since > now:
            raise ValidationFailed(_("The certificate cannot become invalid in the future."),
                                   data={"field": "invalid_since"})  # fmt: skip
        row.status = Certificate.Status.REVOKED
        row.revoked_at = now
        row.invalid_since = invalid_since or now
        row.revocation_reason = reason
        row.save(update_fields=["status", "revoked_at", "invalid_since", "revocation_reason"])
        audit_record(
            actor=actor,
            action="signing.certificate.revoke",
            target=row,
            changes={
                "status": [Certificate.Status.ACTIVE, row.status],
                "invalid_since": [None, row.invalid_since],
            },
            reason=reason,
        )
    return row


def _chains_to_trusted(cert: x509.Certificate, extra: list[x509.Certificate]) -> bool:
    """Whether issuer links (signature-checked) lead from ``cert`` to an active trust anchor."""
    anchors = [
        crypto.load_pem(pem)
        for pem in TrustAnchor.objects.filter(is_active=True).values_list(
            "certificate_pem", flat=True
        )
    ]
    anchor_fps = {crypto.fingerprint(a) for a in anchors}
    pool = anchors + extra
    current = cert
    for _depth in range(6):
        if crypto.fingerprint(current) in anchor_fps:
            return True
        issuer = next((c for c in pool if c.subject == current.issuer and c is not current
                       and _issued_by(current, c)), None)  # fmt: skip
        if issuer is None:
            return False
        current = issuer
    return False


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:  # noqa: BLE001 - any failure means "not issued by it"
        return False
    return True


def certificate_import_pkcs12(
    *, actor: Any, organisation: Any, data: bytes, password: str
) -> Certificate:
    """Import a certificate and key issued by a real CA (PKCS#12 / .pfx / .p12 with password).

    The issuing CA's root must already be a trust anchor (``trust_anchor_import``), so that
    signatures made with it verify as trusted.
    """
    _require(actor, "signing.add_certificate")
    if not data:
        raise ValidationFailed(_("Choose the PKCS#12 file (.p12 or .pfx)."), data={"field": "file"})
    if len(data) > 1024 * 1024:
        raise ValidationFailed(_("A PKCS#12 file is at most 1 MB; this is not one."),
                               data={"field": "file"})  # fmt: skip
    try:
        key, cert, others = crypto.load_pkcs12(data, password or "")
    except TypeError:
        raise ValidationFailed(
            _(
                "The key in the file is neither RSA nor ECDSA; it cannot be "
                "used for PDF signatures."
            ),
            data={"field": "file"},
        ) from None
    except Exception:  # noqa: BLE001 - wrong password and damaged files look alike
        raise ValidationFailed(
            _(
                "The PKCS#12 file could not be opened: the password is wrong or "
                "the file is damaged."
            ),
            data={"field": "password"},
        ) from None
    if not crypto.key_matches(cert, key):
        raise ValidationFailed(_("The key in the file does not belong to its certificate."),
                               data={"field": "file"})  # fmt: skip
    now = timezone.now()
    if cert.not_valid_after_utc <= now or cert.not_valid_before_utc > now:
        raise ValidationFailed(
            _("The certificate is valid from %(start)s to %(end)s, not now.")
            % {"start": cert.not_valid_before_utc.date(), "end": cert.not_valid_after_utc.date()},
            data={"field": "file"},
        )
    if not crypto.is_signing_capable(cert):
        raise ValidationFailed(_("The certificate is not for signing documents: its key usage "
                                 "lacks digital signature and non-repudiation."),
                               data={"field": "file"})  # fmt: skip
    if Certificate.objects.filter(fingerprint=crypto.fingerprint(cert)).exists():
        raise Conflict(_("This certificate has already been imported."))
    if not _chains_to_trusted(cert, others):
        raise ValidationFailed(_("The certificate's issuer is not trusted here. Import the root "
                                 "certificate of the issuing CA first."),
                               data={"field": "file"})  # fmt: skip
    chain = [c for c in others if crypto.fingerprint(c) != crypto.fingerprint(cert)]
    with transaction.atomic():
        row = _certificate_row(organisation=organisation, cert=cert, key=key, chain=chain,
                               source=Certificate.Source.IMPORTED, actor=actor)  # fmt: skip
        row.save()
        _audit_new_certificate(actor, row, "signing.certificate.import")
    return row


# --- Trust anchors ---------------------------------------------------------------------------


def trust_anchor_import(*, actor: Any, data: bytes, name: str = "") -> list[TrustAnchor]:
    """Trust the CA certificate(s) in a PEM bundle or DER file (e.g. a commercial CA's root)."""
    _require(actor, "signing.add_trustanchor")
    try:
        certs = crypto.load_certificates(data or b"")
    except Exception:  # noqa: BLE001 - any parse error is the uploader's to fix
        raise ValidationFailed(
            _("The file is not a certificate in PEM or DER format."), data={"field": "file"}
        ) from None
    if not certs:
        raise ValidationFailed(_("The file contains no certificate."), data={"field": "file"})
    for cert in certs:
        try:
            constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
            is_ca = constraints.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            raise ValidationFailed(
                _("%(subject)s is not a CA certificate; only CA certificates can be trust anchors.")
                % {"subject": cert.subject.rfc4514_string()}, data={"field": "file"},
            )  # fmt: skip
    created = []
    with transaction.atomic():
        for cert in certs:
            fp = crypto.fingerprint(cert)
            if TrustAnchor.objects.filter(fingerprint=fp).exists():
                continue
            label = (name.strip() if len(certs) == 1 and name.strip() else
                     crypto.subject_attribute(cert.subject, x509.oid.NameOID.COMMON_NAME)
                     or cert.subject.rfc4514_string())[:200]  # fmt: skip
            anchor = TrustAnchor.objects.create(
                name=label, certificate_pem=crypto.cert_pem(cert), fingerprint=fp,
                not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
                source=TrustAnchor.Source.IMPORTED,
            )  # fmt: skip
            audit_record(actor=actor, action="signing.trust_anchor.create", target=anchor,
                         changes={"name": [None, label], "fingerprint": [None, fp],
                                  "source": [None, anchor.source]})  # fmt: skip
            created.append(anchor)
    if not created:
        raise Conflict(_("These certificates are already trusted."))
    return created


def trust_anchor_set_active(*, actor: Any, anchor: TrustAnchor, active: bool,
                            reason: str = "") -> TrustAnchor:  # fmt: skip
    """Stop (or resume) trusting a root: every signature chaining only to it becomes untrusted."""
    _require(actor, "signing.change_trustanchor")
    with transaction.atomic():
        row = TrustAnchor.objects.select_for_update().get(pk=anchor.pk)
        if row.is_active == active:
            return row
        row.is_active = active
        row.save(update_fields=["is_active"])
        audit_record(actor=actor, action="signing.trust_anchor.update", target=row,
                     changes={"is_active": [not active, active]}, reason=reason)  # fmt: skip
    return row


# --- Seals -----------------------------------------------------------------------------------


def _seal_save(*, actor: Any, organisation: Any, stored: Any, text: str, source: str) -> Seal:
    with transaction.atomic():
        seal = Seal.objects.select_for_update().filter(organisation=organisation).first()
        before = None
        if seal is None:
            seal = Seal(organisation=organisation)
        else:
            before = {"image": str(seal.image.uuid), "source": seal.source}
        seal.image = stored
        seal.text = text
        seal.source = source
        seal.save()
        audit_record(actor=actor, action="signing.seal.update" if before else "signing.seal.create",
                     target=seal, changes={
                         "image": [before and before["image"], str(stored.uuid)],
                         "source": [before and before["source"], source],
                     })  # fmt: skip
    return seal


def seal_generate(*, actor: Any, organisation: Any) -> Seal:
    """Give the unit a generated red round seal with its full name (replacing any other)."""
    _require(actor, "signing.change_seal")
    text = unit_full_name(organisation)
    png = seals.render_seal_png(text)
    upload = SimpleUploadedFile(f"{text}.png", png, content_type="image/png")
    stored = file_store(actor=actor, upload=upload, purpose=SEAL_PURPOSE,
                        allowed_types=preset("images"))  # fmt: skip
    return _seal_save(actor=actor, organisation=organisation, stored=stored, text=text,
                      source=Seal.Source.GENERATED)  # fmt: skip


def seal_upload(*, actor: Any, organisation: Any, upload: UploadedFile) -> Seal:
    """Replace the unit's seal with an uploaded image (PNG with transparency is best)."""
    _require(actor, "signing.change_seal")
    upload.seek(0)
    head = upload.read()
    upload.seek(0)
    try:
        with Image.open(io.BytesIO(head)) as image:
            image.verify()
        with Image.open(io.BytesIO(head)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationFailed(
            _("The seal must be a PNG or JPEG image."), data={"field": "image"}
        ) from None
    if min(width, height) < 100 or max(width, height) > 4000:
        raise ValidationFailed(
            _("The seal image must be between 100 and 4000 pixels wide and high (it is "
              "%(width)s × %(height)s).") % {"width": width, "height": height},
            data={"field": "image"},
        )  # fmt: skip
    stored = file_store(actor=actor, upload=upload, purpose=SEAL_PURPOSE,
                        allowed_types=preset("images"), max_bytes=2 * 1024 * 1024)  # fmt: skip
    return _seal_save(actor=actor, organisation=organisation, stored=stored,
                      text=unit_full_name(organisation), source=Seal.Source.UPLOADED)  # fmt: skip


# --- Signing ---------------------------------------------------------------------------------


def _signing_certificate(organisation: Any, actor: Any) -> Certificate:
    cert = active_certificate(organisation)
    if cert is not None:
        return cert
    # Embedded default: a unit that never had a certificate gets one from the built-in CA.
    # A unit whose certificates were revoked or expired does not: someone decided that.
    if (
        settings.ZHENGWU_SIGNING_AUTO_ISSUE
        and not Certificate.objects.filter(organisation=organisation).exists()
    ):
        return certificate_issue(actor=None, organisation=organisation)
    raise ValidationFailed(_("%(unit)s has no valid signing certificate. Ask the administrator "
                             "to issue or import one.") % {"unit": organisation})  # fmt: skip


def _seal_image(organisation: Any, actor: Any) -> Image.Image:
    seal = Seal.objects.select_related("image").filter(organisation=organisation).first()
    if seal is None:
        seal = seal_generate(actor=None, organisation=organisation)
    stored = seal.image

    def load() -> bytes:
        with stored.file.open("rb") as handle:
            return handle.read()

    return pdf_module.seal_image_for(stored.pk, load)


def pdf_sign(
    *, pdf: bytes, organisation: Any, reason: str, location: str = "",
    seal: pdf_module.SealPlacement | None = None, field_name: str | None = None, actor: Any = None,
) -> bytes:  # fmt: skip
    """Sign ``pdf`` with the unit's certificate (PAdES B-B) and, with ``seal``, show its seal.

    The unit's key is decrypted once per process and certificate (cached); every signature is
    logged (``SigningRecord``: trusted signing time for verification) and audited
    (``signing.document.sign`` with the SHA-256 before and after). ``actor`` is who asked (None
    for the system); permission to sign belongs to the calling domain's step (用印, 发证).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for signing."), data={"field": "reason"})
    if len(reason) > MAX_REASON:
        raise ValidationFailed(_("The reason for signing may have at most 200 characters."))
    if not pdf:
        raise ValidationFailed(_("The document to sign is empty."))
    certificate = _signing_certificate(organisation, actor)
    if certificate.key_encryption_id != crypto.key_encryption_id():
        raise ValidationFailed(
            _(
                "The key of this certificate was encrypted with another signing "
                "secret; restore ZHENGWU_SIGNING_KEY (or SECRET_KEY)."
            )
        )
    signer = pdf_module.signer_for(pdf_module.SignerMaterial(
        cache_key=(certificate.pk, certificate.fingerprint, certificate.key_encryption_id),
        certificate_pem=certificate.certificate_pem, chain_pem=certificate.chain_pem,
        encrypted_key=bytes(certificate.encrypted_key),
    ))  # fmt: skip
    image = _seal_image(organisation, actor) if seal is not None else None
    try:
        signed = pdf_module.sign_pdf_bytes(
            pdf=pdf, signer=signer, reason=reason, location=location, seal=seal,
            seal_image=image, field_name=field_name, signer_name=unit_full_name(organisation),
        )  # fmt: skip
    except pdf_module.PdfUnreadable:
        raise ValidationFailed(_("The document is not a readable, unencrypted PDF.")) from None
    except ValueError as exc:
        raise ValidationFailed(_("The seal cannot be placed there: %(error)s")
                               % {"error": exc}) from None  # fmt: skip
    source_sha, signed_sha = pdf_module.pdf_sha256(pdf), pdf_module.pdf_sha256(signed)
    with transaction.atomic():
        record = SigningRecord.objects.create(
            certificate=certificate, signed_sha256=signed_sha, source_sha256=source_sha,
            reason=reason, signed_at=timezone.now(), signed_by=_person(actor),
        )  # fmt: skip
        audit_record(actor=actor, action="signing.document.sign", target=certificate, changes={
            "sha256": [source_sha, signed_sha], "reason": [None, reason],
            "record": [None, record.pk], "visible_seal": [None, seal is not None],
        })  # fmt: skip
    return signed


__all__ = [
    "certificate_import_pkcs12", "certificate_issue", "certificate_revoke", "pdf_sign",
    "root_ensure", "seal_generate", "seal_upload", "trust_anchor_import",
    "trust_anchor_set_active",
]  # fmt: skip
