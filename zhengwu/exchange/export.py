"""归档文件目录 (DA/T 22-2015) as an Excel workbook."""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils.exceptions import IllegalCharacterError

from zhengwu.exchange.models import ArchiveItem

COLUMNS = ["序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注"]
MAX_ROWS = 100_000


def _text(ws: object, value: object) -> WriteOnlyCell:
    """Every value as text, so a title like ``=HYPERLINK(…)`` never becomes a formula."""
    text = "" if value is None else str(value)
    text = "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32)
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    return cell


def archive_catalogue_xlsx(items: Iterable[ArchiveItem]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("归档文件目录")
    ws.append(COLUMNS)
    for index, item in enumerate(
        items.iterator(chunk_size=2000) if hasattr(items, "iterator") else items, start=1
    ):
        if index > MAX_ROWS:
            break
        row = [
            index,
            item.archive_code,
            item.doc_number,
            item.responsible,
            item.title,
            item.doc_date.strftime("%Y%m%d"),
            item.security_level,
            item.pages or "",
            item.note,
        ]
        try:
            ws.append([_text(ws, v) for v in row])
        except IllegalCharacterError:  # pragma: no cover — filtered above
            continue
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
