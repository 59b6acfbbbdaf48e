"""用印: the sealed PDF verifies (ours and poppler's pdfsig), any change breaks it, the seal
presses on the date; the document_pdf command writes it."""

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from django.core.management import CommandError, call_command

from zhengwu.documents.rendering import cn_date
from zhengwu.signing.services import pdf_verify

pytestmark = pytest.mark.django_db
PDFSIG = shutil.which("pdfsig")
MM = 25.4 / 72


def _bytes(doc: Any) -> bytes:
    with doc.pdf.file.open("rb") as fh:
        return fh.read()


@pytest.fixture
def sealed(world: Any) -> Any:
    return world.to(world.draft(), "sealed")


def test_sealed_pdf_verifies_and_tampering_fails(sealed: Any) -> None:
    data = _bytes(sealed)
    result = pdf_verify(data)
    assert result.status == "valid", result.summary
    assert result.organisation_id == sealed.register.organisation_id
    position = data.index(b"WeasyPrint")
    tampered = data[:position] + b"X" + data[position + 1 :]
    assert pdf_verify(tampered).status != "valid"


def test_seal_overlaps_the_date(sealed: Any) -> None:
    data = _bytes(sealed)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[-1]
        annots = [a for a in page.annots if "Widget" in str(a["data"].get("Subtype"))]
        assert annots, "no signature widget on the last page"
        box = annots[0]
        found = page.search(cn_date(sealed.doc_date), regex=False)[-1]
        date_top, x0, x1 = found["top"], found["x0"], found["x1"]
        assert box["x0"] < x0 and box["x1"] > x1  # the seal covers the whole date
        assert box["top"] < date_top < box["bottom"]
        centre = (box["top"] + box["bottom"]) / 2
        assert date_top + 4 > centre  # the date slightly below the centre
        assert (box["x1"] - box["x0"]) * MM == pytest.approx(42, abs=0.5)


@pytest.mark.skipif(PDFSIG is None, reason="poppler-utils not installed")
def test_pdfsig_accepts_the_sealed_document(sealed: Any, tmp_path: Path) -> None:
    out = tmp_path / "doc.pdf"
    call_command("document_pdf", sealed.doc_number, str(out))
    result = subprocess.run([PDFSIG, str(out)], capture_output=True, text=True, check=False)  # noqa: S603
    assert "Signature Validation: Signature is Valid." in result.stdout
    assert "ETSI.CAdES.detached" in result.stdout
    data = out.read_bytes()
    position = data.index(b"WeasyPrint")
    out.write_bytes(data[:position] + b"Y" + data[position + 1 :])
    result = subprocess.run([PDFSIG, str(out)], capture_output=True, text=True, check=False)  # noqa: S603
    assert "Signature is Valid." not in result.stdout


def test_document_pdf_command(sealed: Any, tmp_path: Path) -> None:
    out = tmp_path / "latest.pdf"
    call_command("document_pdf", "--latest", str(out))
    assert out.read_bytes() == _bytes(sealed)
    with pytest.raises(CommandError):
        call_command("document_pdf", "云政办发〔2026〕999号", str(tmp_path / "x.pdf"))
