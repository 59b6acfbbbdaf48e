"""What a test can check of PDF/A without veraPDF: the XMP pdfaid entries, an output intent
with an ICC profile, and every font embedded (read with pyHanko's reader, so the file's last
revision — after signing — is what is checked)."""

import io
import re
from dataclasses import dataclass, field

from pyhanko.pdf_utils.generic import DictionaryObject
from pyhanko.pdf_utils.reader import PdfFileReader


@dataclass
class PdfaFacts:
    part: str = ""
    conformance: str = ""
    output_intents: list[str] = field(default_factory=list)
    icc_profile: bool = False
    fonts: list[str] = field(default_factory=list)
    unembedded: list[str] = field(default_factory=list)


def _fonts(resources: DictionaryObject, facts: PdfaFacts, seen: set[int]) -> None:
    if "/Font" not in resources:
        return
    for font_ref in resources["/Font"].values():
        font = font_ref.get_object()
        if id(font) in seen:
            continue
        seen.add(id(font))
        # pyHanko's dict.get() does not dereference; [] does
        descendants = font["/DescendantFonts"] if "/DescendantFonts" in font else []  # noqa: SIM401
        for candidate in [font, *(d.get_object() for d in descendants)]:
            if "/FontDescriptor" not in candidate:
                continue
            descriptor = candidate["/FontDescriptor"]
            name = str(candidate.get("/BaseFont", "?"))
            facts.fonts.append(name)
            if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                facts.unembedded.append(name)


def pdfa_facts(data: bytes) -> PdfaFacts:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    root = reader.root
    facts = PdfaFacts()
    if "/Metadata" in root:
        xmp = root["/Metadata"].data.decode("utf-8", "replace")
        for key in ("part", "conformance"):
            found = re.search(rf'pdfaid:{key}(?:="|>)([^"<]+)', xmp)
            setattr(facts, key, found.group(1) if found else "")
    intents = root["/OutputIntents"] if "/OutputIntents" in root else []  # noqa: SIM401
    for intent in intents:
        intent = intent.get_object()
        facts.output_intents.append(str(intent.get("/S")))
        facts.icc_profile = facts.icc_profile or "/DestOutputProfile" in intent
    seen: set[int] = set()
    for page in root["/Pages"]["/Kids"]:
        page = page.get_object()
        if "/Resources" in page:
            _fonts(page["/Resources"], facts, seen)
    return facts
