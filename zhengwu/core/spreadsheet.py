"""Excel (.xlsx) exports shared by every module: one sheet, a header row, formula-safe cells.

Text is always written as text, so a value typed by a citizen such as ``=HYPERLINK(…)`` never
becomes a live formula in a civil servant's spreadsheet; characters XML forbids are dropped.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from io import BytesIO
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_cell(ws: Any, value: Any) -> WriteOnlyCell:
    """One cell: datetimes in local time, dates as dates, numbers as numbers, the rest as text."""
    if isinstance(value, datetime):
        value = (
            timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        )
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return WriteOnlyCell(ws, value=value)
    cell = WriteOnlyCell(
        ws, value=ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    )
    cell.data_type = "s"
    return cell


def xlsx_table(sheet_title: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """A workbook with one sheet (write-only, so memory stays flat for long exports)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(sheet_title)[:31])
    ws.append([xlsx_cell(ws, str(h)) for h in headers])
    for row in rows:
        ws.append([xlsx_cell(ws, v) for v in row])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
