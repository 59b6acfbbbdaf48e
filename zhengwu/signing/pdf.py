"""PDF signing and verification on pyHanko: the stateless part of the engine.

Everything that writes rows (certificates, seals, the signing log, audit entries) is in
``actions.py``; this module builds pyHanko signers from certificates, caches them per process,
applies a PAdES signature with an optional visible seal, and verifies signatures.

Only this module imports pyHanko. The public facade is ``zhengwu.signing.services``.
"""

import datetime as dt
import hashlib
import io
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.utils.translation import pgettext
from PIL import Image
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp.static import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from zhengwu.signing import crypto

logger = logging.getLogger(__name__)

MM = 72 / 25.4  # PDF points per millimetre
A4_POINTS = (595.276, 841.89)


def pdf_sha256(pdf: bytes) -> str:
    """Hex SHA-256 of a document (what audit entries and the signing log record)."""
    return hashlib.sha256(pdf).hexdigest()


# --- Seal placement --------------------------------------------------------------------------


@dataclass(frozen=True)
class SealPlacement:
    """Where the seal image goes, in millimetres.

    ``page`` is 0-based; negative counts from the end (-1 = last page). With
    ``origin="top-left"`` (the default: GB/T 9704 measures from the top edge) ``x_mm``/``y_mm``
    are the distance of the seal box's top-left corner from the page's left and top edges;
    with ``origin="bottom-left"`` they are the box's bottom-left corner measured from the left
    and bottom edges (PDF's own convention). ``height_mm`` defaults to ``width_mm`` (round seal).
    """

    page: int = 0
    x_mm: float = 0.0
    y_mm: float = 0.0
    width_mm: float = 42.0
    height_mm: float | None = None
    origin: Literal["top-left", "bottom-left"] = "top-left"

    @classmethod
    def centred_at(
        cls, *, page: int, cx_mm: float, cy_mm: float, diameter_mm: float = 42.0,
        origin: Literal["top-left", "bottom-left"] = "top-left",
    ) -> "SealPlacement":  # fmt: skip
        """A round seal centred on a point, e.g. over the 成文日期 as GB/T 9704 shows."""
        r = diameter_mm / 2
        # The corner is r above (top-left origin) or r below (bottom-left origin) the centre;
        # both are the centre coordinate minus r in their own system.
        return cls(page=page, x_mm=cx_mm - r, y_mm=cy_mm - r, width_mm=diameter_mm, origin=origin)

    def box_points(
        self, page_width: float, page_height: float
    ) -> tuple[float, float, float, float]:
        """(x1, y1, x2, y2) in PDF user space (points, origin bottom-left)."""
        w = self.width_mm * MM
        h = (self.height_mm or self.width_mm) * MM
        x1 = self.x_mm * MM
        y1 = page_height - self.y_mm * MM - h if self.origin == "top-left" else self.y_mm * MM
        return round(x1, 2), round(y1, 2), round(x1 + w, 2), round(y1 + h, 2)


# --- Signers, cached per process --------------------------------------------------------------


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class UnitSigner(SimpleSigner):
    """A SimpleSigner that keeps the decrypted key object instead of re-parsing DER per signature.

    pyHanko's SimpleSigner loads the private key from DER on every ``sign_raw``; for RSA keys that
    includes the key consistency checks and dominates signing time.
    """

    def __init__(self, *, cert: x509.Certificate, key: crypto.PrivateKey,
                 chain: Iterable[x509.Certificate]) -> None:  # fmt: skip
        self._key = key
        key_info = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ))  # fmt: skip
        super().__init__(
            signing_cert=_asn1_cert(cert),
            signing_key=key_info,
            cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in chain]),
        )

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        algorithm = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(),
                     "sha512": hashes.SHA512()}.get(digest_algorithm)  # fmt: skip
        if algorithm is None:
            return super().sign_raw(data, digest_algorithm)
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(algorithm))
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if isinstance(self._key, rsa.RSAPrivateKey) and mechanism == "rsassa_pkcs1v15":
            return self._key.sign(data, padding.PKCS1v15(), algorithm)
        return super().sign_raw(data, digest_algorithm)


@dataclass(frozen=True)
class SignerMaterial:
    """What building a signer needs, read from a Certificate row by the caller."""

    cache_key: tuple[Any, ...]  # changes whenever the certificate or its key changes
    certificate_pem: str
    chain_pem: str
    encrypted_key: bytes


_signer_cache: dict[tuple[Any, ...], UnitSigner] = {}
_seal_cache: dict[Any, Image.Image] = {}
_cache_lock = threading.Lock()


def signer_for(material: SignerMaterial) -> UnitSigner:
    """The signer for a certificate: the key is decrypted once per process and certificate."""
    signer = _signer_cache.get(material.cache_key)
    if signer is not None:
        return signer
    cert = crypto.load_pem(material.certificate_pem)
    chain = (
        crypto.load_certificates(material.chain_pem.encode("ascii")) if material.chain_pem else []
    )
    signer = UnitSigner(cert=cert, key=crypto.decrypt_private_key(material.encrypted_key),
                        chain=chain)  # fmt: skip
    with _cache_lock:
        # A certificate's key never changes under the same cache key; drop stale entries of the
        # same certificate id (first element) so revoked or replaced keys leave memory.
        for key in [k for k in _signer_cache if k[0] == material.cache_key[0]]:
            del _signer_cache[key]
        _signer_cache[material.cache_key] = signer
    return signer


def seal_image_for(cache_key: Any, load: Any) -> Image.Image:
    """A decoded seal image, cached by ``cache_key`` (the stored file's id); ``load()`` gives
    the PNG/JPEG bytes on a miss."""
    image = _seal_cache.get(cache_key)
    if image is None:
        image = Image.open(io.BytesIO(load()))
        image = image.convert("RGBA")
        # Seals print at about 42 mm: 600 px is above 300 dpi; larger uploads only cost time.
        if max(image.size) > 600:
            image.thumbnail((600, 600), Image.Resampling.LANCZOS)
        with _cache_lock:
            if len(_seal_cache) > 256:
                _seal_cache.clear()
            _seal_cache[cache_key] = image
    return image


def caches_clear() -> None:
    with _cache_lock:
        _signer_cache.clear()
        _seal_cache.clear()
        _trust_cache.clear()


# --- Signing ---------------------------------------------------------------------------------


class PdfUnreadable(Exception):
    """The bytes are not a PDF pyHanko can read (or it is encrypted)."""


def _page_size(writer: IncrementalPdfFileWriter, page_ix: int) -> tuple[float, float]:
    page_ref, _resources = writer.find_page_for_modification(page_ix)
    page = page_ref.get_object()
    box = page.get("/CropBox") or page.get("/MediaBox")
    if box is None:
        return A4_POINTS
    x1, y1, x2, y2 = (float(v) for v in box)
    return abs(x2 - x1), abs(y2 - y1)


def _free_field_name(reader: PdfFileReader) -> str:
    used = {name for name, _value, _ref in enumerate_sig_fields(reader)}
    n = len(used) + 1
    while f"Signature{n}" in used:
        n += 1
    return f"Signature{n}"


def sign_pdf_bytes(
    *, pdf: bytes, signer: UnitSigner, reason: str, location: str = "",
    seal: SealPlacement | None = None, seal_image: Image.Image | None = None,
    field_name: str | None = None, signer_name: str = "",
) -> bytes:  # fmt: skip
    """A PAdES B-B signature (ETSI.CAdES.detached, SHA-256, chain embedded, no network) appended
    as an incremental update; with ``seal`` and ``seal_image`` the signature widget shows the seal.
    """
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except Exception as exc:
        raise PdfUnreadable(str(exc)) from exc
    if writer.prev.encrypted:
        raise PdfUnreadable("encrypted")
    name = field_name or _free_field_name(writer.prev)
    meta = PdfSignatureMetadata(
        field_name=name, reason=reason or None, location=location or None,
        name=signer_name or None, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
    )  # fmt: skip
    field_spec = None
    style = None
    if seal is not None:
        page_count = int(writer.root["/Pages"]["/Count"])
        page_ix = seal.page if seal.page >= 0 else page_count + seal.page
        if not 0 <= page_ix < page_count:
            raise ValueError(f"page {seal.page} outside 0..{page_count - 1}")
        box = seal.box_points(*_page_size(writer, page_ix))
        field_spec = SigFieldSpec(sig_field_name=name, on_page=page_ix, box=box)
        if seal_image is not None:
            style = StaticStampStyle(
                background=PdfImage(seal_image), border_width=0, background_opacity=1.0,
                background_layout=layout.SimpleBoxLayoutRule(
                    x_align=layout.AxisAlignment.ALIGN_MID,
                    y_align=layout.AxisAlignment.ALIGN_MID,
                    margins=layout.Margins.uniform(0),
                ),
            )  # fmt: skip
    elif field_name is None:
        field_spec = SigFieldSpec(sig_field_name=name)  # invisible
    pdf_signer = PdfSigner(meta, signer, stamp_style=style, new_field_spec=field_spec)
    return pdf_signer.sign_pdf(writer).getvalue()


# --- Verification ----------------------------------------------------------------------------

Status = Literal["valid", "tampered", "revoked", "untrusted", "unsigned", "unreadable"]
# Worst first: the document's status is its worst signature's.
_SEVERITY: dict[str, int] = {"unreadable": 0, "tampered": 1, "revoked": 2, "untrusted": 3,
                             "unsigned": 4, "valid": 5}  # fmt: skip


def status_text(status: str) -> str:
    texts = {
        "valid": pgettext("signature status", "valid"),
        "tampered": pgettext("signature status", "tampered with"),
        "revoked": pgettext("signature status", "certificate revoked"),
        "untrusted": pgettext("signature status", "signer not trusted"),
        "unsigned": pgettext("signature status", "not signed"),
        "unreadable": pgettext("signature status", "not a readable PDF"),
    }
    return texts[status]


@dataclass
class SignatureCheck:
    """One signature of a document, as verification saw it."""

    field_name: str
    status: str
    intact: bool  # the signed bytes hash to the signed value and the signature is mathematically ok
    unchanged: bool  # nothing but allowed updates (further signatures, form fields) after it
    trusted: bool  # the certificate chains to an active TrustAnchor (and is valid at that time)
    revoked: bool  # revoked in our list before the signing time
    signer_name: str = ""
    signer_credit_code: str = ""
    certificate_fingerprint: str = ""
    certificate_id: int | None = None
    organisation_id: int | None = None
    signing_time: dt.datetime | None = None
    signing_time_recorded: bool = False  # the time comes from our signing log, not the signer
    revoked_at: dt.datetime | None = None
    revocation_reason: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return status_text(self.status)


@dataclass
class Verification:
    """The result of ``pdf_verify``: ``status`` is a code, ``summary`` the Chinese word."""

    status: str
    sha256: str
    signatures: list[SignatureCheck] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return status_text(self.status)

    @property
    def is_valid(self) -> bool:
        return self.status == "valid"

    @property
    def last(self) -> SignatureCheck | None:
        return self.signatures[-1] if self.signatures else None

    @property
    def signer_name(self) -> str:
        return self.last.signer_name if self.last else ""

    @property
    def signing_time(self) -> dt.datetime | None:
        return self.last.signing_time if self.last else None

    @property
    def organisation_id(self) -> int | None:
        return self.last.organisation_id if self.last else None


@dataclass(frozen=True)
class KnownCertificate:
    """What verification needs from our certificate table (filled by the caller)."""

    id: int
    organisation_id: int
    revoked_at: dt.datetime | None
    invalid_since: dt.datetime | None
    revocation_reason: str


_trust_cache: dict[str, asn1_x509.Certificate] = {}
_ALLOWED_AFTER_SIGNING = {ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
                          ModificationLevel.FORM_FILLING}  # fmt: skip


def trust_roots(anchors: Iterable[tuple[str, str]]) -> list[asn1_x509.Certificate]:
    """Parsed trust anchors from (fingerprint, PEM) pairs, cached by fingerprint."""
    roots = []
    for fp, pem in anchors:
        cert = _trust_cache.get(fp)
        if cert is None:
            cert = _asn1_cert(crypto.load_pem(pem))
            _trust_cache[fp] = cert
        roots.append(cert)
    return roots


def _signer_fields(cert: asn1_x509.Certificate) -> tuple[str, str]:
    subject = cert.subject.native
    name = subject.get("common_name") or subject.get("organization_name") or ""
    return str(name), str(subject.get("serial_number") or "")


def verify_pdf_bytes(
    pdf: bytes, *, roots: list[asn1_x509.Certificate],
    known: Any, recorded_time: Any,
) -> Verification:  # fmt: skip
    """Verify every signature. ``known(fingerprint) -> KnownCertificate | None`` and
    ``recorded_time(signed_sha256) -> datetime | None`` are lookups into our tables."""
    sha = pdf_sha256(pdf)
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 - untrusted bytes: any parse error means "unreadable"
        return Verification(status="unreadable", sha256=sha)
    if not signatures:
        return Verification(status="unsigned", sha256=sha)
    checks = [_check(sig, pdf, roots, known, recorded_time) for sig in signatures]
    worst = min(checks, key=lambda c: _SEVERITY[c.status]).status
    return Verification(status=worst, sha256=sha, signatures=checks)


def _check(sig: Any, pdf: bytes, roots: list[asn1_x509.Certificate], known: Any,
           recorded_time: Any) -> SignatureCheck:  # fmt: skip
    name = sig.field_name or ""
    try:
        cert = sig.signer_cert
    except Exception:  # noqa: BLE001 - a damaged CMS blob is a damaged signature
        return SignatureCheck(field_name=name, status="tampered", intact=False, unchanged=False,
                              trusted=False, revoked=False)  # fmt: skip
    signer_name, credit_code = _signer_fields(cert)
    fp = hashlib.sha256(cert.dump()).hexdigest()
    ours: KnownCertificate | None = known(fp)
    # The signed revision ends where the byte range ends; our log knows its hash and time.
    try:
        _zero, _len1, start2, len2 = (int(v) for v in sig.byte_range)
        revision_sha = pdf_sha256(pdf[: start2 + len2])
    except (TypeError, ValueError):
        revision_sha = ""
    logged = recorded_time(revision_sha) if revision_sha else None
    context = ValidationContext(trust_roots=roots, allow_fetching=False,
                                revocation_mode="soft-fail", moment=logged)  # fmt: skip
    check = SignatureCheck(
        field_name=name, status="valid", intact=False, unchanged=False, trusted=False,
        revoked=False, signer_name=signer_name, signer_credit_code=credit_code,
        certificate_fingerprint=fp,
        certificate_id=ours.id if ours else None,
        organisation_id=ours.organisation_id if ours else None,
    )  # fmt: skip
    try:
        status = validate_pdf_signature(sig, context)
    except Exception as exc:  # noqa: BLE001 - damaged CMS structure, unsupported algorithm…
        logger.info("signature %s could not be validated: %s", name, exc)
        check.status = "tampered"
        return check
    check.intact = bool(status.intact and status.valid)
    level = status.modification_level
    check.unchanged = status.docmdp_ok is not False and level in _ALLOWED_AFTER_SIGNING
    check.trusted = bool(status.trusted)
    check.signing_time = logged or status.signer_reported_dt
    check.signing_time_recorded = logged is not None
    if ours is not None and ours.revoked_at is not None:
        check.revoked_at = ours.revoked_at
        check.revocation_reason = ours.revocation_reason
        # A signature made before the certificate became invalid stays valid, but only when the
        # signing time is one we logged: a signer-claimed time could be backdated with a stolen key.
        limit = ours.invalid_since or ours.revoked_at
        check.revoked = not (logged is not None and logged < limit)
    if not check.intact or not check.unchanged:
        check.status = "tampered"
    elif check.revoked or status.revoked:
        check.revoked = True
        check.status = "revoked"
    elif not check.trusted:
        check.status = "untrusted"
    return check
