"""Issuing and revoking licences through the actions (the API eservices calls)."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import PermissionDenied, ValidationFailed
from zhengwu.files.models import StoredFile
from zhengwu.identifiers.models import NumberSequence
from zhengwu.licences import actions
from zhengwu.licences.actions import licence_revoke
from zhengwu.licences.identifier import is_valid
from zhengwu.licences.models import Licence, LicenceType
from zhengwu.licences.tests.conftest import CITIZEN_ID, ENTERPRISE_CODE, World
from zhengwu.licences.tests.helpers import pdf_bytes, pdf_text, pdfinfo_custom, pdfsig
from zhengwu.notify.models import Message
from zhengwu.signing.services import pdf_verify

pytestmark = pytest.mark.django_db


def test_issue_renders_signs_and_stores_the_licence(world: World, tmp_path: Path) -> None:
    licence = world.issue()
    year = timezone.localdate().year
    assert licence.number == f"JY990100{year}000001"
    assert is_valid(licence.identifier)
    assert licence.identifier.startswith("1.2.156.3005.2.11100000MB0000019L001.")
    assert f".{world.bureau.credit_code}.{year}000001.001." in licence.identifier
    assert licence.holder_code_type == "001"
    assert licence.valid_until == dt.date(2031, 1, 4)  # 5 years (the type's default) minus a day
    assert licence.status == "valid" and licence.effective_status() == "valid"
    assert list(licence.fields_dict) == ["经营场所", "主体业态", "经营项目"]  # order kept
    assert licence.verify_url == f"/licences/verify/{licence.verify_token}/"
    assert len(licence.verify_token) >= 32

    data = pdf_bytes(licence)
    assert licence.pdf_sha256 == licence.pdf.sha256
    text = pdf_text(data, tmp_path)
    expected_texts = [
        "食品经营许可证", licence.number, "云泽市望江餐饮有限公司", ENTERPRISE_CODE,
        "云泽市青川区望江路18号", "热食类食品制售", "云泽市市场监督管理局",
    ]  # fmt: skip
    for expected in expected_texts:
        assert expected in text
    # The identifier is printed small and may be split by pdftotext; its segments are there.
    assert licence.identifier.split(".")[6] in text.replace(" ", "")

    result = pdf_verify(data)
    assert result.status == "valid", result.summary
    assert result.organisation_id == world.bureau.pk
    sig = pdfsig(data, tmp_path)
    assert "Signature is Valid." in sig.stdout, sig.stdout + sig.stderr
    assert "Total document signed" in sig.stdout

    info = " ".join(pdfinfo_custom(data, tmp_path).lower().split())
    assert licence.identifier.lower() in info
    assert "licencetypecode: 11100000mb0000019l001" in info and "holdercodetype: 001" in info

    entry = AuditEntry.objects.get(action="licences.licence.issue")
    assert entry.object_id == str(licence.pk)
    assert Message.objects.filter(recipient=world.enterprise, subject__contains="食品经营许可证")


def test_the_qr_code_points_at_the_absolute_verification_url(world: World, settings: Any,
                                                            tmp_path: Path) -> None:  # fmt: skip
    settings.ZHENGWU_BASE_URL = "https://zwfw.yunze.gov.example"
    from zhengwu.licences import rendering

    captured = {}
    original = rendering.qr_data_uri

    def spy(url: str) -> str:
        captured["url"] = url
        return original(url)

    rendering.qr_data_uri = spy
    try:
        licence = world.issue()
    finally:
        rendering.qr_data_uri = original
    assert captured["url"] == f"https://zwfw.yunze.gov.example{licence.verify_url}"


def test_a_person_holder_gets_code_type_111_and_a_decision_layout(
    world: World, tmp_path: Path
) -> None:
    licence = world.issue(licence_type="approval", holder_name="李小明",
                          holder_id_number=CITIZEN_ID.lower(), holder_account=world.citizen,
                          fields={"许可事项": "临时占用城市道路"},
                          valid_until=dt.date(2026, 2, 4))  # fmt: skip
    assert licence.holder_code_type == "111"
    assert licence.holder_id_number == CITIZEN_ID.upper()
    assert licence.number.startswith("XK990100")
    text = pdf_text(pdf_bytes(licence), tmp_path)
    assert "准予行政许可决定书" in text and "临时占用城市道路" in text
    # The resident ID number is stored masked in the audit trail.
    entry = AuditEntry.objects.get(action="licences.licence.issue")
    assert CITIZEN_ID not in str(entry.changes)


@pytest.mark.parametrize(("number", "message"), [
    ("91990102MA12345690", "统一社会信用代码"),   # wrong check character
    ("110105194912310021", "校验码"),            # resident ID with a wrong check digit
    ("12345", "18"),
    ("", "统一社会信用代码"),
    ("<script>alert(1)</script>", "统一社会信用代码"),
])  # fmt: skip
def test_bad_holder_numbers_are_refused_and_nothing_is_stored(
    world: World, number: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        world.issue(holder_id_number=number, licence_type="outdoor-ad")
    assert message in str(caught.value.message)
    assert caught.value.data["field"] == "holder_id_number"
    assert not Licence.objects.exists()
    assert not StoredFile.objects.filter(purpose="licence").exists()


def test_an_organisation_licence_refuses_a_resident_id(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        world.issue(holder_id_number=CITIZEN_ID)  # food licences are for organisations
    assert "统一社会信用代码" in str(caught.value.message)


def test_other_bad_input_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed, match="有效期"):
        world.issue(valid_from=dt.date(2026, 5, 1), valid_until=dt.date(2026, 4, 30))
    with pytest.raises(ValidationFailed):
        world.issue(licence_type="no-such-type")
    with pytest.raises(ValidationFailed):
        world.issue(holder_name="   ")
    with pytest.raises(ValidationFailed):
        world.issue(fields={"经营场所": "x" * 501})
    with pytest.raises(ValidationFailed):
        world.issue(fields={"经营场所": "a\x00b"})
    assert not Licence.objects.exists()


def test_a_failed_signature_stores_nothing_and_uses_no_number(
    world: World, monkeypatch: Any
) -> None:
    def broken(**kwargs: Any) -> bytes:
        raise ValidationFailed("签名失败")

    monkeypatch.setattr(actions, "pdf_sign", broken)
    with pytest.raises(ValidationFailed):
        world.issue()
    assert not Licence.objects.exists()
    assert (
        not NumberSequence.objects.filter(register__startswith="licences.")
        .exclude(last_value=0)
        .exists()
    )
    monkeypatch.undo()
    assert world.issue().number.endswith("000001")


def test_licence_types_are_ensured_on_first_use(world: World) -> None:
    assert not LicenceType.objects.exists()
    world.issue()
    assert set(LicenceType.objects.values_list("code", flat=True)) == {
        "food-business", "individual-business", "construction-permit", "outdoor-ad", "approval",
    }  # fmt: skip


def test_an_issuer_without_credit_code_gets_a_placeholder_code(world: World) -> None:
    licence = world.issue(issuing_organisation=world.other, licence_type="outdoor-ad")
    assert licence.issuer_code == f"990100ZW{world.other.pk:010d}"
    assert is_valid(licence.identifier)


def test_revoke_needs_the_permission_in_the_issuing_organisation(world: World) -> None:
    licence = world.issue()
    with pytest.raises(PermissionDenied):
        licence_revoke(actor=world.other_leader, licence=licence, reason="违法经营")
    with pytest.raises(PermissionDenied):
        licence_revoke(actor=world.clerk, licence=licence, reason="违法经营")
    with pytest.raises(ValidationFailed):
        licence_revoke(actor=world.leader, licence=licence, reason="  ")
    revoked = licence_revoke(actor=world.leader, licence=licence, reason="以欺骗手段取得许可")
    assert revoked.status == "revoked" and revoked.effective_status() == "revoked"
    assert revoked.revoked_by == world.leader and revoked.revocation_reason == "以欺骗手段取得许可"
    assert AuditEntry.objects.filter(action="licences.licence.revoke", reason="以欺骗手段取得许可")
    assert Message.objects.filter(recipient=world.enterprise, subject__contains="撤销")
    with pytest.raises(ValidationFailed, match="已"):
        licence_revoke(actor=world.leader, licence=licence, reason="再次")


def test_expiry_is_derived_from_the_date(world: World) -> None:
    licence = world.issue(valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2021, 1, 1))
    assert licence.status == "valid"
    assert licence.effective_status() == "expired"
    assert licence.effective_status(today=dt.date(2020, 6, 1)) == "valid"


def test_issuing_twice_for_the_same_case_returns_the_first_licence(world: World) -> None:
    first = world.issue(owner_type="eservices.application", owner_id=42)
    again = world.issue(owner_type="eservices.application", owner_id="42")
    assert again.pk == first.pk
    assert Licence.objects.count() == 1
    assert AuditEntry.objects.filter(action="licences.licence.issue").count() == 1
    other_type = world.issue(owner_type="eservices.application", owner_id=42,
                             licence_type="outdoor-ad")  # fmt: skip
    assert other_type.pk != first.pk
    licence_revoke(actor=world.leader, licence=first, reason="撤销后重新发证")
    reissued = world.issue(owner_type="eservices.application", owner_id=42)
    assert reissued.pk != first.pk and reissued.number.endswith("000002")


def test_demo_loader_is_idempotent(world: World) -> None:
    from io import StringIO

    from zhengwu.directory.models import Account, Organisation, Role
    from zhengwu.licences import demo

    Organisation.objects.filter(pk=world.bureau.pk).update(code="scjg")
    Account.objects.filter(pk=world.enterprise.pk).update(username="enterprise01")
    Account.objects.filter(pk=world.citizen.pk).update(username="citizen01")
    Role.objects.create(code="leader", name="部门领导")
    out = StringIO()
    demo.load(out)
    assert Licence.objects.filter(owner_type=demo.DEMO_OWNER).count() == 3
    assert LicenceType.objects.count() == 5
    assert Role.objects.get(code="leader").permissions.filter(codename="revoke_licence").exists()
    entries = AuditEntry.objects.count()
    demo.load(StringIO())
    assert AuditEntry.objects.count() == entries
    assert Licence.objects.count() == 3
