"""Input of a draft and its checks (条例 第九条, GB/T 9704-2012), free of database writes."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from zhengwu.documents.models import (
    SECURITY_MAX_YEARS,
    DocType,
    SecurityLevel,
    Urgency,
)

BODY_MAX = 50_000
# Characters a pasted draft must not carry into the PDF: controls (except newline and tab),
# bidi overrides, zero-width characters.
_STRIP = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

# Fields kept in every revision snapshot, in this order.
SNAPSHOT_FIELDS = [
    "doc_type",
    "copy_number",
    "security_level",
    "security_years",
    "urgency",
    "issuer_mark",
    "title",
    "main_recipients_text",
    "cc_text",
    "body",
    "attachment_names",
    "issuer_signature",
    "doc_date",
    "note",
    "printing_org",
    "printing_date",
    "signer_names",
]


def clean_text(value: Any, *, multiline: bool = False) -> str:
    text = unicodedata.normalize("NFC", str(value or ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _STRIP.sub("", text)
    if not multiline:
        text = " ".join(text.split())
    else:
        text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    return text.strip() if not multiline else text


@dataclass
class DocumentInput:
    doc_type: str
    title: str
    body: str
    issuer_signature: str = ""
    issuer_mark: str = ""
    copy_number: str = ""
    security_level: str = "none"
    security_years: int | None = None
    urgency: str = "none"
    main_recipients: list[Any] = field(default_factory=list)  # Organisation
    main_recipients_text: str = ""
    cc_recipients: list[Any] = field(default_factory=list)
    cc_text: str = ""
    countersign_departments: list[Any] = field(default_factory=list)
    attachment_names: str = ""
    doc_date: date | None = None
    note: str = ""
    printing_org: str = ""
    printing_date: date | None = None

    def cleaned(self) -> "DocumentInput":
        return DocumentInput(
            doc_type=clean_text(self.doc_type),
            title=clean_text(self.title),
            body=clean_text(self.body, multiline=True),
            issuer_signature=clean_text(self.issuer_signature),
            issuer_mark=clean_text(self.issuer_mark),
            copy_number=clean_text(self.copy_number),
            security_level=clean_text(self.security_level) or "none",
            security_years=self.security_years,
            urgency=clean_text(self.urgency) or "none",
            main_recipients=list(self.main_recipients),
            main_recipients_text=clean_text(self.main_recipients_text),
            cc_recipients=list(self.cc_recipients),
            cc_text=clean_text(self.cc_text),
            countersign_departments=list(self.countersign_departments),
            attachment_names=clean_text(self.attachment_names, multiline=True),
            doc_date=self.doc_date,
            note=clean_text(self.note),
            printing_org=clean_text(self.printing_org),
            printing_date=self.printing_date,
        )


def check(data: DocumentInput) -> dict[str, str]:
    """field → Chinese message; empty when the draft may be saved."""
    problems: dict[str, str] = {}
    if data.doc_type not in DocType.values:
        problems["doc_type"] = _("Choose one of the 15 document types.")
    if not data.title:
        problems["title"] = _("The document needs a title.")
    elif len(data.title) > 200:
        problems["title"] = _("The title may have at most 200 characters.")
    if not data.body.strip():
        problems["body"] = _("The document needs a body.")
    elif len(data.body) > BODY_MAX:
        problems["body"] = _("The body may have at most %(n)s characters.") % {"n": BODY_MAX}
    if data.security_level not in SecurityLevel.values:
        problems["security_level"] = _("Unknown security level.")
    elif data.security_level != "none":
        if not re.fullmatch(r"\d{6}", data.copy_number or ""):
            problems["copy_number"] = _(
                "A classified document needs a six-digit copy number (份号), e.g. 000001."
            )
        limit = SECURITY_MAX_YEARS[data.security_level]
        if data.security_years is not None and not 1 <= data.security_years <= limit:
            problems["security_years"] = _(
                "The secrecy period of this level is 1 to %(n)s years."
            ) % {"n": limit}
    else:
        if data.security_years:
            problems["security_years"] = _("Only a classified document has a secrecy period.")
        if data.copy_number and not re.fullmatch(r"\d{6}", data.copy_number):
            problems["copy_number"] = _("The copy number (份号) has six digits, e.g. 000001.")
    if data.urgency not in Urgency.values:
        problems["urgency"] = _("Unknown urgency.")
    for name, limit in (
        ("issuer_signature", 100),
        ("issuer_mark", 60),
        ("main_recipients_text", 500),
        ("cc_text", 500),
        ("note", 200),
        ("printing_org", 100),
    ):
        if len(getattr(data, name)) > limit:
            problems[name] = _("At most %(n)s characters.") % {"n": limit}
    if len(data.attachment_names) > 2000:
        problems["attachment_names"] = _("At most %(n)s characters.") % {"n": 2000}
    return problems
