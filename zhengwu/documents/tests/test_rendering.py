"""GB/T 9704-2012 layout measured in the PDF with pdfplumber (positions in mm from the page's
top-left corner): margins and 版心, 22 lines × 28 characters, sizes and fonts per element, the red
mark and line, page numbers, 版记, and where the seal goes."""

import io
import itertools
from collections import defaultdict
from datetime import date
from typing import Any

import pdfplumber
import pytest

from zhengwu.documents.rendering import (
    RenderInput,
    cn_date,
    heading_level,
    render,
    signature_pads,
)

MM = 25.4 / 72
TOP, LEFT, WIDTH, HEIGHT = 37.0, 28.0, 156.0, 225.0
BOTTOM, RIGHT = TOP + HEIGHT, LEFT + WIDTH  # 262, 184

PARAGRAPH = (
    "各地各部门要高度重视政务服务工作，把它作为转变政府职能、优化营商环境的重要抓手，"
    "切实加强领导，明确责任分工，确保各项工作任务落到实处，取得实效。"
)
BODY = "\n".join(
    ["为进一步做好政务服务工作，经市政府同意，现将有关事项通知如下。"]
    + [
        line
        for n in "一二三四五六"
        for line in (
            f"{n}、总体要求",
            "（一）加强组织领导",
            "1.明确责任分工",
            "（1）建立工作台账",
            PARAGRAPH,
        )
    ]
)


def _input(**overrides: Any) -> RenderInput:
    values: dict[str, Any] = {
        "title": "云泽市人民政府办公室关于进一步做好政务服务工作的通知",
        "body": BODY,
        "issuer_mark": "云泽市人民政府办公室文件",
        "issuer_signature": "云泽市人民政府办公室",
        "doc_number": "云政办发〔2026〕12号",
        "copy_number": "000001",
        "security_mark": "秘密★1年",
        "urgency_mark": "特急",
        "main_recipients": "各县（市、区）人民政府，市政府各部门",
        "attachments": ["政务服务事项清单", "工作任务分工表"],
        "doc_date": date(2026, 7, 1),
        "note": "此件公开发布",
        "cc": "市委办公室，市人大常委会办公室",
        "printing_org": "云泽市人民政府办公室",
        "printing_date": date(2026, 7, 1),
    }
    values.update(overrides)
    return RenderInput(**values)


class Layout:
    """Text rows (chars grouped by page, top and size) and lines, in mm."""

    def __init__(self, pdf: bytes) -> None:
        self.rows: list[dict[str, Any]] = []
        self.lines: list[dict[str, Any]] = []
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            self.pages = len(doc.pages)
            self.size = (float(doc.pages[0].width) * MM, float(doc.pages[0].height) * MM)
            for index, page in enumerate(doc.pages):
                groups: dict[tuple[float, float], list[dict[str, Any]]] = defaultdict(list)
                for c in page.chars:
                    if c["text"].strip():
                        groups[(round(c["top"], 0), round(c["size"], 1))].append(c)
                for (top, size), chars in sorted(groups.items()):
                    chars.sort(key=lambda c: c["x0"])
                    self.rows.append({
                        "page": index, "top": top * MM, "bottom": chars[0]["bottom"] * MM,
                        "size": size, "x0": chars[0]["x0"] * MM, "x1": chars[-1]["x1"] * MM,
                        "text": "".join(c["text"] for c in chars), "font": chars[0]["fontname"],
                        "color": chars[0]["non_stroking_color"],
                    })  # fmt: skip
                for obj in [*page.lines, *page.rects]:
                    self.lines.append({
                        "page": index, "y": obj["top"] * MM, "x0": obj["x0"] * MM,
                        "x1": obj["x1"] * MM, "h": (obj["bottom"] - obj["top"]) * MM,
                        "stroke": obj.get("stroking_color"), "fill": obj.get("non_stroking_color"),
                    })  # fmt: skip

    def row(self, text: str) -> dict[str, Any]:
        return next(r for r in self.rows if text in r["text"])


@pytest.fixture(scope="module")
def layout() -> tuple[Layout, Any]:
    rendered = render(_input())
    return Layout(rendered.pdf), rendered


def _is_red(color: Any) -> bool:
    return bool(color) and len(color) == 3 and color[0] > 0.8 and color[1] < 0.2 and color[2] < 0.2


def test_page_is_a4_and_text_stays_in_the_type_area(layout: Any) -> None:
    lay, rendered = layout
    assert lay.size == pytest.approx((210.0, 297.0), abs=0.5)
    assert rendered.pages >= 2
    for r in lay.rows:
        if r["text"].startswith("—"):  # page numbers sit below the 版心
            continue
        assert r["x0"] >= LEFT - 0.5, r
        assert r["x1"] <= RIGHT + 0.5, r
        assert r["top"] >= TOP - 0.5, r
        assert r["bottom"] <= BOTTOM + 0.5, r


def test_body_grid_22_lines_by_28_characters(layout: Any) -> None:
    lay, _ = layout
    body = [r for r in lay.rows if r["size"] == 16.0]
    per_page: dict[int, list[float]] = defaultdict(list)
    for r in body:
        per_page[r["page"]].append(r["top"])
        cjk = sum(1 for ch in r["text"] if ord(ch) > 0x2000)
        assert cjk <= 28, r["text"]
    assert any(sum(1 for ch in r["text"] if ord(ch) > 0x2000) == 28 for r in body)
    for page, tops in per_page.items():
        assert len(tops) <= 22, page
    # full pages use exactly the grid: line pitch 225 mm / 22
    tops = sorted(per_page[1])
    steps = [b - a for a, b in itertools.pairwise(tops)]
    assert min(steps) == pytest.approx(HEIGHT / 22, abs=0.15)
    assert max(t for t in tops) < BOTTOM


def test_header_block(layout: Any) -> None:
    lay, _ = layout
    copy, secret, urgent = lay.row("000001"), lay.row("秘密★1年"), lay.row("特急")
    assert copy["top"] < secret["top"] < urgent["top"]
    for r in (copy, secret, urgent):
        assert r["x0"] == pytest.approx(LEFT, abs=0.3) and r["size"] == 16.0
    assert "Sans" in secret["font"]  # 黑体 (fallback: Noto Sans CJK)
    mark = lay.row("云泽市人民政府办公室文件")
    assert _is_red(mark["color"])
    assert mark["top"] == pytest.approx(TOP + 35, abs=3.5)  # top edge 35 mm below the 版心 top
    assert (mark["x0"] + mark["x1"]) / 2 == pytest.approx(LEFT + WIDTH / 2, abs=1)
    assert mark["x1"] - mark["x0"] <= WIDTH
    number = lay.row("云政办发〔2026〕12号")
    assert (number["x0"] + number["x1"]) / 2 == pytest.approx(LEFT + WIDTH / 2, abs=1)
    gap_lines = (number["top"] - mark["bottom"]) / (HEIGHT / 22)
    assert 1.5 <= gap_lines <= 3.0  # 下空二行
    red = [ln for ln in lay.lines if ln["page"] == 0 and _is_red(ln["fill"] or ln["stroke"])]
    assert len(red) == 1
    line = red[0]
    assert line["x0"] == pytest.approx(LEFT, abs=0.3) and line["x1"] == pytest.approx(
        RIGHT, abs=0.3
    )
    assert 2.0 <= line["y"] - number["bottom"] <= 6.0  # 4 mm below the 发文字号


def test_title_recipients_body_fonts_and_sizes(layout: Any) -> None:
    lay, _ = layout
    title = lay.row("云泽市人民政府办公室关于")
    assert title["size"] == 22.0  # 2号
    red_y = next(ln["y"] for ln in lay.lines if _is_red(ln["fill"] or ln["stroke"]))
    assert 1.5 <= (title["top"] - red_y) / (HEIGHT / 22) <= 3.0  # 空二行
    recipients = lay.row("各县（市、区）人民政府")
    assert recipients["x0"] == pytest.approx(LEFT, abs=0.3)
    assert recipients["text"].endswith("：")
    first = lay.row("为进一步做好")
    assert first["size"] == 16.0  # 3号
    assert first["x0"] == pytest.approx(LEFT + 2 * WIDTH / 28, abs=0.6)  # 空二字
    h1, h2 = lay.row("一、总体要求"), lay.row("（一）加强组织领导")
    assert "Sans" in h1["font"]  # 一级标题 黑体
    assert "Sans" not in h2["font"] and "Sans" not in first["font"]


def test_signature_date_and_seal_spot(layout: Any) -> None:
    lay, rendered = layout
    date_row = lay.row(cn_date(date(2026, 7, 1)))
    name = next(r for r in lay.rows if r["text"] == "云泽市人民政府办公室" and r["size"] == 16.0)
    assert name["top"] < date_row["top"]
    # 成文日期 右空四字; 署名 centred on the date
    assert RIGHT - date_row["x1"] == pytest.approx(4 * WIDTH / 28, abs=0.8)
    assert (name["x0"] + name["x1"]) / 2 == pytest.approx(
        (date_row["x0"] + date_row["x1"]) / 2, abs=1
    )
    seal = rendered.seal
    assert seal is not None and seal.page == date_row["page"]
    assert seal.cx_mm == pytest.approx((date_row["x0"] + date_row["x1"]) / 2, abs=1)
    # the date sits slightly below the seal's centre, the 42 mm seal covers 署名 and date
    date_mid = (date_row["top"] + date_row["bottom"]) / 2
    assert 0 < date_mid - seal.cy_mm < 21
    assert seal.cy_mm - 21 < name["top"]
    attachment = lay.row("附件：1.政务服务事项清单")
    assert attachment["x0"] == pytest.approx(LEFT + 2 * WIDTH / 28, abs=0.6)
    # seal top within about one line of the text above
    assert seal.cy_mm - 21 - attachment["bottom"] < 2 * HEIGHT / 22
    assert lay.row("2026年7月1日") and "2026年07月" not in "".join(r["text"] for r in lay.rows)


def test_colophon_and_page_numbers(layout: Any) -> None:
    lay, rendered = layout
    last = rendered.pages - 1
    cc = lay.row("抄送：")
    printing = lay.row("印发")
    assert cc["size"] == 14.0 and printing["size"] == 14.0  # 4号
    assert cc["page"] == printing["page"] == last
    assert printing["text"].endswith("2026年7月1日印发")
    black = sorted((ln for ln in lay.lines if ln["page"] == last and not _is_red(ln["fill"])),
                   key=lambda ln: ln["y"])  # fmt: skip
    assert len(black) == 3
    assert black[-1]["y"] + black[-1]["h"] == pytest.approx(BOTTOM, abs=0.5)  # on the 版心 bottom
    assert black[0]["h"] == pytest.approx(0.35, abs=0.05)
    assert black[1]["h"] == pytest.approx(0.25, abs=0.05)
    numbers = [r for r in lay.rows if r["text"].startswith("—")]
    assert [r["text"] for r in numbers][:2] == ["—1—", "—2—"]  # "— 1 —" (spaces are not glyphs)
    for r in numbers:
        assert r["size"] == 14.0
        mid = (r["top"] + r["bottom"]) / 2
        assert mid - BOTTOM == pytest.approx(7, abs=2)  # 一字线 7 mm below the 版心
        if r["page"] % 2 == 0:  # odd pages: 居右空一字
            assert RIGHT - r["x1"] == pytest.approx(14 * MM, abs=1)
        else:  # even pages: 居左空一字
            assert r["x0"] - LEFT == pytest.approx(14 * MM, abs=1)


def test_upward_document_shows_signer() -> None:
    lay = Layout(render(_input(upward=True, signer_names="张三")).pdf)
    number = lay.row("云政办发〔2026〕12号")
    assert number["x0"] == pytest.approx(LEFT + WIDTH / 28, abs=0.8)  # 居左空一字
    signer = lay.row("签发人：")
    assert signer["x1"] == pytest.approx(RIGHT - WIDTH / 28, abs=0.8)  # 居右空一字
    assert "张三" in signer["text"]


def test_markup_in_the_body_is_text() -> None:
    lay = Layout(render(_input(body="<b>加粗</b><script>x</script>", attachments=[])).pdf)
    assert lay.row("<b>加粗</b><script>x</script>")


def test_helpers() -> None:
    assert [heading_level(x) for x in ("一、a", "（二）b", "3.c", "（4）d", "正文")] == [
        1,
        2,
        3,
        4,
        0,
    ]
    assert cn_date(date(2026, 1, 5)) == "2026年1月5日"
    pads = signature_pads("云泽市人民政府办公室", "2026年7月1日", sealed=False)
    assert pads["name_pad"] > 0 and pads["date_pad"] > 0


def test_fonts_fall_back_and_say_so(settings: Any, tmp_path: Any) -> None:
    settings.DOCUMENTS_FONTS = {"fangsong": str(tmp_path / "missing.ttf")}
    rendered = render(_input(attachments=[], cc="", printing_org=""))
    assert "Noto" in rendered.fonts_note
    with pdfplumber.open(io.BytesIO(rendered.pdf)) as pdf:
        assert "Noto" in str(pdf.metadata.get("Subject", "")) + str(pdf.metadata)
