"""GB/T 9704-2012 layout of an official document as HTML + CSS for WeasyPrint.

Numbers (cn-standards.md §1): A4; 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm (so bottom 35 mm,
right 26 mm); 22 lines × 28 characters of 3号 (16 pt) 仿宋; 发文机关标志 in red 小标宋 with its top
edge 35 mm below the 版心 top; 发文字号 two blank lines below it; the red line 4 mm below
the 发文字号; title 2号 (22 pt) 小标宋 two blank lines below the red line; headings 一、 黑体,
（一） 楷体,
1. and （1） 仿宋; 版记 and page numbers 4号 (14 pt); page numbers "— 1 —" 7 mm below the 版心,
odd pages right, even pages left, each 空一字.

Grid: 225 mm / 22 = 28.99 pt per line; 156 mm / 28 = 15.78 pt per character, so 16 pt characters
get −0.22 pt letter spacing (what Word templates do with a 22 × 28 document grid).

Fonts come from ``settings.DOCUMENTS_FONTS`` (paths to the official 方正小标宋/仿宋_GB2312/黑体/
楷体_GB2312 files, which are not free to redistribute); missing ones fall back to the open-licensed
Noto Serif/Sans CJK SC of Debian's fonts-noto-cjk, and the PDF's metadata says so.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

MM_PER_PX = 25.4 / 96  # WeasyPrint's layout unit is the CSS px
PAGE_W_MM, PAGE_H_MM = 210.0, 297.0
TOP_MM, LEFT_MM, TEXT_W_MM, TEXT_H_MM = 37.0, 28.0, 156.0, 225.0
LINES, CHARS = 22, 28
LINE_PT = 28.99  # 22 lines fill 225 mm (637.8 pt) without overflowing it
BODY_PT, TITLE_PT, SMALL_PT = 16.0, 22.0, 14.0
LETTER_SPACING_PT = -0.22  # 28 × (16 − 0.22) = 441.8 pt ≤ 156 mm (442.2 pt)
CHAR_PT = BODY_PT + LETTER_SPACING_PT
RED = "#e60012"
# Sealed documents are PDF/A-2b (ISO 19005-2 level B): fonts embedded, sRGB output intent, XMP
# pdfaid. PAdES signing adds an incremental update, which PDF/A-2 permits, so the signed
# original is itself the archival copy (docs/modules/documents.md, "PDF/A").
PDF_VARIANT = "pdf/a-2b"

FALLBACK_FAMILIES = {
    "xiaobiaosong": ("Noto Serif CJK SC", 700),
    "fangsong": ("Noto Serif CJK SC", 400),
    "heiti": ("Noto Sans CJK SC", 400),
    "kaiti": ("Noto Serif CJK SC", 300),
    "songti": ("Noto Serif CJK SC", 400),
}

_HEADINGS = [
    (1, re.compile(r"^[一二三四五六七八九十百]+、")),
    (2, re.compile(r"^[（(][一二三四五六七八九十百]+[）)]")),
    (3, re.compile(r"^\d+[.．]")),
    (4, re.compile(r"^[（(]\d+[）)]")),
]


def heading_level(line: str) -> int:
    """0 for a paragraph, else 1–4 (一、 （一） 1. （1）)."""
    for level, pattern in _HEADINGS:
        if pattern.match(line):
            return level
    return 0


def cn_date(d: date | None) -> str:
    """成文日期 with Arabic numerals and no zero padding: 2026年7月1日."""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


@dataclass
class RenderInput:
    """Everything the layout needs; built from an ``OfficialDocument`` or by hand (bench)."""

    title: str
    body: str
    issuer_mark: str
    issuer_signature: str
    doc_number: str = ""
    copy_number: str = ""
    security_mark: str = ""  # 秘密★10年
    urgency_mark: str = ""  # 特急 / 加急
    upward: bool = False
    signer_names: str = ""
    main_recipients: str = ""
    attachments: list[str] = field(default_factory=list)
    doc_date: date | None = None
    note: str = ""
    cc: str = ""
    printing_org: str = ""
    printing_date: date | None = None
    sealed: bool = True
    keywords: str = ""


@dataclass
class SealSpot:
    """Where the seal goes: centre of the 署名 + 成文日期 block (mm from the page's top left)."""

    page: int
    cx_mm: float
    cy_mm: float
    date_top_mm: float
    date_bottom_mm: float


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    seal: SealSpot | None
    fonts_note: str


def fonts() -> dict[str, tuple[str, int, str]]:
    """role → (CSS family, weight, source path or "") honouring ``DOCUMENTS_FONTS``."""
    configured = getattr(settings, "DOCUMENTS_FONTS", {}) or {}
    result = {}
    for role, (family, weight) in FALLBACK_FAMILIES.items():
        path = configured.get(role) or ""
        if path and Path(path).is_file():
            result[role] = (f"ZW {role}", 400, str(Path(path).resolve()))
        else:
            result[role] = (family, weight, "")
    return result


def fonts_note() -> str:
    missing = [role for role, (_f, _w, path) in fonts().items() if not path]
    if not missing:
        return "Fonts: configured official fonts (DOCUMENTS_FONTS)."
    return (
        "Fonts: open-licensed Noto Serif/Sans CJK SC substituted for "
        + ", ".join(missing)
        + " (official 方正小标宋/仿宋_GB2312/黑体/楷体_GB2312 not configured in DOCUMENTS_FONTS)."
    )


def _paragraphs(body: str) -> list[dict[str, Any]]:
    out = []
    for raw in body.splitlines():
        line = raw.strip()
        if line:
            out.append({"text": line, "level": heading_level(line)})
    return out


def _issuer_mark_pt(mark: str) -> float:
    """Large enough to be 醒目 but within 版心 width: at most 42 pt (初号), at least 22 pt."""
    width_pt = TEXT_W_MM / 25.4 * 72 * 0.92
    return max(22.0, min(42.0, width_pt / max(1, len(mark))))


def text_width(text: str) -> float:
    """Approximate width in grid characters: CJK 1, Arabic digits and Latin about half."""
    return sum(0.52 if ord(ch) < 0x2000 else 1.0 for ch in text)


def signature_pads(name: str, date_text: str, sealed: bool) -> dict[str, float]:
    """Right padding (pt) of the 署名 and 成文日期 lines (GB/T 9704 §7.3.5).

    Sealed: date 右空四字, 署名 centred on the date. Unsealed: 署名 右空二字, the date's first
    character two characters right of the 署名's; a longer date goes 右空二字 and the 署名 moves
    left to keep that offset.
    """
    nw, dw = text_width(name), text_width(date_text)
    if sealed:
        date_pad = 4.0
        name_pad = max(0.0, date_pad + (dw - nw) / 2)
    elif nw - dw >= 2:
        name_pad, date_pad = 2.0, nw - dw
    else:
        date_pad = 2.0
        name_pad = max(0.0, 4 + dw - nw)
    return {"name_pad": round(name_pad * CHAR_PT, 3), "date_pad": round(date_pad * CHAR_PT, 3)}


def document_html(data: RenderInput) -> str:
    font_map = fonts()
    context = {
        "d": data,
        "paragraphs": _paragraphs(data.body),
        "attachments": [a for a in data.attachments if a.strip()],
        "doc_date": cn_date(data.doc_date),
        "printing_date": cn_date(data.printing_date),
        "fonts": {
            role: {"family": f, "weight": w, "path": p} for role, (f, w, p) in font_map.items()
        },
        "mark_pt": _issuer_mark_pt(data.issuer_mark),
        "sign": signature_pads(data.issuer_signature, cn_date(data.doc_date), data.sealed),
        "g": {
            k: round(v, 3) if isinstance(v, float) else v
            for k, v in {
                "line": LINE_PT,
                "body": BODY_PT,
                "title": TITLE_PT,
                "small": SMALL_PT,
                "ls": LETTER_SPACING_PT,
                "char": CHAR_PT,
                "indent": 2 * CHAR_PT,
                "line2": 2 * LINE_PT,
                "char2": 2 * CHAR_PT,
                "char3": 3 * CHAR_PT,
                "char4": 4 * CHAR_PT,
                "char5": 5 * CHAR_PT,
                "red": RED,
            }.items()
        },
        "fonts_note": fonts_note(),
    }
    return render_to_string("documents/render/document.html", context)


def _find_box(page: Any, element_id: str) -> Any:
    for box in page._page_box.descendants():  # WeasyPrint's layout tree
        element = getattr(box, "element", None)
        if element is not None and element.get("id") == element_id:
            return box
    return None


def render(data: RenderInput, *, pdf_variant: str | None = PDF_VARIANT) -> Rendered:
    """Lay out and write the PDF (PDF/A-2b unless ``pdf_variant`` says otherwise); report where
    the date sits so the seal can press on it."""
    from weasyprint import HTML

    document = HTML(string=document_html(data), base_url=str(Path(__file__).parent)).render()
    seal = None
    for index, page in enumerate(document.pages):
        date_box = _find_box(page, "doc-date-text")
        if date_box is None:
            continue
        top = date_box.position_y * MM_PER_PX
        bottom = (date_box.position_y + date_box.margin_height()) * MM_PER_PX
        cx = (date_box.position_x + date_box.margin_width() / 2) * MM_PER_PX
        # §7.3.5.1: the seal presses on 署名 and date, the date slightly below the seal's centre.
        seal = SealSpot(index, cx, top - 0.15 * (bottom - top), top, bottom)
        break
    pdf = document.write_pdf(pdf_variant=pdf_variant) if pdf_variant else document.write_pdf()
    return Rendered(pdf=pdf, pages=len(document.pages), seal=seal, fonts_note=fonts_note())


def escape(text: str) -> str:
    return html.escape(text, quote=True)
