"""Public verification pages, the holder's pages and downloads, the staff pages."""

import datetime as dt
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from zhengwu.identity.testing import sign_in
from zhengwu.licences.actions import licence_revoke
from zhengwu.licences.tests.conftest import CITIZEN_ID, ENTERPRISE_CODE, World
from zhengwu.licences.tests.helpers import pdf_bytes

pytestmark = pytest.mark.django_db


def _upload(client: Client, data: bytes, name: str = "licence.pdf") -> str:
    response = client.post("/licences/verify/", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 200
    return response.content.decode()


def test_verify_page_says_valid_with_masked_holder(world: World, client: Client) -> None:
    licence = world.issue()
    response = client.get(licence.verify_url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "有效" in page and licence.number in page and "食品经营许可证" in page
    assert "云泽市市场监督管理局" in page
    assert "云泽市望江餐饮有限公司" not in page and "云泽" in page  # name partly masked
    assert ENTERPRISE_CODE not in page and ENTERPRISE_CODE[:8] in page


def test_verify_page_masks_a_persons_name_and_id(world: World, client: Client) -> None:
    licence = world.issue(licence_type="approval", holder_name="李小明",
                          holder_id_number=CITIZEN_ID, holder_account=world.citizen)  # fmt: skip
    page = client.get(licence.verify_url).content.decode()
    assert "李小明" not in page and "李**" in page
    assert CITIZEN_ID not in page and CITIZEN_ID[:6] + "********" in page


def test_revoked_and_expired_licences_say_so(world: World, client: Client) -> None:
    licence = world.issue()
    licence_revoke(actor=world.leader, licence=licence, reason="以欺骗手段取得许可")
    page = client.get(licence.verify_url).content.decode()
    assert "已撤销" in page
    assert "以欺骗手段取得许可" not in page  # the reason is for the holder, not the public
    old = world.issue(valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2021, 1, 1))
    assert "已过期" in client.get(old.verify_url).content.decode()


@pytest.mark.parametrize("token", ["no-such-token", "x" * 200, "%3Cscript%3E", "' OR 1=1 --"])
def test_an_unknown_token_is_a_404_page_saying_not_found(
    world: World, client: Client, token: str
) -> None:
    response = client.get(f"/licences/verify/{token}/")
    assert response.status_code == 404
    assert "未找到" in response.content.decode()


def test_upload_the_original_pdf_a_tampered_copy_and_other_files(
    world: World, client: Client
) -> None:
    licence = world.issue()
    data = pdf_bytes(licence)
    page = _upload(client, data)
    assert "有效" in page and licence.number in page and "电子印章完好" in page

    flipped = bytearray(data)
    position = len(data) // 3  # inside the signed page content
    flipped[position] ^= 0x01
    page = _upload(client, bytes(flipped))
    assert "已被篡改" in page and licence.number not in page

    from weasyprint import HTML

    other = HTML(string="<p>食品经营许可证</p>").write_pdf()
    assert "未找到" in _upload(client, other)
    assert "不是可读取的PDF" in _upload(client, b"not a pdf at all", "fake.pdf")


def test_upload_after_revocation_says_revoked(world: World, client: Client) -> None:
    licence = world.issue()
    licence_revoke(actor=world.leader, licence=licence, reason="注销")
    assert "已撤销" in _upload(client, pdf_bytes(licence))


def test_holder_sees_and_downloads_own_licences_only(world: World, client: Client) -> None:
    licence = world.issue()
    download = f"/files/{licence.pdf.uuid}/download/"
    sign_in(client, world.enterprise)
    page = client.get("/licences/my/").content.decode()
    assert licence.number in page and download in page
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes(licence)

    other = Client()
    sign_in(other, world.other_citizen)
    assert licence.number not in other.get("/licences/my/").content.decode()
    assert other.get(download).status_code == 404


def test_a_citizen_sees_a_licence_issued_to_their_id_number(world: World, client: Client) -> None:
    # Issued at the counter: no account given, found by the real-name identity.
    licence = world.issue(licence_type="approval", holder_name="李小明",
                          holder_id_number=CITIZEN_ID, holder_account=None)  # fmt: skip
    sign_in(client, world.citizen)
    assert licence.number in client.get("/licences/my/").content.decode()
    assert client.get(f"/files/{licence.pdf.uuid}/download/").status_code == 200


def test_staff_downloads_only_with_permission_in_the_issuing_organisation(world: World) -> None:
    licence = world.issue()
    download = f"/files/{licence.pdf.uuid}/download/"
    clerk = Client()
    sign_in(clerk, world.clerk)
    assert clerk.get(download).status_code == 200
    other = Client()
    sign_in(other, world.other_leader)
    assert other.get(download).status_code == 404


def test_my_licences_needs_a_public_account(world: World, client: Client) -> None:
    assert client.get("/licences/my/").status_code == 302
    sign_in(client, world.clerk)
    assert client.get("/licences/my/").status_code == 403


def test_staff_list_detail_export_and_revoke(world: World, client: Client) -> None:
    licence = world.issue()
    sign_in(client, world.leader)
    page = client.get("/workbench/licences/", {"q": "望江"}).content.decode()
    assert licence.number in page
    assert ENTERPRISE_CODE not in page  # masked in lists
    assert licence.number not in client.get("/workbench/licences/",
                                            {"status": "revoked"}).content.decode()  # fmt: skip
    detail = client.get(f"/workbench/licences/{licence.pk}/")
    assert detail.status_code == 200 and "撤销" in detail.content.decode()

    export = client.get("/workbench/licences/export/")
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.content)).active
    assert sheet.cell(2, 1).value == licence.number

    response = client.post(f"/workbench/licences/{licence.pk}/revoke/", {"reason": ""})
    assert response.status_code == 200
    response = client.post(f"/workbench/licences/{licence.pk}/revoke/",
                           {"reason": "以欺骗手段取得许可"})  # fmt: skip
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.status == "revoked"


def test_other_departments_staff_get_404(world: World, client: Client) -> None:
    licence = world.issue()
    sign_in(client, world.other_leader)
    assert licence.number not in client.get("/workbench/licences/").content.decode()
    assert client.get(f"/workbench/licences/{licence.pk}/").status_code == 404
    assert client.post(f"/workbench/licences/{licence.pk}/revoke/",
                       {"reason": "x"}).status_code == 404  # fmt: skip
    licence.refresh_from_db()
    assert licence.status == "valid"


def test_clerk_without_revoke_permission_cannot_revoke(world: World, client: Client) -> None:
    licence = world.issue()
    sign_in(client, world.clerk)
    assert client.post(f"/workbench/licences/{licence.pk}/revoke/",
                       {"reason": "x"}).status_code == 403  # fmt: skip


def test_licence_pdf_command(world: World, tmp_path: Path) -> None:
    from django.core.management import CommandError, call_command

    licence = world.issue()
    out = tmp_path / "out.pdf"
    call_command("licence_pdf", licence.number, str(out))
    assert out.read_bytes() == pdf_bytes(licence)
    latest = tmp_path / "latest.pdf"
    call_command("licence_pdf", "--latest", str(latest))
    assert latest.read_bytes() == pdf_bytes(licence)
    with pytest.raises(CommandError, match="不存在编号"):
        call_command("licence_pdf", "NO-SUCH", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
