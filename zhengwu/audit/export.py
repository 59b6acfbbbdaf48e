"""Excel export of a filtered audit trail, for auditors (openpyxl write-only: rows go to disk as
they are produced, so memory stays flat up to the row cap)."""

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from zhengwu.audit.actions import audit_record
from zhengwu.audit.selectors import AuditEntryFilters, audit_entry_list

BATCH_SIZE = 2000
COLUMNS = (
    "seq", "occurred_at", "actor_repr", "action", "object_type", "object_id", "object_repr",
    "is_read", "changes", "reason", "ip", "user_agent", "request_id", "entry_hash",
)  # fmt: skip


def max_rows() -> int:
    return int(getattr(settings, "ZHENGWU_AUDIT_EXPORT_MAX_ROWS", 100_000))


@dataclass
class ExportResult:
    file: IO[bytes]  # positioned at 0; the caller streams and closes it
    row_count: int
    truncated: bool


def _headers() -> list[str]:
    return [
        _("Sequence"), _("Time"), _("Actor"), pgettext("audit", "Action"), _("Object type"),
        _("Object id"), _("Object"), _("Sensitive read"), _("Changes"), _("Reason"),
        _("IP address"), _("Browser"), _("Request id"), _("Hash"),
    ]  # fmt: skip


def _cell(ws: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    if isinstance(value, str):
        # Text stays text: a value like "=HYPERLINK(…)" must not become a live formula in the
        # auditor's spreadsheet, and control characters are not allowed in XML.
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"
        return cell
    cell = WriteOnlyCell(ws, value=value)
    if hasattr(value, "hour"):
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    return cell


def _rows(filters: AuditEntryFilters, limit: int) -> Iterator[dict[str, Any]]:
    """Matching entries newest first, in keyset batches, at most ``limit`` of them."""
    qs = audit_entry_list(filters=filters).values(*COLUMNS)
    before: int | None = None
    produced = 0
    while produced < limit:
        size = min(BATCH_SIZE, limit - produced)
        page = qs if before is None else qs.filter(seq__lt=before)
        batch = list(page[:size])
        yield from batch
        produced += len(batch)
        if len(batch) < size:
            return
        before = batch[-1]["seq"]


def export_entries_xlsx(*, filters: AuditEntryFilters, limit: int | None = None) -> ExportResult:
    """Write the entries matching ``filters`` (newest first, at most ``limit``) to an .xlsx file.

    When more entries match, the first row of the sheet says so and only the newest ``limit``
    are written; the second sheet records the filter, the time and the count.
    """
    limit = max_rows() if limit is None else limit
    truncated = audit_entry_list(filters=filters)[limit : limit + 1].exists()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Audit trail"))
    if truncated:
        ws.append([_cell(ws, _(
            "More than %(limit)s entries match: only the newest %(limit)s are exported. "
            "Narrow the filter (for example the date range) to export the rest."
        ) % {"limit": limit})])  # fmt: skip
    ws.append([_cell(ws, h) for h in _headers()])
    tz = timezone.get_current_timezone()
    count = 0
    for row in _rows(filters, limit):
        values = dict(row)
        # Excel has no time zones: local time, as shown on screen.
        values["occurred_at"] = timezone.localtime(row["occurred_at"], tz).replace(tzinfo=None)
        values["is_read"] = _("yes") if row["is_read"] else _("no")
        values["changes"] = (
            json.dumps(row["changes"], ensure_ascii=False, sort_keys=True) if row["changes"] else ""
        )
        ws.append([_cell(ws, values[c]) for c in COLUMNS])
        count += 1
    info = wb.create_sheet(_("About this export"))
    for label, value in (
        (pgettext("audit", "Filter"), filters.describe()),
        (_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")),
        (_("Entries exported"), count),
        (_("Complete"), _("no, capped at %(limit)s") % {"limit": limit} if truncated else _("yes")),
    ):
        info.append([_cell(info, label), _cell(info, value)])
    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response that streams it
    wb.save(out)
    out.seek(0)
    return ExportResult(file=out, row_count=count, truncated=truncated)


def audit_entries_export(*, actor: Any, filters: AuditEntryFilters) -> ExportResult:
    """Export for an auditor, and record the export itself as a sensitive read whose reason is
    the filter. The file is built first (no lock held while writing thousands of rows); if the
    entry cannot be written the file is discarded, so no export goes unrecorded."""
    result = export_entries_xlsx(filters=filters)
    try:
        audit_record(
            actor=actor,
            action="audit.entry.export",
            object_type="audit.auditentry",
            object_repr=_("%(count)s audit entries exported to Excel")
            % {"count": result.row_count},
            changes={},
            reason=filters.describe(),
            is_read=True,
        )
    except BaseException:
        result.file.close()
        raise
    return result
