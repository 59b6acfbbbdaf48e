"""Which kinds of file the platform knows, how to recognise them by content, and the presets of
allowed kinds that domain modules pick from.

Content decides, never the name: the first bytes go to libmagic (python-magic), except for ZIP
containers, which libmagic cannot tell apart reliably. Those are opened and classified here:

- OOXML (DOCX, XLSX, PPTX and their macro-enabled variants) by the ``ContentType`` that
  ``[Content_Types].xml`` declares for the main part, which must exist in the archive;
- OFD (GB/T 33190-2016, 版式文档) by an ``OFD.xml`` entry whose root element is ``ofd:OFD`` in the
  ``http://www.ofdspec.org/2016`` namespace. OFD has no IANA registration; the platform records it
  as ``application/ofd``, the type Chinese OFD readers and the national platforms use;
- any other ZIP (or a damaged one) as ``application/zip``, which no preset allows.
Only the small XML entries are read (capped, through defusedxml), never whole archive members.
"""

import zipfile
import zlib
from dataclasses import dataclass
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

import magic
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext_lazy as _

PDF = "application/pdf"
OFD = "application/ofd"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCM = "application/vnd.ms-word.document.macroEnabled.12"
XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"
TEXT = "text/plain"
CSV = "text/csv"
ZIP = "application/zip"
UNKNOWN = "application/octet-stream"

# How many leading bytes libmagic sees: enough for every signature it matches on our types.
HEAD_BYTES = 64 * 1024
# Largest XML entry read from a ZIP to classify it; real ones are a few kilobytes.
MAX_XML_ENTRY_BYTES = 256 * 1024

_OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
    "application/vnd.ms-word.document.macroEnabled.main+xml": DOCM,
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": XLSM,
}
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_OFD_ROOT = "{http://www.ofdspec.org/2016}OFD"
# UTF-16 text (what Windows Notepad calls "Unicode") is full of NUL bytes by nature.
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class FileType:
    mime: str
    label: Any  # lazy translated name shown to users
    extensions: tuple[str, ...] = ()  # lower case, without dot; the first is used for storage

    @property
    def extension(self) -> str:
        return self.extensions[0] if self.extensions else "bin"


KNOWN_TYPES: dict[str, FileType] = {
    t.mime: t
    for t in (
        FileType(PDF, _("PDF document"), ("pdf",)),
        FileType(OFD, _("OFD document"), ("ofd",)),
        FileType(JPEG, _("JPEG image"), ("jpg", "jpeg", "jpe", "jfif")),
        FileType(PNG, _("PNG image"), ("png",)),
        FileType(DOCX, _("Word document (DOCX)"), ("docx",)),
        FileType(XLSX, _("Excel workbook (XLSX)"), ("xlsx",)),
        FileType(PPTX, _("PowerPoint presentation (PPTX)"), ("pptx",)),
        FileType(DOCM, _("Word document with macros (DOCM)"), ("docm",)),
        FileType(XLSM, _("Excel workbook with macros (XLSM)"), ("xlsm",)),
        FileType(TEXT, _("plain text"), ("txt", "text", "log")),
        FileType(CSV, _("CSV table"), ("csv",)),
        FileType(ZIP, _("ZIP archive"), ("zip",)),
        FileType("application/msword", _("Word 97-2003 document"), ("doc",)),
        FileType("application/vnd.ms-excel", _("Excel 97-2003 workbook"), ("xls",)),
        FileType("application/x-dosexec", _("Windows executable program"), ("exe", "dll")),
        FileType("application/x-executable", _("executable program"), ()),
        FileType("application/x-pie-executable", _("executable program"), ()),
        FileType("application/x-sharedlib", _("executable program"), ("so",)),
        FileType("text/x-shellscript", _("shell script"), ("sh",)),
        FileType("text/html", _("web page (HTML)"), ("html", "htm")),
        FileType("image/svg+xml", _("SVG image"), ("svg",)),
        FileType("image/gif", _("GIF image"), ("gif",)),
        FileType("image/webp", _("WebP image"), ("webp",)),
        FileType("application/x-rar", _("RAR archive"), ("rar",)),
        FileType("application/x-7z-compressed", _("7-Zip archive"), ("7z",)),
        FileType(UNKNOWN, _("unrecognised binary data"), ()),
    )
}

# The allowed kinds a domain module can ask for by name (``file_store(..., allowed_types=preset(
# "images"))`` or ``StoredFileField(preset="images")``). "default" applies when none is given.
_PRESETS: dict[str, frozenset[str]] = {
    "default": frozenset({PDF, OFD, JPEG, PNG, DOCX, XLSX, TEXT}),
    "documents": frozenset({PDF, OFD, DOCX, XLSX, TEXT}),
    "images": frozenset({JPEG, PNG}),
    # Scanned or signed application materials (申请材料): fixed-layout documents and photos.
    "scans": frozenset({PDF, OFD, JPEG, PNG}),
    "spreadsheets": frozenset({XLSX, CSV}),
}


def preset(name: str) -> frozenset[str]:
    """The allowed content types of preset ``name`` (KeyError names the unknown preset)."""
    return _PRESETS[name]


def preset_names() -> list[str]:
    return sorted(_PRESETS)


def register_preset(name: str, types: frozenset[str]) -> None:
    """Add a preset (from a module's AppConfig.ready()); redefining one differently is a bug."""
    unknown = set(types) - set(KNOWN_TYPES)
    if unknown:
        raise ValueError(f"unknown content types in preset {name!r}: {sorted(unknown)}")
    if name in _PRESETS and _PRESETS[name] != frozenset(types):
        raise ValueError(f"preset {name!r} is already defined differently")
    _PRESETS[name] = frozenset(types)


def register_type(file_type: FileType) -> None:
    """Teach the platform a further content type (its label and extensions)."""
    KNOWN_TYPES.setdefault(file_type.mime, file_type)


def label_of(mime: str) -> str:
    known = KNOWN_TYPES.get(mime)
    return f"{known.label}（{mime}）" if known else mime


def extension_for(mime: str) -> str:
    known = KNOWN_TYPES.get(mime)
    return known.extension if known else "bin"


def matches_extension(name: str, mime: str) -> bool:
    """Whether ``name`` ends in an extension of ``mime`` (types with no known extension match)."""
    known = KNOWN_TYPES.get(mime)
    if known is None or not known.extensions:
        return True
    _stem, dot, ext = name.rpartition(".")
    return bool(dot) and ext.lower() in known.extensions


def sniff(stream: IO[bytes]) -> str:
    """The content type of ``stream`` judged from its bytes. Leaves the stream at position 0."""
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    if not head:
        return "application/x-empty"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(stream)
    mime = magic.from_buffer(head, mime=True)
    if mime == TEXT and not head.startswith(_UTF16_BOMS) and _contains_nul(stream):
        # libmagic saw text at the start only; NUL bytes further on make it binary data.
        mime = UNKNOWN
    return mime


def _contains_nul(stream: IO[bytes]) -> bool:
    try:
        while chunk := stream.read(HEAD_BYTES):
            if b"\x00" in chunk:
                return True
        return False
    finally:
        stream.seek(0)


def _sniff_zip(stream: IO[bytes]) -> str:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "OFD.xml" in names:
                root = _read_xml(archive, "OFD.xml")
                if root is not None and root.tag == _OFD_ROOT:
                    return OFD
            if "[Content_Types].xml" in names:
                root = _read_xml(archive, "[Content_Types].xml")
                for override in (
                    root.iter(f"{_CONTENT_TYPES_NS}Override") if root is not None else ()
                ):
                    mime = _OOXML_MAIN_PARTS.get(override.get("ContentType", ""))
                    if mime and override.get("PartName", "").lstrip("/") in names:
                        return mime
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError,
            RuntimeError, NotImplementedError):  # fmt: skip
        pass  # a damaged archive is just a ZIP, which no preset allows
    finally:
        stream.seek(0)
    return ZIP


def _read_xml(archive: zipfile.ZipFile, name: str) -> Element | None:
    info = archive.getinfo(name)
    if info.file_size > MAX_XML_ENTRY_BYTES:
        return None
    with archive.open(info) as entry:
        data = entry.read(MAX_XML_ENTRY_BYTES + 1)
    if len(data) > MAX_XML_ENTRY_BYTES:
        return None
    try:
        return fromstring(data)
    except (ParseError, DefusedXmlException):
        return None
