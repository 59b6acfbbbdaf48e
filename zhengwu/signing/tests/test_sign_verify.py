"""Signing and verifying PDFs: what a licence holder or a receiving unit would notice."""

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import ValidationFailed
from zhengwu.signing import actions, crypto
from zhengwu.signing import pdf as pdf_module
from zhengwu.signing.models import Certificate, SigningRecord
from zhengwu.signing.services import SealPlacement, pdf_sha256, pdf_sign, pdf_verify

from .conftest import make_pdf

PDFSIG = shutil.which("pdfsig")


def _sign(units: Any, pdf: bytes, **kwargs: Any) -> bytes:
    return pdf_sign(pdf=pdf, organisation=units.bureau, reason="颁发电子证照", location="云泽市",
                    **kwargs)  # fmt: skip


@pytest.mark.django_db
def test_signed_pdf_verifies_as_valid_with_signer_and_time(units: Any, small_pdf: bytes) -> None:
    before = timezone.now()
    signed = _sign(units, small_pdf)
    result = pdf_verify(signed)
    assert result.status == "valid"
    assert result.summary == "有效"
    assert result.is_valid
    check = result.last
    assert check is not None
    assert check.intact and check.unchanged and check.trusted and not check.revoked
    assert check.signer_name == "云泽市市场监督管理局"  # full name, not "市市场监督管理局"
    assert result.organisation_id == units.bureau.pk
    assert check.signing_time_recorded
    assert before - dt.timedelta(seconds=1) <= result.signing_time <= timezone.now()
    assert result.sha256 == pdf_sha256(signed)


@pytest.mark.django_db
def test_signing_is_logged_and_audited_with_the_document_hashes(
    units: Any, small_pdf: bytes
) -> None:
    signed = _sign(units, small_pdf)
    record = SigningRecord.objects.get()
    assert record.source_sha256 == pdf_sha256(small_pdf)
    assert record.signed_sha256 == pdf_sha256(signed)
    entry = AuditEntry.objects.filter(action="signing.document.sign").get()
    assert entry.changes["sha256"] == [pdf_sha256(small_pdf), pdf_sha256(signed)]
    assert entry.changes["reason"] == [None, "颁发电子证照"]


@pytest.mark.django_db
def test_a_unit_without_certificate_gets_one_from_the_built_in_ca(
    units: Any, small_pdf: bytes
) -> None:
    assert not Certificate.objects.exists()
    _sign(units, small_pdf)
    cert = Certificate.objects.get()
    assert cert.organisation == units.bureau
    assert cert.source == Certificate.Source.BUILT_IN
    parsed = crypto.load_pem(cert.certificate_pem)
    assert (
        crypto.subject_attribute(parsed.subject, crypto.NameOID.COMMON_NAME)
        == "云泽市市场监督管理局"
    )
    assert crypto.is_signing_capable(parsed)
    assert 3 * 365 - 2 <= (cert.not_after - cert.not_before).days <= 3 * 365 + 1


@pytest.mark.django_db
def test_one_changed_byte_in_the_signed_range_is_tampering(units: Any, small_pdf: bytes) -> None:
    signed = _sign(units, small_pdf)
    position = signed.index(b"WeasyPrint")  # the /Producer entry, inside the first signed range
    tampered = signed[:position] + b"X" + signed[position + 1 :]
    result = pdf_verify(tampered)
    assert result.status == "tampered"
    assert result.summary == "已被篡改"
    assert not result.last.intact


@pytest.mark.django_db
def test_an_incremental_update_changing_page_content_is_tampering(
    units: Any, small_pdf: bytes
) -> None:
    signed = _sign(units, small_pdf)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    overlay = generic.StreamObject(stream_data=b"q 1 0 0 RG 10 w 50 50 m 400 400 l S Q")
    writer.add_stream_to_page(0, writer.add_object(overlay))
    out = io.BytesIO()
    writer.write(out)
    result = pdf_verify(out.getvalue())
    assert result.status == "tampered"
    assert result.summary == "已被篡改"
    assert result.last.intact  # the signed bytes are untouched…
    assert not result.last.unchanged  # …but the document shown is not what was signed


@pytest.mark.django_db
def test_a_second_signature_keeps_the_first_valid(units: Any, small_pdf: bytes) -> None:
    once = _sign(units, small_pdf)
    twice = pdf_sign(pdf=once, organisation=units.city, reason="会签")
    result = pdf_verify(twice)
    assert result.status == "valid"
    assert [c.signer_name for c in result.signatures] == ["云泽市市场监督管理局", "云泽市人民政府"]
    assert result.signatures[1].signer_credit_code == units.city.credit_code


@pytest.mark.django_db
def test_unsigned_and_unreadable_files(db: Any, small_pdf: bytes) -> None:
    assert pdf_verify(small_pdf).summary == "未签名"
    assert pdf_verify(b"%PDF-1.7\nnot really").status in {"unreadable", "unsigned"}
    assert pdf_verify(b"<script>alert(1)</script>").status == "unreadable"


@pytest.mark.django_db
def test_signatures_after_revocation_time_are_revoked(units: Any, small_pdf: bytes) -> None:
    signed = _sign(units, small_pdf)
    cert = Certificate.objects.get()
    # Key compromise: invalid since before this document was signed.
    actions.certificate_revoke(actor=None, certificate=cert, reason="私钥泄露",
                               invalid_since=cert.not_before)  # fmt: skip
    result = pdf_verify(signed)
    assert result.status == "revoked"
    assert result.summary == "证书已吊销"
    assert result.last.revocation_reason == "私钥泄露"


@pytest.mark.django_db
def test_documents_signed_before_a_routine_revocation_stay_valid(
    units: Any, small_pdf: bytes
) -> None:
    signed = _sign(units, small_pdf)
    cert = Certificate.objects.get()
    actions.certificate_revoke(actor=None, certificate=cert, reason="机构改革，证书停用")
    result = pdf_verify(signed)
    assert result.status == "valid"
    assert result.last.revoked_at is not None
    # Without our log's trusted time (a copy signed elsewhere with the key) it is not accepted.
    SigningRecord.objects.all().delete()
    assert pdf_verify(signed).status == "revoked"


@pytest.mark.django_db
def test_a_revoked_unit_cannot_sign_and_gets_no_silent_new_certificate(
    units: Any, small_pdf: bytes
) -> None:
    _sign(units, small_pdf)
    actions.certificate_revoke(actor=None, certificate=Certificate.objects.get(), reason="停用")
    with pytest.raises(ValidationFailed, match="没有有效的签名证书"):
        _sign(units, small_pdf)
    assert Certificate.objects.count() == 1
    new = actions.certificate_issue(actor=None, organisation=units.bureau)
    result = pdf_verify(_sign(units, small_pdf))
    assert result.status == "valid"
    assert result.last.certificate_id == new.pk


@pytest.mark.django_db
def test_a_self_made_certificate_is_not_trusted(db: Any, small_pdf: bytes) -> None:
    now = timezone.now()
    root, root_key = crypto.build_root(common_name="伪造根证书", organisation="伪造", now=now)
    cert, key = crypto.build_unit_certificate(
        subject=crypto.UnitSubject(name="云泽市市场监督管理局"), issuer_cert=root,
        issuer_key=root_key, now=now,
    )  # fmt: skip
    actions.root_ensure()  # our own root exists but did not issue this
    signer = pdf_module.UnitSigner(cert=cert, key=key, chain=[root])
    forged = pdf_module.sign_pdf_bytes(pdf=small_pdf, signer=signer, reason="伪造")
    result = pdf_verify(forged)
    assert result.status == "untrusted"
    assert result.summary == "签名者不受信任"
    assert result.last.intact
    assert result.last.certificate_id is None


@pytest.mark.django_db
def test_stopping_trust_in_a_root_makes_its_signatures_untrusted(
    units: Any, small_pdf: bytes
) -> None:
    signed = _sign(units, small_pdf)
    root = actions.root_ensure()
    actions.trust_anchor_set_active(actor=None, anchor=root, active=False, reason="测试")
    assert pdf_verify(signed).status == "untrusted"


@pytest.mark.django_db
def test_bad_input_is_refused_in_chinese(units: Any, small_pdf: bytes) -> None:
    with pytest.raises(ValidationFailed, match="签名事由"):
        pdf_sign(pdf=small_pdf, organisation=units.bureau, reason="  ")
    with pytest.raises(ValidationFailed, match="PDF"):
        pdf_sign(pdf=b"GIF89a not a pdf", organisation=units.bureau, reason="测试")
    with pytest.raises(ValidationFailed, match="印章"):
        pdf_sign(pdf=small_pdf, organisation=units.bureau, reason="测试",
                 seal=SealPlacement(page=5))  # fmt: skip
    assert not SigningRecord.objects.exists()


def _widget(signed: bytes, field: str) -> Any:
    reader = PdfFileReader(io.BytesIO(signed))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    for annot in page["/Annots"]:
        annot = annot.get_object()
        if annot.get("/T") == field or annot.get("/Parent", {}).get("/T") == field:
            return page, annot
    raise AssertionError("no widget")


@pytest.mark.django_db
def test_visible_seal_is_drawn_in_the_requested_box(units: Any, small_pdf: bytes) -> None:
    placement = SealPlacement(page=0, x_mm=120, y_mm=200, width_mm=40, origin="top-left")
    signed = _sign(units, small_pdf, seal=placement, field_name="Seal1")
    page, widget = _widget(signed, "Seal1")
    page_height = float(page["/MediaBox"][3])
    x1, _y1, x2, y2 = (float(v) for v in widget["/Rect"])
    mm = 72 / 25.4
    assert x1 == pytest.approx(120 * mm, abs=0.1)
    assert x2 - x1 == pytest.approx(40 * mm, abs=0.1)
    assert page_height - y2 == pytest.approx(200 * mm, abs=0.1)  # top edge 200 mm from the top
    appearance = widget["/AP"]["/N"]
    xobjects = appearance["/Resources"]["/XObject"]
    images = [x.get_object() for x in xobjects.values()
              if x.get_object().get("/Subtype") == "/Image"]  # fmt: skip
    assert images, "the seal image is in the appearance stream"
    assert "/SMask" in images[0]  # transparent background: text under the seal stays visible
    assert pdf_verify(signed).status == "valid"


@pytest.mark.django_db
def test_seal_placed_from_the_bottom_left_and_on_the_last_page(units: Any) -> None:
    pdf = make_pdf(pages=3)
    signed = _sign(
        units,
        pdf,
        seal=SealPlacement.centred_at(
            page=-1, cx_mm=150, cy_mm=60, diameter_mm=42, origin="bottom-left"
        ),
        field_name="S",
    )
    reader = PdfFileReader(io.BytesIO(signed))
    last = reader.root["/Pages"]["/Kids"][2].get_object()
    rects = [a.get_object()["/Rect"] for a in last.get("/Annots", [])]
    assert len(rects) == 1
    x1, y1, x2, y2 = (float(v) for v in rects[0])
    mm = 72 / 25.4
    assert (x1 + x2) / 2 == pytest.approx(150 * mm, abs=0.1)
    assert (y1 + y2) / 2 == pytest.approx(60 * mm, abs=0.1)


@pytest.mark.django_db
def test_the_signer_is_loaded_once_and_reloaded_when_the_certificate_changes(
    units: Any, small_pdf: bytes, monkeypatch: Any
) -> None:
    calls = []
    real = crypto.decrypt_private_key

    def counting(blob: bytes) -> Any:
        calls.append(1)
        return real(blob)

    monkeypatch.setattr(crypto, "decrypt_private_key", counting)
    for _ in range(3):
        _sign(units, small_pdf)
    assert len(calls) == 2  # the root's key once (issuing), the unit's key once (signing)
    actions.certificate_revoke(actor=None, certificate=Certificate.objects.get(), reason="更换")
    new = actions.certificate_issue(actor=None, organisation=units.bureau)
    signed = _sign(units, small_pdf)
    assert pdf_verify(signed).last.certificate_id == new.pk


@pytest.mark.django_db
def test_private_keys_are_not_stored_in_plaintext(
    units: Any, small_pdf: bytes, settings: Any
) -> None:
    from cryptography.hazmat.primitives import serialization

    cert = actions.certificate_issue(actor=None, organisation=units.bureau)
    stored = bytes(Certificate.objects.get(pk=cert.pk).encrypted_key)
    key = crypto.decrypt_private_key(stored)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())  # fmt: skip
    raw_scalar = key.private_numbers().private_value.to_bytes(32, "big")
    assert der not in stored and raw_scalar not in stored and b"PRIVATE KEY" not in stored
    settings.ZHENGWU_SIGNING_KEY = "another-secret"
    with pytest.raises(crypto.KeyDecryptionError):
        crypto.decrypt_private_key(stored)
    pdf_module.caches_clear()
    with pytest.raises(ValidationFailed, match="ZHENGWU_SIGNING_KEY"):
        _sign(units, small_pdf)


@pytest.mark.django_db
def test_root_is_created_once(db: Any) -> None:
    first = actions.root_ensure()
    assert actions.root_ensure().pk == first.pk
    root = crypto.load_pem(first.certificate_pem)
    assert root.subject == root.issuer
    assert "云泽市" in first.name


@pytest.mark.skipif(PDFSIG is None, reason="poppler-utils not installed")
@pytest.mark.django_db
def test_poppler_pdfsig_accepts_our_signature_and_rejects_tampering(
    units: Any, tmp_path: Path
) -> None:
    signed = _sign(units, make_pdf(), seal=SealPlacement(page=0, x_mm=120, y_mm=60))
    good = tmp_path / "signed.pdf"
    good.write_bytes(signed)
    output = subprocess.run(  # noqa: S603 - fixed binary, our own temp file
        [PDFSIG, str(good)], capture_output=True, text=True, check=False
    )
    assert "Signature Validation: Signature is Valid." in output.stdout
    assert "ETSI.CAdES.detached" in output.stdout  # PAdES
    assert "Total document signed" in output.stdout
    position = signed.index(b"WeasyPrint")
    bad = tmp_path / "tampered.pdf"
    bad.write_bytes(signed[:position] + b"X" + signed[position + 1 :])
    output = subprocess.run(  # noqa: S603 - fixed binary, our own temp file
        [PDFSIG, str(bad)], capture_output=True, text=True, check=False
    )
    assert "Signature is Valid." not in output.stdout
    assert "Signature Validation:" in output.stdout
