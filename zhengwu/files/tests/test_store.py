import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from zhengwu.core.errors import ValidationFailed
from zhengwu.files import types
from zhengwu.files.actions import file_store, file_verify
from zhengwu.files.inspection import sanitise_filename
from zhengwu.files.models import StoredFile
from zhengwu.files.tests import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(
        "citizen1", "Xx-12345678", display_name="张三", kind="citizen"
    )


def stored_files_on_disk(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def refused(citizen: Any, upload: Any, **kwargs: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        file_store(actor=citizen, upload=upload, purpose="application_material", **kwargs)
    return caught.value


def test_a_real_pdf_is_stored_with_its_hash_type_and_name(citizen: Any, settings: Any) -> None:
    stored = file_store(
        actor=citizen, upload=samples.upload("申请书.pdf", samples.MINIMAL_PDF), purpose="avatar"
    )
    assert stored.content_type == "application/pdf"
    assert stored.size == len(samples.MINIMAL_PDF)
    assert stored.sha256 == hashlib.sha256(samples.MINIMAL_PDF).hexdigest()
    assert stored.original_name == "申请书.pdf"
    assert stored.uploaded_by == citizen
    assert stored.purpose == "avatar"
    # The storage path is date + uuid + sniffed extension, never the client's name.
    assert "申请书" not in stored.file.name
    assert stored.file.name.endswith(f"{stored.uuid.hex}.pdf")
    assert stored.file.name.startswith("files/")
    with stored.file.open("rb") as handle:
        assert handle.read() == samples.MINIMAL_PDF
    assert file_verify(stored)


def test_the_upload_is_audited(citizen: Any) -> None:
    stored = file_store(
        actor=citizen, upload=samples.upload("a.pdf", samples.MINIMAL_PDF), purpose="avatar"
    )
    entry = apps.get_model("audit", "AuditEntry").objects.get(action="files.stored_file.upload")
    assert entry.actor == citizen
    assert entry.object_id == str(stored.pk)
    assert entry.changes["sha256"] == stored.sha256


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("photo.png", samples.png(), types.PNG),
        ("报告.docx", samples.docx(), types.DOCX),
        ("表格.xlsx", samples.xlsx(), types.XLSX),
        ("电子证照.ofd", samples.ofd(), types.OFD),
        ("说明.txt", "你好，云泽市。\n".encode(), types.TEXT),
        ("说明-gbk.txt", "你好，云泽市。\n".encode("gb18030"), types.TEXT),
        ("说明-utf16.txt", "你好，云泽市。\n".encode("utf-16"), types.TEXT),
    ],
)
def test_default_types_are_recognised_by_content(
    citizen: Any, name: str, content: bytes, expected: str
) -> None:
    # The browser claims octet-stream for all of them; only the bytes count.
    stored = file_store(
        actor=citizen,
        upload=samples.upload(name, content, "application/octet-stream"),
        purpose="application_material",
    )
    assert stored.content_type == expected


@pytest.mark.parametrize("content", [samples.ELF_HEADER, samples.WINDOWS_EXE])
def test_an_executable_renamed_pdf_is_refused_in_chinese(
    citizen: Any, settings: Any, content: bytes
) -> None:
    error = refused(citizen, samples.upload("申请书.pdf", content))
    message = str(error.message)
    assert "可执行程序" in message
    assert "不接受" in message
    assert "PDF" in message  # the accepted types are listed
    assert error.data["reason"] == "type_not_allowed"
    assert not StoredFile.objects.exists()
    assert stored_files_on_disk(settings) == []


@pytest.mark.parametrize(
    ("content", "detected"),
    [
        (samples.docm(), types.DOCM),
        (samples.plain_zip(), types.ZIP),
        (b"<html><body><script>alert(1)</script></body></html>", "text/html"),
        (b"PK\x03\x04 not really a zip", types.ZIP),
        (b"plain start\n" + b"\x00\x01\x02" * 10, types.UNKNOWN),
    ],
)
def test_other_content_is_refused_whatever_the_name(
    citizen: Any, content: bytes, detected: str
) -> None:
    error = refused(citizen, samples.upload("材料.docx", content))
    assert error.data["detected"] == detected


def test_a_preset_narrows_the_allowed_types(citizen: Any) -> None:
    error = refused(
        citizen, samples.upload("a.pdf", samples.MINIMAL_PDF), allowed_types=types.preset("images")
    )
    assert "PNG" in str(error.message)
    assert "JPEG" in str(error.message)
    stored = file_store(
        actor=citizen,
        upload=samples.upload("a.png", samples.png()),
        purpose="avatar",
        allowed_types=types.preset("images"),
    )
    assert stored.content_type == types.PNG


def test_an_oversized_file_is_refused_naming_the_limit(citizen: Any, settings: Any) -> None:
    settings.ZHENGWU_UPLOAD_MAX_BYTES = 100
    error = refused(citizen, samples.upload("大文件.pdf", samples.MINIMAL_PDF))
    message = str(error.message)
    assert "100" in message
    assert "字节" in message
    assert error.data["reason"] == "too_large"
    assert not StoredFile.objects.exists()
    assert stored_files_on_disk(settings) == []


def test_max_bytes_argument_overrides_the_setting(citizen: Any) -> None:
    error = refused(citizen, samples.upload("a.pdf", samples.MINIMAL_PDF), max_bytes=10)
    assert error.data["limit"] == 10


def test_an_empty_file_is_refused(citizen: Any, settings: Any) -> None:
    error = refused(citizen, samples.upload("空.pdf", b""))
    assert "空" in str(error.message)
    assert error.data["reason"] == "empty"
    assert not StoredFile.objects.exists()
    assert stored_files_on_disk(settings) == []


def test_a_path_in_the_name_is_dropped(citizen: Any) -> None:
    stored = file_store(
        actor=citizen,
        upload=samples.upload("../../etc/申请书.pdf", samples.MINIMAL_PDF),
        purpose="avatar",
    )
    assert stored.original_name == "申请书.pdf"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("a\x00b\x1fc.pdf", "abc.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override removed
        ("  .hidden.pdf ", "hidden.pdf"),
        ('what?<script>"x".pdf', "what__script__x_.pdf"),
        ("..", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_file_names_are_sanitised(raw: str | None, clean: str) -> None:
    assert sanitise_filename(raw) == clean


def test_very_long_names_are_shortened_keeping_the_extension() -> None:
    name = sanitise_filename("长" * 500 + ".pdf")
    assert len(name) <= 200
    assert name.endswith("长.pdf")


def test_a_file_without_a_usable_name_is_named_after_its_type(citizen: Any) -> None:
    stored = file_store(
        actor=citizen, upload=samples.upload(" ... \x07", samples.MINIMAL_PDF), purpose="avatar"
    )
    assert stored.original_name == "未命名.pdf"


def test_a_wrong_extension_is_corrected_on_download_only(citizen: Any) -> None:
    stored = file_store(
        actor=citizen, upload=samples.upload("照片.pdf", samples.png()), purpose="avatar"
    )
    assert stored.original_name == "照片.pdf"
    assert stored.download_name == "照片.pdf.png"


def test_an_anonymous_upload_has_no_uploader(citizen: Any) -> None:
    stored = file_store(
        actor=None, upload=samples.upload("a.pdf", samples.MINIMAL_PDF), purpose="mailbox"
    )
    assert stored.uploaded_by is None


def test_a_bad_purpose_is_a_programming_error(citizen: Any) -> None:
    with pytest.raises(ValueError):
        file_store(
            actor=citizen,
            upload=samples.upload("a.pdf", samples.MINIMAL_PDF),
            purpose="Bad Purpose",
        )


def test_the_same_content_twice_gives_two_files_with_one_hash(citizen: Any) -> None:
    first = file_store(
        actor=citizen, upload=samples.upload("a.pdf", samples.MINIMAL_PDF), purpose="avatar"
    )
    second = file_store(
        actor=citizen, upload=samples.upload("a.pdf", samples.MINIMAL_PDF), purpose="avatar"
    )
    assert first.file.name != second.file.name
    assert first.sha256 == second.sha256


def test_verification_notices_altered_and_missing_bytes(citizen: Any, settings: Any) -> None:
    stored = file_store(
        actor=citizen, upload=samples.upload("a.pdf", samples.MINIMAL_PDF), purpose="avatar"
    )
    path = Path(stored.file.path)
    path.write_bytes(samples.MINIMAL_PDF.replace(b"200", b"300"))
    assert not file_verify(stored)
    with pytest.raises(CommandError):
        call_command("files_verify")
    path.unlink()
    assert not file_verify(stored)


def test_the_verify_command_passes_and_lists_orphans(
    citizen: Any, settings: Any, capsys: Any
) -> None:
    stored = file_store(
        actor=citizen, upload=samples.upload("a.pdf", samples.MINIMAL_PDF), purpose="avatar"
    )
    orphan = Path(stored.file.path).with_name("orphan.pdf")
    orphan.write_bytes(b"%PDF-1.4\n")
    call_command("files_verify", "--orphans")
    output = capsys.readouterr().out
    assert "orphan.pdf" in output
    assert stored.file.name not in output
