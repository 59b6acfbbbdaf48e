"""Storing, downloading and verifying files: the one upload path of the platform."""

import hashlib
import logging
import re
import uuid
from typing import Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from zhengwu.audit.actions import audit_record
from zhengwu.core.db.rows import insert
from zhengwu.core.errors import NotFound
from zhengwu.files.inspection import inspect_upload
from zhengwu.files.models import StoredFile
from zhengwu.files.selectors import access_stored_file

logger = logging.getLogger(__name__)

_PURPOSE = re.compile(r"^[a-z][a-z0-9_.:-]{0,49}$")
_HASH_CHUNK = 1024 * 1024


def file_store(
    *,
    actor: Any,
    upload: UploadedFile,
    purpose: str,
    allowed_types: frozenset[str] | None = None,
    max_bytes: int | None = None,
) -> StoredFile:
    """Check ``upload`` and keep it; raise ``ValidationFailed`` (nothing stored) when refused.

    ``allowed_types`` defaults to ``types.preset("default")`` and ``max_bytes`` to
    ``settings.ZHENGWU_UPLOAD_MAX_BYTES``; types are judged by content (``types.sniff``).
    ``purpose`` (e.g. ``"avatar"``, ``"application_material"``) selects the read rules.

    The bytes go to storage first and the row and audit entry are written in one transaction
    afterwards; if that transaction fails the bytes are deleted again. If an enclosing transaction
    of the caller rolls back later, the bytes stay behind as an orphan, which
    ``manage.py files_verify --orphans`` lists.
    """
    stored = file_receive(
        actor=actor, upload=upload, purpose=purpose, allowed_types=allowed_types,
        max_bytes=max_bytes,
    )  # fmt: skip
    try:
        return file_keep(actor=actor, stored=stored)
    except BaseException:
        file_discard(stored)
        raise


def file_receive(
    *,
    actor: Any,
    upload: UploadedFile,
    purpose: str,
    allowed_types: frozenset[str] | None = None,
    max_bytes: int | None = None,
) -> StoredFile:
    """The first half of ``file_store``: check ``upload`` and write its bytes, but not its row.
    The caller then keeps it (``file_keep``) inside its transaction or gives it up
    (``file_discard``). It lets a caller inspect, hash and write before its transaction begins,
    so that the transaction (and on SQLite the one write lock) is held for the rows only."""
    if not _PURPOSE.match(purpose):
        raise ValueError(f"invalid purpose {purpose!r}")
    inspection = inspect_upload(upload, allowed_types=allowed_types, max_bytes=max_bytes)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    stored = StoredFile(
        uuid=uuid.uuid4(),
        uploaded_at=timezone.now(),
        original_name=inspection.name,
        size=inspection.size,
        content_type=inspection.content_type,
        sha256=inspection.sha256,
        uploaded_by=actor if is_user else None,
        purpose=purpose,
    )
    upload.seek(0)
    stored.file.save(inspection.name, upload, save=False)  # storage_path() ignores the name
    return stored


@transaction.atomic
def file_keep(*, actor: Any, stored: StoredFile) -> StoredFile:
    """The second half of ``file_store``: the row and the audit entry of a received file."""
    insert(stored)
    audit_record(
        actor=actor,
        action="files.stored_file.upload",
        target=stored,
        changes={
            "original_name": stored.original_name,
            "size": stored.size,
            "content_type": stored.content_type,
            "sha256": stored.sha256,
            "purpose": stored.purpose,
        },
    )
    return stored


def file_discard(stored: StoredFile) -> None:
    """Delete the bytes of a received file whose row was never kept (or was rolled back)."""
    try:
        stored.file.storage.delete(stored.file.name)
    except OSError:
        logger.exception("could not remove %s after a failed upload", stored.file.name)


def file_open_for_download(*, actor: Any, file_id: uuid.UUID | str) -> tuple[StoredFile, File]:
    """Authorise, open and audit (as a read) one download. ``NotFound`` for missing, forbidden
    and lost files alike; the caller closes the returned file (FileResponse does)."""
    stored = access_stored_file(actor, file_id)
    try:
        handle = stored.file.storage.open(stored.file.name, "rb")
    except OSError:
        logger.error("stored file %s is missing from storage (%s)", stored.uuid, stored.file.name)
        raise NotFound() from None
    audit_record(actor=actor, action="files.stored_file.download", target=stored, is_read=True)
    return stored, handle


def file_verify(stored_file: StoredFile) -> bool:
    """Recompute the SHA-256 of the stored bytes: False if they changed, shrank or vanished."""
    digest = hashlib.sha256()
    size = 0
    try:
        with stored_file.file.storage.open(stored_file.file.name, "rb") as handle:
            while chunk := handle.read(_HASH_CHUNK):
                size += len(chunk)
                digest.update(chunk)
    except (OSError, ValueError):
        return False
    return size == stored_file.size and digest.hexdigest() == stored_file.sha256
