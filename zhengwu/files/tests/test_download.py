from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from zhengwu.files.actions import file_store
from zhengwu.files.models import StoredFile
from zhengwu.files.registry import register_read_rule, unregister_read_rule
from zhengwu.files.tests import samples
from zhengwu.identity.testing import sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "Xx-12345678"


@pytest.fixture
def owner(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(
        "citizen1", PASSWORD, display_name="张三", kind="citizen"
    )


@pytest.fixture
def other(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(
        "citizen2", PASSWORD, display_name="李四", kind="citizen"
    )


@pytest.fixture
def stored(owner: Any) -> StoredFile:
    return file_store(
        actor=owner,
        upload=samples.upload("云泽市 营业执照申请书.pdf", samples.MINIMAL_PDF),
        purpose="application_material",
    )


def url(stored: StoredFile) -> str:
    return reverse("files:download", kwargs={"file_id": stored.uuid})


def download(client: Client, account: Any, stored: StoredFile) -> Any:
    sign_in(client, account)  # superusers must have passed TOTP (identity)
    return client.get(url(stored))


def test_the_uploader_downloads_with_safe_headers_and_the_chinese_name(
    client: Client, owner: Any, stored: StoredFile
) -> None:
    response = download(client, owner, stored)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.MINIMAL_PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('云泽市 营业执照申请书.pdf', safe='')}" in disposition
    assert 'filename="' in disposition  # an ASCII fallback for old clients
    assert disposition.isascii()


def test_the_download_is_audited_as_a_read(client: Client, owner: Any, stored: StoredFile) -> None:
    download(client, owner, stored)
    entry = apps.get_model("audit", "AuditEntry").objects.get(action="files.stored_file.download")
    assert entry.is_read
    assert entry.actor == owner
    assert entry.object_id == str(stored.pk)


def test_another_account_gets_404_like_a_missing_file(
    client: Client, other: Any, stored: StoredFile
) -> None:
    forbidden = download(client, other, stored)
    assert forbidden.status_code == 404
    stored_uuid = stored.uuid
    stored.delete()
    missing = client.get(reverse("files:download", kwargs={"file_id": stored_uuid}))
    assert missing.status_code == 404
    assert (
        not apps.get_model("audit", "AuditEntry")
        .objects.filter(action="files.stored_file.download")
        .exists()
    )


def test_anonymous_is_sent_to_the_login_page(client: Client, stored: StoredFile) -> None:
    response = client.get(url(stored))
    assert response.status_code == 302
    assert reverse("identity:login") in response["Location"]


def test_a_superuser_may_download(
    client: Client, django_user_model: Any, stored: StoredFile
) -> None:
    admin = django_user_model.objects.create_superuser("root", PASSWORD)
    assert download(client, admin, stored).status_code == 200


def test_staff_need_a_purpose_rule_no_blanket_permission_opens_every_file(
    client: Client, django_user_model: Any, stored: StoredFile
) -> None:
    region = apps.get_model("directory", "Region").objects.create(
        code="990100", name="云泽市", level=2
    )
    organisation = apps.get_model("directory", "Organisation").objects.create(
        name="市档案馆", kind="department", region=region
    )
    clerk = django_user_model.objects.create_user(
        "clerk", PASSWORD, display_name="王五", kind="staff", organisation=organisation
    )
    assert download(client, clerk, stored).status_code == 404
    # Not even files.view_storedfile (Django's default "view" permission) grants reading: a
    # permission carries no organisation scope, so it would open every citizen's materials.
    role = apps.get_model("directory", "Role").objects.create(code="records", name="档案员")
    role.permissions.add(
        apps.get_model("auth", "Permission").objects.get(
            content_type__app_label="files", codename="view_storedfile"
        )
    )
    apps.get_model("directory", "RoleAssignment").objects.create(
        account=clerk, role=role, organisation=organisation
    )
    clerk = django_user_model.objects.get(pk=clerk.pk)  # no cached permissions
    assert clerk.has_perm("files.view_storedfile")
    assert download(client, clerk, stored).status_code == 404

    def clerks_read_materials(actor: Any, stored_file: StoredFile) -> bool:
        return actor.kind == "staff" and stored_file.purpose == "application_material"

    register_read_rule("application_material", clerks_read_materials)
    try:
        assert download(client, clerk, stored).status_code == 200
    finally:
        unregister_read_rule("application_material", clerks_read_materials)
    assert download(client, clerk, stored).status_code == 404


def test_a_file_lost_from_storage_answers_404(
    client: Client, owner: Any, stored: StoredFile
) -> None:
    stored.file.storage.delete(stored.file.name)
    assert download(client, owner, stored).status_code == 404


def test_post_is_not_allowed(client: Client, owner: Any, stored: StoredFile) -> None:
    client.force_login(owner)
    assert client.post(url(stored)).status_code == 405
