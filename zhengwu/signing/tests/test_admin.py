"""Certificate and seal administration: PKCS#12 import, trust roots, seals, pages, demo."""

import datetime as dt
import io
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhengwu.directory.actions import account_create_staff, role_assign, role_create
from zhengwu.identity.testing import sign_in
from zhengwu.signing import actions, crypto, demo, seals
from zhengwu.signing.models import Certificate, Seal, TrustAnchor
from zhengwu.signing.services import pdf_sign, pdf_verify

# --- A "real" CA outside the platform --------------------------------------------------------


class ExternalCa:
    def __init__(self, *, non_repudiation: bool = True) -> None:
        now = timezone.now()
        self.root, self.root_key = crypto.build_root(common_name="某商业CA根证书",
                                                     organisation="某CA公司", now=now)  # fmt: skip
        self.key = ec.generate_private_key(ec.SECP256R1())
        usage = x509.KeyUsage(
            digital_signature=True, content_commitment=non_repudiation, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False,
        )  # fmt: skip
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "市场监管")]))
            .issuer_name(self.root.subject).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(usage, critical=True)
            .sign(self.root_key, hashes.SHA256())
        )  # fmt: skip

    def p12(self, password: str) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            b"unit",
            self.key,
            self.cert,
            [self.root],
            serialization.BestAvailableEncryption(password.encode()),
        )

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)


@pytest.mark.django_db
def test_pkcs12_with_wrong_password_is_refused_in_chinese(units: Any) -> None:
    ca = ExternalCa()
    actions.trust_anchor_import(actor=None, data=ca.root_pem())
    with pytest.raises(ValidationFailed, match="密码错误"):
        actions.certificate_import_pkcs12(actor=None, organisation=units.bureau,
                                          data=ca.p12("right"), password="wrong")  # fmt: skip
    with pytest.raises(ValidationFailed, match="密码错误"):
        actions.certificate_import_pkcs12(actor=None, organisation=units.bureau,
                                          data=b"garbage", password="x")  # fmt: skip
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_pkcs12_from_an_untrusted_ca_is_refused_until_its_root_is_imported(
    units: Any, small_pdf: bytes
) -> None:
    ca = ExternalCa()
    with pytest.raises(ValidationFailed, match="根证书"):
        actions.certificate_import_pkcs12(actor=None, organisation=units.bureau,
                                          data=ca.p12("pw"), password="pw")  # fmt: skip
    actions.trust_anchor_import(actor=None, data=ca.root_pem())
    cert = actions.certificate_import_pkcs12(actor=None, organisation=units.bureau,
                                             data=ca.p12("pw"), password="pw")  # fmt: skip
    assert cert.source == Certificate.Source.IMPORTED
    with pytest.raises(Conflict):
        actions.certificate_import_pkcs12(actor=None, organisation=units.bureau,
                                          data=ca.p12("pw"), password="pw")  # fmt: skip
    signed = pdf_sign(pdf=small_pdf, organisation=units.bureau, reason="发证")
    result = pdf_verify(signed)
    assert result.status == "valid"
    assert result.last.certificate_id == cert.pk
    assert AuditEntry.objects.filter(action="signing.certificate.import").count() == 1


@pytest.mark.django_db
def test_pkcs12_without_non_repudiation_is_refused(units: Any) -> None:
    ca = ExternalCa(non_repudiation=False)
    actions.trust_anchor_import(actor=None, data=ca.root_pem())
    with pytest.raises(ValidationFailed, match="不可否认"):
        actions.certificate_import_pkcs12(actor=None, organisation=units.bureau,
                                          data=ca.p12("pw"), password="pw")  # fmt: skip


@pytest.mark.django_db
def test_trust_anchor_import_refuses_leaf_certificates_and_garbage(units: Any) -> None:
    ca = ExternalCa()
    with pytest.raises(ValidationFailed, match="PEM"):
        actions.trust_anchor_import(actor=None, data=b"<script>alert(1)</script>")
    with pytest.raises(ValidationFailed, match="CA"):
        actions.trust_anchor_import(
            actor=None, data=ca.cert.public_bytes(serialization.Encoding.PEM)
        )
    actions.trust_anchor_import(actor=None, data=ca.root_pem(), name="商业CA")
    with pytest.raises(Conflict):
        actions.trust_anchor_import(actor=None, data=ca.root_pem())
    assert TrustAnchor.objects.get(source="imported").name == "商业CA"


@pytest.mark.django_db
def test_revoke_needs_a_reason_and_happens_once(units: Any) -> None:
    cert = actions.certificate_issue(actor=None, organisation=units.bureau)
    with pytest.raises(ValidationFailed, match="理由"):
        actions.certificate_revoke(actor=None, certificate=cert, reason=" ")
    actions.certificate_revoke(actor=None, certificate=cert, reason="机构撤销")
    with pytest.raises(Conflict):
        actions.certificate_revoke(actor=None, certificate=cert, reason="再次")
    entry = AuditEntry.objects.get(action="signing.certificate.revoke")
    assert entry.reason == "机构撤销"


@pytest.mark.django_db
def test_people_need_the_permissions(units: Any) -> None:
    clerk = account_create_staff(actor=None, username="sg_clerk", display_name="科员",
                                 organisation=units.bureau).account  # fmt: skip
    with pytest.raises(PermissionDenied):
        actions.certificate_issue(actor=clerk, organisation=units.bureau)
    cert = actions.certificate_issue(actor=None, organisation=units.bureau)
    with pytest.raises(PermissionDenied):
        actions.certificate_revoke(actor=clerk, certificate=cert, reason="x")


def test_generated_seal_is_red_round_and_transparent() -> None:
    png = seals.render_seal_png("云泽市市场监督管理局")
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    assert image.size == (seals.OUTPUT_PX, seals.OUTPUT_PX)
    assert image.getpixel((2, 2))[3] == 0  # corner transparent
    assert image.getpixel((seals.OUTPUT_PX // 2, seals.OUTPUT_PX // 2))[:3][0] > 180  # red star
    ring = image.getpixel((seals.OUTPUT_PX // 2, 12))
    assert ring[3] > 200 and ring[0] > 180 and ring[1] < 80  # red ring at the top
    red = sum(1 for px in image.getdata() if px[3] > 128)
    with_text = red
    without_text = sum(1 for px in Image.open(io.BytesIO(seals.render_seal_png(""))).getdata()
                       if px[3] > 128)  # fmt: skip
    if seals.seal_font_path() is not None:
        assert with_text > without_text * 1.2  # the name is drawn along the arc


@pytest.mark.django_db
def test_seal_upload_replaces_the_image_and_refuses_non_images(units: Any) -> None:
    seal = actions.seal_generate(actor=None, organisation=units.bureau)
    assert seal.source == Seal.Source.GENERATED
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 300), (200, 0, 0, 128)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("章.png", buffer.getvalue(), content_type="image/png")
    seal = actions.seal_upload(actor=None, organisation=units.bureau, upload=upload)
    assert seal.source == Seal.Source.UPLOADED
    assert Seal.objects.count() == 1
    bad = SimpleUploadedFile("章.png", b"%PDF-1.4 nope", content_type="image/png")
    with pytest.raises(ValidationFailed, match="PNG"):
        actions.seal_upload(actor=None, organisation=units.bureau, upload=bad)
    tiny = io.BytesIO()
    Image.new("RGB", (20, 20)).save(tiny, format="PNG")
    with pytest.raises(ValidationFailed, match="像素"):
        actions.seal_upload(actor=None, organisation=units.bureau,
                            upload=SimpleUploadedFile("t.png", tiny.getvalue()))  # fmt: skip
    assert Seal.objects.get().source == Seal.Source.UPLOADED


# --- Pages -----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client: Any, units: Any) -> Any:
    account = account_create_staff(
        actor=None,
        username="sg_admin",
        display_name="管理员",
        organisation=units.city,
        must_change_password=False,
    ).account
    role = role_create(
        actor=None,
        code="sg-admin",
        name="证书管理员",
        permissions=Permission.objects.filter(content_type__app_label="signing"),
    )
    role_assign(actor=None, account=account, role=role, organisation=units.city)
    sign_in(client, account)
    return client


@pytest.mark.django_db
def test_admin_pages_issue_revoke_import_and_seal(admin_client: Any, units: Any) -> None:
    assert admin_client.get(reverse("signing:unit_list")).status_code == 200
    detail = reverse("signing:unit_detail", args=[units.bureau.pk])
    assert "没有有效的签名证书" in admin_client.get(detail).content.decode()
    admin_client.post(reverse("signing:certificate_issue", args=[units.bureau.pk]))
    cert = Certificate.objects.get()
    page = admin_client.get(detail).content.decode()
    assert cert.serial[:10] in page
    response = admin_client.post(reverse("signing:certificate_revoke", args=[cert.pk]),
                                 {"reason": ""})  # fmt: skip
    assert response.status_code == 200 and Certificate.objects.get().status == "active"
    admin_client.post(reverse("signing:certificate_revoke", args=[cert.pk]),
                      {"reason": "测试吊销"})  # fmt: skip
    assert Certificate.objects.get().status == "revoked"
    response = admin_client.post(
        reverse("signing:certificate_import", args=[units.bureau.pk]),
        {"file": SimpleUploadedFile("u.p12", ExternalCa().p12("a")), "password": "b"},
    )  # fmt: skip
    assert "密码错误" in response.content.decode()
    admin_client.post(reverse("signing:seal_generate", args=[units.bureau.pk]))
    image = admin_client.get(reverse("signing:seal_image", args=[units.bureau.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert admin_client.get(reverse("signing:trust_list")).status_code == 200


@pytest.mark.django_db
def test_root_certificate_is_public_and_verify_page_is_for_staff(
    client: Any, admin_client: Any, units: Any, small_pdf: bytes
) -> None:
    from django.test import Client

    anonymous = Client()
    assert anonymous.get(reverse("signing:root_ca_pem")).status_code == 404
    actions.root_ensure()
    response = anonymous.get(reverse("signing:root_ca_pem"))
    assert response.status_code == 200
    assert (
        crypto.load_pem(response.content).subject
        == crypto.load_pem(TrustAnchor.objects.get().certificate_pem).subject
    )
    assert anonymous.get(reverse("signing:verify")).status_code == 302  # to the login page
    assert anonymous.get(reverse("signing:unit_list")).status_code == 302
    signed = pdf_sign(pdf=small_pdf, organisation=units.bureau, reason="发证")
    page = admin_client.post(
        reverse("signing:verify"), {"file": SimpleUploadedFile("a.pdf", signed)}
    ).content.decode()
    assert 'data-status="valid"' in page and "有效" in page and "云泽市市场监督管理局" in page
    page = admin_client.post(
        reverse("signing:verify"), {"file": SimpleUploadedFile("a.pdf", small_pdf)}
    ).content.decode()
    assert "未签名" in page


@pytest.mark.django_db
def test_staff_without_permission_cannot_manage(client: Any, units: Any) -> None:
    account = account_create_staff(
        actor=None,
        username="sg_plain",
        display_name="普通",
        organisation=units.city,
        must_change_password=False,
    ).account
    sign_in(client, account)
    assert client.get(reverse("signing:unit_list")).status_code == 403
    assert (
        client.post(reverse("signing:certificate_issue", args=[units.bureau.pk])).status_code == 403
    )
    assert client.get(reverse("signing:verify")).status_code == 200  # any staff may verify
    assert not Certificate.objects.exists()


# --- Demo ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_loader_is_idempotent(units: Any) -> None:
    units.city.code = "yzszf"
    units.city.save(update_fields=["code"])
    out = io.StringIO()
    demo.load(out)
    assert Certificate.objects.count() == 2  # the city government and its one department
    assert Seal.objects.count() == 2
    entries = AuditEntry.objects.count()
    demo.load(out)
    assert Certificate.objects.count() == 2 and Seal.objects.count() == 2
    assert AuditEntry.objects.count() == entries


@pytest.mark.django_db
def test_seals_and_certificates_carry_the_full_legal_name(units: Any) -> None:
    from zhengwu.directory.actions import organisation_create
    from zhengwu.signing.selectors import unit_full_name

    office = organisation_create(
        actor=None,
        name="市政府办公室",
        kind="department",
        region=units.city.region,
        parent=units.city,
        code="sg-szfb",
    )
    assert unit_full_name(office) == "云泽市人民政府办公室"
    assert unit_full_name(units.bureau) == "云泽市市场监督管理局"
    assert unit_full_name(units.city) == "云泽市人民政府"
    cert = actions.certificate_issue(actor=None, organisation=office)
    assert "CN=云泽市人民政府办公室" in cert.subject
