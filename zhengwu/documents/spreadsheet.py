"""Excel export of the document list (发文登记簿)."""

import io
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from zhengwu.audit.actions import audit_record


def documents_workbook(actor: Any, documents: Any) -> bytes:
    """One row per document; recorded as a read (the register is internal)."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Documents")[:31]
    headers = [
        _("document number (发文字号)"), _("title"), _("type"), _("drafting organisation"),
        _("security level"), _("urgency"), _("status"), _("signed off by"),
        _("date of the document"), _("drafted at"),
    ]  # fmt: skip
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    count = 0
    for doc in documents:
        count += 1
        ws.append([
            doc.doc_number, _safe(doc.title), str(doc.get_doc_type_display()),
            doc.organisation.name, str(doc.get_security_level_display()),
            str(doc.get_urgency_display()), str(doc.get_status_display()), doc.signer_names,
            doc.doc_date.isoformat() if doc.doc_date else "",
            doc.created_at.strftime("%Y-%m-%d %H:%M"),
        ])  # fmt: skip
    for column, width in zip("ABCDEFGHIJ", (22, 50, 12, 20, 10, 8, 10, 10, 12, 17), strict=True):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    with transaction.atomic():
        audit_record(
            actor=actor, action="documents.official_document.export", is_read=True,
            object_type="documents.officialdocument",
            object_repr=_("Exported %(count)s documents to Excel") % {"count": count},
            reason=_("document register"),
        )  # fmt: skip
    return out.getvalue()


def _safe(text: str) -> str:
    """No formula injection: a cell starting with = + - @ is kept as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
