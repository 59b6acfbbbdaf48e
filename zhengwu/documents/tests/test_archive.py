"""归档 of a sent document: the archive item keeps the signed original and a PDF/A-2b copy; the
sealed original is itself rendered as PDF/A-2b and still verifies (pdfsig)."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from zhengwu.documents import actions
from zhengwu.documents.tests.pdfa import pdfa_facts

pytestmark = pytest.mark.django_db
PDFSIG = shutil.which("pdfsig")


def _read(stored: Any) -> bytes:
    with stored.file.open("rb") as fh:
        return fh.read()


@pytest.fixture
def sent(world: Any) -> Any:
    world.secretary_role.permissions.add(
        *Permission.objects.filter(content_type__app_label="exchange",
                                   codename="manage_archive")
    )  # fmt: skip
    return world.to(world.draft(), "sent")


def test_archive_item_holds_a_pdfa_copy(world: Any, sent: Any) -> None:
    doc = actions.document_archive(actor=world.drafter, document=sent, retention="D30")
    assert doc.status == "archived"
    from zhengwu.exchange.models import ArchiveItem

    item = ArchiveItem.objects.get(source_id=str(doc.pk))
    assert item.pdf_id == doc.pdf_id  # the signed original, unchanged
    data = _read(item.pdfa)
    assert data.startswith(b"%PDF-1.7")  # PDF/A-2 is based on ISO 32000-1
    facts = pdfa_facts(data)
    assert (facts.part, facts.conformance) == ("2", "B")
    assert facts.output_intents == ["/GTS_PDFA1"] and facts.icc_profile
    assert len(facts.fonts) >= 3 and facts.unembedded == []
    # an ordinary rendering is not PDF/A: the checks can fail
    from zhengwu.documents import rendering

    plain = pdfa_facts(rendering.render(actions.render_input(doc), pdf_variant=None).pdf)
    assert plain.part == "" and plain.output_intents == []


@pytest.mark.skipif(PDFSIG is None, reason="poppler-utils not installed")
def test_sealed_original_is_pdfa_and_pdfsig_accepts_it(sent: Any, tmp_path: Path) -> None:
    data = _read(sent.pdf)
    facts = pdfa_facts(data)
    assert (facts.part, facts.conformance) == ("2", "B")
    assert facts.output_intents == ["/GTS_PDFA1"] and facts.unembedded == []
    out = tmp_path / "sealed.pdf"
    out.write_bytes(data)
    result = subprocess.run([PDFSIG, str(out)], capture_output=True, text=True, check=False)  # noqa: S603
    assert "Signature Validation: Signature is Valid." in result.stdout
    assert "Total document signed" in result.stdout
