"""Checking an upload before anything is stored: name, emptiness, size, type by content, hash.

Shared by ``actions.file_store`` and ``forms.StoredFileField`` so that a form and an API refuse
the same files with the same message.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext, pgettext

from zhengwu.core.errors import ValidationFailed
from zhengwu.files import types

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 200
_SEPARATORS = re.compile(r"[/\\]")
_RESERVED = re.compile(r'[<>:"|?*\x7f]')


@dataclass(frozen=True)
class UploadInspection:
    name: str  # sanitised original name
    size: int
    content_type: str  # judged from the content
    sha256: str


def max_upload_bytes() -> int:
    return int(getattr(settings, "ZHENGWU_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def sanitise_filename(name: str | None) -> str:
    """The name to show and to offer on download; the stored path never uses it.

    Keeps only the last path component (no ``../``), drops control and invisible format
    characters (including the right-to-left override that disguises ``exe`` as ``pdf``), replaces
    characters Windows forbids, collapses whitespace, strips leading dots and shortens very long
    names while keeping the extension. May return "" — the caller then names the file itself.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = _SEPARATORS.split(name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _RESERVED.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            name = f"{stem[: MAX_NAME_CHARS - len(ext) - 1].rstrip(' .')}.{ext}"
        else:
            name = name[:MAX_NAME_CHARS]
    return name


def _refuse(message: str, reason: str, **data: object) -> ValidationFailed:
    return ValidationFailed(message, data={"reason": reason, **data})


def allowed_labels(allowed: frozenset[str]) -> str:
    # In the registry's order (documents first), unknown types last by name.
    order = list(types.KNOWN_TYPES)
    ranked = sorted(allowed, key=lambda m: (order.index(m) if m in order else len(order), m))
    labels = [str(types.KNOWN_TYPES[m].label) if m in types.KNOWN_TYPES else m for m in ranked]
    return pgettext("list separator", ", ").join(labels)


def inspect_upload(
    upload: UploadedFile,
    *,
    allowed_types: frozenset[str] | None = None,
    max_bytes: int | None = None,
) -> UploadInspection:
    """Check ``upload``; raise ``ValidationFailed`` with a Chinese message naming the problem."""
    allowed = allowed_types if allowed_types is not None else types.preset("default")
    limit = max_bytes if max_bytes is not None else max_upload_bytes()
    name = sanitise_filename(upload.name)
    shown = name or gettext("(unnamed)")
    size = upload.size or 0
    if size == 0:
        raise _refuse(gettext("The file %(name)s is empty.") % {"name": shown}, "empty")
    if size > limit:
        raise _refuse(
            gettext("The file %(name)s is %(size)s; files may be at most %(limit)s.")
            % {"name": shown, "size": filesizeformat(size), "limit": filesizeformat(limit)},
            "too_large",
            size=size,
            limit=limit,
        )
    content_type = types.sniff(upload)
    if content_type not in allowed:
        raise _refuse(
            gettext(
                "The content of %(name)s is %(detected)s, which is not accepted here. "
                "Accepted: %(allowed)s."
            )
            % {
                "name": shown,
                "detected": types.label_of(content_type),
                "allowed": allowed_labels(allowed),
            },
            "type_not_allowed",
            detected=content_type,
            allowed=sorted(allowed),
        )
    digest = hashlib.sha256()
    read = 0
    for chunk in upload.chunks():
        read += len(chunk)
        if read > limit:
            break
        digest.update(chunk)
    upload.seek(0)
    if read != size:
        # The declared size and the bytes received disagree: a truncated or tampered upload.
        raise _refuse(
            gettext("The file %(name)s did not arrive completely. Please upload it again.")
            % {"name": shown},
            "incomplete",
        )
    if not name:
        unnamed = gettext("unnamed")
        name = f"{unnamed}.{types.extension_for(content_type)}"
    return UploadInspection(
        name=name, size=size, content_type=content_type, sha256=digest.hexdigest()
    )
