"""Excel exports: text typed by the public never becomes a formula; dates stay dates."""

import io
from datetime import date

from openpyxl import load_workbook

from zhengwu.core.spreadsheet import xlsx_response, xlsx_table


def test_text_is_never_a_formula_and_forbidden_characters_are_dropped() -> None:
    data = xlsx_table(
        "办件", ["标题", "日期", "数量"],
        [['=HYPERLINK("http://evil")', date(2026, 10, 9), 3], ["a\x01b", None, 2.5]],
    )  # fmt: skip
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("标题", "日期", "数量")
    assert ws["A2"].data_type == "s" and rows[1][0] == '=HYPERLINK("http://evil")'
    assert rows[1][1].date() == date(2026, 10, 9) and rows[1][2] == 3
    assert rows[2] == ("ab", None, 2.5)  # an empty cell reads back as None


def test_response_is_an_xlsx_attachment() -> None:
    response = xlsx_response(b"x", "cases.xlsx")
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    assert response["Content-Disposition"] == 'attachment; filename="cases.xlsx"'
