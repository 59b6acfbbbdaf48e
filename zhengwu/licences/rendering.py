"""Licence PDF: an HTML layout per licence type rendered by WeasyPrint, with a QR code that
points at the public verification page and the GB/T 36903 core metadata in the document info.

Signing happens in ``actions.licence_issue`` (``zhengwu.signing.services.pdf_sign``); the seal
goes over the issuer/date block whose position the layouts fix (``SEAL_CENTRES``).
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from zhengwu.licences.models import Layout

# Seal centre (x, y) in mm from the page's top-left corner, and diameter, per layout: over the
# issuer's name and the date, as on paper licences (the layout templates put them there).
SEAL_CENTRES: dict[str, tuple[float, float, float]] = {
    Layout.CERTIFICATE: (235.0, 166.0, 40.0),
    Layout.DECISION: (150.0, 236.0, 40.0),
}
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def font_family() -> str:
    """CSS font list of the licence text; Noto CJK (Debian fonts-noto-cjk) by default."""
    return getattr(settings, "ZHENGWU_LICENCE_FONT_FAMILY", "") or (
        '"Noto Serif CJK SC", "Noto Sans CJK SC", serif'
    )


def absolute_url(path: str) -> str:
    """The public URL of a site path: ``ZHENGWU_BASE_URL`` (the public site's address, also used
    by notify) or, when unset, the development server's address."""
    return urljoin(getattr(settings, "ZHENGWU_BASE_URL", "") or DEFAULT_BASE_URL, path)


def chinese_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


@dataclass
class LicenceDocument:
    """Everything printed on a licence (and its core metadata)."""

    layout: str
    title: str
    type_name: str
    type_code: str
    number: str
    identifier: str
    holder_name: str
    holder_id_number: str
    holder_code_type: str  # 111 / 001
    holder_code_label: str
    issuer_name: str
    issuer_code: str
    issued_on: dt.date
    valid_from: dt.date
    valid_until: dt.date | None
    verify_url: str  # absolute
    fields: list[dict[str, str]] = field(default_factory=list)

    @property
    def validity_text(self) -> str:
        end = chinese_date(self.valid_until) if self.valid_until else _("long-term")
        return f"{chinese_date(self.valid_from)} — {end}"

    def metadata(self) -> dict[str, str]:
        """GB/T 36903 core metadata, written as custom PDF document-info entries."""
        return {
            "LicenceIdentifier": self.identifier,  # 证照标识
            "LicenceTypeName": self.type_name,  # 证照类型名称
            "LicenceTypeCode": self.type_code,  # 证照类型代码
            "LicenceNumber": self.number,  # 证照编号
            "IssuerName": self.issuer_name,  # 证照颁发机构
            "IssuerCode": self.issuer_code,  # 证照颁发机构代码
            "IssueDate": self.issued_on.isoformat(),  # 证照颁发日期
            "HolderName": self.holder_name,  # 持证主体
            "HolderCode": self.holder_id_number,  # 持证主体代码
            "HolderCodeType": self.holder_code_type,  # 持证主体代码类型
            "ValidFrom": self.valid_from.isoformat(),  # 证照有效期起始日期
            "ValidUntil": self.valid_until.isoformat() if self.valid_until else "",  # 截止日期
        }


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=0)


def render_html(doc: LicenceDocument) -> str:
    context: dict[str, Any] = {
        "doc": doc,
        "font_family": font_family(),
        "qr": qr_data_uri(doc.verify_url),
        "issued_on": chinese_date(doc.issued_on),
        "seal": SEAL_CENTRES[doc.layout],
        "metadata": doc.metadata(),
    }
    return render_to_string(f"licences/pdf/{doc.layout}.html", context)


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint, with the document info from the page's <meta> tags (custom metadata on)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(custom_metadata=True)


def render_pdf(doc: LicenceDocument) -> bytes:
    return html_to_pdf(render_html(doc))
