import shutil
import subprocess
from pathlib import Path
from typing import Any

# poppler-utils (DESIGN.md: installed by make setup); absolute paths for the subprocess calls.
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"
PDFSIG = shutil.which("pdfsig") or "/usr/bin/pdfsig"
PDFINFO = shutil.which("pdfinfo") or "/usr/bin/pdfinfo"


def pdf_bytes(licence: Any) -> bytes:
    with licence.pdf.file.open("rb") as handle:
        return handle.read()


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed binary, our own temp file
        [tool, *args], capture_output=True, text=True, check=False
    )


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "licence.pdf"
    path.write_bytes(data)
    return _run(PDFTOTEXT, "-layout", str(path), "-").stdout


def pdfsig(data: bytes, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "check.pdf"
    path.write_bytes(data)
    return _run(PDFSIG, str(path))


def pdfinfo_custom(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    return _run(PDFINFO, "-custom", str(path)).stdout
