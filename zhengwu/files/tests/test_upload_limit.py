"""An oversized upload is stopped while it arrives, and the form says why in Chinese."""

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.test import Client

from zhengwu.files.handlers import UploadLimitHandler
from zhengwu.files.models import StoredFile
from zhengwu.files.tests import samples

pytestmark = [pytest.mark.django_db, pytest.mark.urls("zhengwu.files.tests.upload_urls")]

LIMIT = 100_000


@pytest.fixture
def signed_in(client: Client, django_user_model: Any, settings: Any) -> Client:
    settings.ZHENGWU_UPLOAD_MAX_BYTES = LIMIT
    account = django_user_model.objects.create_user(
        "citizen1", "Xx-12345678", display_name="张三", kind="citizen"
    )
    client.force_login(account)
    return client


def pdf_of(size: int, name: str = "材料.pdf") -> SimpleUploadedFile:
    body = samples.MINIMAL_PDF + b"%" * (size - len(samples.MINIMAL_PDF))
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def test_the_handler_is_installed_before_django_spools_anything() -> None:
    assert django_settings.FILE_UPLOAD_HANDLERS[0] == "zhengwu.files.handlers.UploadLimitHandler"


def test_an_oversized_file_is_stopped_early_and_refused_in_chinese(signed_in: Client) -> None:
    big = 40 * LIMIT  # 4 MB: above Django's in-memory limit, so it would go to a temporary file

    response = signed_in.post("/upload/", {"title": "营业执照申请", "material": pdf_of(big)})

    assert response.status_code == 400
    answer = response.json()
    [error] = answer["errors"]["material"]
    assert "材料.pdf" in error and "97.7\xa0KB" in error and "超过" in error
    assert "必填" not in error  # not the misleading "this field is required"
    assert answer["files"] == {}  # the file never reached request.FILES
    assert answer["title"] == "营业执照申请"  # fields before the file are kept
    assert not StoredFile.objects.exists()


def test_the_handler_stops_one_chunk_after_the_limit(signed_in: Client, monkeypatch: Any) -> None:
    received_when_stopped: list[int] = []
    original = UploadLimitHandler._refuse

    def recording(self: UploadLimitHandler, received: int) -> None:
        received_when_stopped.append(received)
        original(self, received)

    monkeypatch.setattr(UploadLimitHandler, "_refuse", recording)
    signed_in.post("/upload/", {"title": "x", "material": pdf_of(40 * LIMIT)})

    [received] = received_when_stopped
    assert LIMIT < received <= LIMIT + UploadLimitHandler.chunk_size


def test_a_file_at_the_limit_is_stored(signed_in: Client) -> None:
    response = signed_in.post("/upload/", {"title": "x", "material": pdf_of(LIMIT)})
    assert response.status_code == 200, response.content
    assert response.json()["files"] == {"material": LIMIT}
    assert StoredFile.objects.get().size == LIMIT


def test_a_part_announcing_a_large_length_is_refused_before_any_byte(rf: Any) -> None:
    request = rf.post("/upload/")
    handler = UploadLimitHandler(request)
    handler.limit = 10
    with pytest.raises(StopUpload) as stopped:
        handler.new_file("material", "a.pdf", "application/pdf", 11)
    assert stopped.value.connection_reset is False
    [refusal] = request.zhengwu_upload_refusals
    assert (refusal.field_name, refusal.received, refusal.limit) == ("material", 11, 10)
