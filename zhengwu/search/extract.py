"""Plain text of attachments for the index: PDF (pdftotext, else pdfplumber), DOCX (the ZIP's
XML), plain text (UTF-8 or GB18030). Anything else, oversized or broken yields "" — an
attachment that cannot be read is still found by its title, never breaks indexing."""

import html
import io
import logging
import re
import subprocess
import zipfile
from pathlib import PurePath

logger = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024  # larger files are indexed by title only
MAX_CHARS = 50_000
PDF_TIMEOUT = 30  # seconds for pdftotext
_XML_TAG = re.compile(r"<[^>]+>")
_PARAGRAPH = re.compile(r"</w:p>")


def extract_text(data: bytes, filename: str) -> str:
    if not data or len(data) > MAX_BYTES:
        return ""
    suffix = PurePath(filename).suffix.lower()
    try:
        if suffix == ".pdf" or data[:5] == b"%PDF-":
            text = _pdf(data)
        elif suffix == ".docx":
            text = _docx(data)
        elif suffix in {".txt", ".csv", ".md"}:
            text = _plain(data)
        else:
            return ""
    except Exception:  # a broken upload must not stop indexing
        logger.warning("search: could not read the text of %s", filename, exc_info=True)
        return ""
    return re.sub(r"\s+", " ", text).strip()[:MAX_CHARS]


def _pdf(data: bytes) -> str:
    try:
        result = subprocess.run(
            ["pdftotext", "-q", "-enc", "UTF-8", "-", "-"],  # noqa: S607 - poppler-utils
            input=data,
            capture_output=True,
            timeout=PDF_TIMEOUT,
            check=False,
        )
        if result.returncode == 0:
            return result.stdout.decode("utf-8", "replace")
    except (FileNotFoundError, subprocess.TimeoutExpired):
        pass
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join((page.extract_text() or "") for page in pdf.pages[:200])


def _docx(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/document.xml")
        if info.file_size > MAX_BYTES:  # a zip bomb is not a document
            return ""
        xml = archive.read(info).decode("utf-8", "replace")
    return html.unescape(_XML_TAG.sub("", _PARAGRAPH.sub("\n", xml)))


def _plain(data: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")
