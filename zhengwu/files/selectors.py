"""Reading stored files."""

import uuid
from typing import Any

from django.core.exceptions import ValidationError

from zhengwu.core.errors import NotFound
from zhengwu.files.models import StoredFile
from zhengwu.files.registry import can_read


def access_stored_file(actor: Any, file_id: uuid.UUID | str) -> StoredFile:
    """The file with public id ``file_id`` if ``actor`` may read it; the same ``NotFound`` for a
    missing file and a forbidden one, so that ids cannot be probed."""
    try:
        stored = StoredFile.objects.select_related("uploaded_by").get(uuid=file_id)
    except (StoredFile.DoesNotExist, ValueError, ValidationError):
        raise NotFound() from None
    if not can_read(actor, stored):
        raise NotFound()
    return stored
