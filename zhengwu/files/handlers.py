"""Stopping an oversized upload while it arrives, not after it is on disk.

``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not count file parts, and ``inspection.inspect_upload`` can
only look at a file once Django has written all of it to a temporary file. ``UploadLimitHandler``
is the first entry of ``FILE_UPLOAD_HANDLERS``: it counts the bytes of each file part and, as soon
as one exceeds ``ZHENGWU_UPLOAD_MAX_BYTES``, raises ``StopUpload(connection_reset=False)``. Django
then discards what it has of that file, reads (without keeping) the rest of the body so the
browser receives an answer instead of a reset connection, and runs the view; the refused file
is absent from ``request.FILES`` and recorded on the request, so the view can show why:

    form = MyForm(request.POST, request.FILES)
    if add_upload_refusals(form, request) or not form.is_valid():   # zhengwu.files.forms
        return render(...)                                           # shows the Chinese message

Fields that came after the refused file in the body are lost with it (the browser sends them in
form order), which is why the form is shown again. The web server limits the whole body
(nginx ``client_max_body_size``, docs/operations.md) before Django sees it at all.
"""

from dataclasses import dataclass
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext

from zhengwu.files.inspection import max_upload_bytes, sanitise_filename

REFUSALS_ATTRIBUTE = "zhengwu_upload_refusals"


@dataclass(frozen=True)
class UploadRefusal:
    field_name: str
    file_name: str
    received: int  # bytes that had arrived when the upload was stopped (more than ``limit``)
    limit: int

    @property
    def message(self) -> str:
        name = sanitise_filename(self.file_name) or gettext("(unnamed)")
        return gettext(
            "The file %(name)s is larger than %(limit)s, the most a file may be. "
            "Please upload a smaller file."
        ) % {"name": name, "limit": filesizeformat(self.limit)}


def upload_refusals(request: HttpRequest) -> list[UploadRefusal]:
    """The uploads of this request that were stopped for their size (parses the body if needed)."""
    if request.method == "POST" and not hasattr(request, "_files"):
        request.FILES  # noqa: B018 - parsing the body is what records the refusals
    return list(getattr(request, REFUSALS_ATTRIBUTE, ()))


class UploadLimitHandler(FileUploadHandler):
    """Counts each file part and stops the upload when one exceeds the limit.

    Passes every chunk on unchanged to the next handler (memory or temporary file), so at most
    one chunk (64 KiB) beyond the limit is ever buffered.
    """

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = max_upload_bytes()
        self.received = 0

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0
        # A part announcing its own length (rare from browsers) is refused before any byte.
        if self.content_length is not None and self.content_length > self.limit:
            self._refuse(self.content_length)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse(self.received)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file object

    def _refuse(self, received: int) -> None:
        refusal = UploadRefusal(
            field_name=self.field_name or "",
            file_name=self.file_name or "",
            received=received,
            limit=self.limit,
        )
        if self.request is not None:
            refusals = getattr(self.request, REFUSALS_ATTRIBUTE, None)
            if refusals is None:
                refusals = []
                setattr(self.request, REFUSALS_ATTRIBUTE, refusals)
            refusals.append(refusal)
        raise StopUpload(connection_reset=False)
