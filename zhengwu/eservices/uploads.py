"""The applicant's files of one post, received before the case's transaction begins.

Inspecting, hashing and writing a scan takes longer than the rows that record it. Receiving the
files first (``files.actions.file_receive``) keeps that work out of the transaction, which on
SQLite holds the database's one write lock: the lock is then held for the rows only. A file that
the transaction does not keep (refused, rolled back) is deleted again.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from zhengwu.core.errors import NotFound, ValidationFailed
from zhengwu.eservices.models import Material
from zhengwu.files.actions import file_discard, file_receive
from zhengwu.files.models import StoredFile
from zhengwu.files.types import preset

MATERIAL_PURPOSE = "application_material"


@dataclass
class Received:
    material: Material
    stored: StoredFile | None  # bytes written, row not kept yet; None when refused
    refusal: str = ""  # why the file was refused (type, size, …), for the form


def refusal_text(material: Material, reason: str) -> str:
    return _("%(material)s: %(reason)s") % {"material": material.name, "reason": reason}


def uploads_receive(
    actor: Any, materials: Iterable[Material], uploads: Sequence[tuple[int, UploadedFile]]
) -> list[Received]:
    """Check and write each ``(material id, file)``. A material id not among ``materials``
    refuses the whole post (``NotFound``) before anything is written."""
    if not uploads:
        return []
    by_id = {m.pk: m for m in materials}
    if any(material_id not in by_id for material_id, _upload in uploads):
        raise NotFound()
    received = []
    for material_id, upload in uploads:
        material = by_id[material_id]
        try:
            stored = file_receive(actor=actor, upload=upload, purpose=MATERIAL_PURPOSE,
                                  allowed_types=preset("scans"))  # fmt: skip
        except ValidationFailed as exc:
            received.append(Received(material, None, refusal_text(material, str(exc.message))))
        else:
            received.append(Received(material, stored))
    return received


def uploads_discard(received: Sequence[Received], *, rolled_back: bool) -> None:
    """Delete the bytes of the files whose rows were not kept (all of them when the transaction
    that kept them ``rolled_back``)."""
    for item in received:
        if item.stored is not None and (rolled_back or item.stored.pk is None):
            file_discard(item.stored)
