"""The inspection reports in Wagtail's "Reports" menu, each with an Excel export
(zhengwu.core.spreadsheet, formula-safe). Any CMS user may read them (the access policy of every
admin view is applied in zhengwu.portal.cms)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from wagtail.admin.menu import MenuItem

from zhengwu.core.spreadsheet import xlsx_response, xlsx_table
from zhengwu.portal import reports


def _export(sheet: Any, name: str, table: tuple[list[Any], list[list[Any]]]) -> HttpResponse:
    headers, rows = table
    stamp = timezone.localdate().strftime("%Y%m%d")
    return xlsx_response(xlsx_table(str(sheet), headers, rows), f"{name}-{stamp}.xlsx")


@require_GET
def freshness(request: HttpRequest) -> HttpResponse:
    rows = reports.column_freshness()
    if request.GET.get("export") == "xlsx":
        return _export(_("Column freshness"), "column-freshness", reports.freshness_table(rows))
    return render(request, "portal/reports/freshness.html", {
        "page_title": _("Column freshness"), "header_icon": "time", "rows": rows,
        "home_stale_days": reports.HOME_STALE_DAYS,
    })  # fmt: skip


@require_GET
def links(request: HttpRequest) -> HttpResponse:
    rows = reports.broken_links()
    if request.GET.get("export") == "xlsx":
        return _export(_("Broken links"), "broken-links", reports.links_table(rows))
    return render(request, "portal/reports/links.html", {
        "page_title": _("Broken links"), "header_icon": "link", "rows": rows,
    })  # fmt: skip


def admin_urls() -> list[Any]:
    return [
        path("portal/reports/freshness/", freshness, name="portal_report_freshness"),
        path("portal/reports/links/", links, name="portal_report_links"),
    ]


def freshness_menu_item() -> MenuItem:
    return MenuItem(_("Column freshness"), reverse("portal_report_freshness"),
                    icon_name="time", order=900)  # fmt: skip


def links_menu_item() -> MenuItem:
    return MenuItem(_("Broken links"), reverse("portal_report_links"), icon_name="link",
                    order=910)  # fmt: skip
