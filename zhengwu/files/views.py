"""Downloads. Uploads have no view of their own: domain forms use ``forms.StoredFileField``."""

import uuid
from urllib.parse import quote

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from zhengwu.core.access import login_required
from zhengwu.core.errors import NotFound
from zhengwu.files.actions import file_open_for_download


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name per RFC 6266 / RFC 5987, so that
    a Chinese name reaches every browser intact."""
    fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in name)
    stem, dot, ext = fallback.rpartition(".")
    if not dot or not stem.strip("_"):
        fallback = f"download.{ext}" if dot else "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@login_required()
@require_safe
def download(request: HttpRequest, file_id: uuid.UUID) -> FileResponse:
    try:
        stored, handle = file_open_for_download(actor=request.user, file_id=file_id)
    except NotFound:
        raise Http404 from None
    response = FileResponse(handle, content_type=stored.content_type)
    response["Content-Disposition"] = content_disposition(stored.download_name)
    response["X-Content-Type-Options"] = "nosniff"
    # Never rendered by the browser in our origin, never kept in shared caches.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
