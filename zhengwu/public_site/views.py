"""Public pages of the portal shell: home (the portal's Wagtail home page), site map, contact."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zhengwu.core.access import public
from zhengwu.portal import selectors as portal_selectors
from zhengwu.portal import views as portal_views
from zhengwu.public_site import selectors


def _column(
    name: str, column_type: str = "", description: str = "", keywords: str = ""
) -> dict[str, Any]:
    """Column-level meta tags of the 政府网站网页设计规范 (ColumnName, ColumnType, ...)."""
    return {"name": name, "type": column_type, "description": description, "keywords": keywords}


@public
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The portal's home page (zhengwu.portal.HomePage); this directory-only page is the fallback
    while no portal home page is live."""
    if portal_selectors.portal_home() is not None:
        return portal_views.serve(request, "")
    overview = selectors.city_overview()
    city = overview.city if overview else None
    return render(request, "public_site/home.html", {
        "overview": overview,
        "government": selectors.city_government(city),
        "departments": selectors.government_departments(city),
        "last_updated": selectors.directory_last_updated(),
        # ColumnType values are the fixed tokens of the specification, not UI text.
        "column": _column(_("Home"), "首页", _("The official portal of the city government."),
                          _("government, public services, organisations")),
    })  # fmt: skip


@public
@require_GET
def sitemap(request: HttpRequest) -> HttpResponse:
    overview = selectors.city_overview()
    return render(request, "public_site/sitemap.html", {
        "overview": overview,
        # The portal's sub-sites, columns and catalogues (live, public pages only).
        "portal_tree": portal_selectors.sitemap_tree(),
        "last_updated": selectors.directory_last_updated(),
        "column": _column(_("Site map"), description=_("All sections of this website.")),
    })  # fmt: skip


@public
@require_GET
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "public_site/contact.html", {
        "column": _column(_("Contact us"), description=_("How to reach the website's sponsor.")),
    })  # fmt: skip
