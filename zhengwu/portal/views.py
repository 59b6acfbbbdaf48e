"""Public views of the portal: Wagtail's page serving under the platform's access policy."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from wagtail import views as wagtail_views
from wagtail.models import Page, Site
from wagtail.url_routing import RouteResult

from zhengwu.core.access import public
from zhengwu.portal import selectors


@public
@require_safe
def serve(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every portal page. Public by design; Wagtail's own view restrictions (private pages) still
    apply through its before_serve_page hook. Pages answer GET and HEAD only."""
    request._wagtail_route_for_request = _route(request, path)  # type: ignore[attr-defined]
    return wagtail_views.serve(request, path)


def _route(request: HttpRequest, path: str) -> RouteResult | None:
    """Find the page by its url_path in one lookup instead of Wagtail's one query per level of the
    tree (the portal has no routable pages, so a path names exactly one page). Keeps an article
    page within its SQL budget (docs/modules/portal.md)."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    components = [c for c in path.split("/") if c]
    url_path = site.root_page.url_path + "".join(f"{c}/" for c in components)
    page = Page.objects.filter(url_path=url_path, live=True).specific().first()
    return RouteResult(page) if page is not None else None


@public
@require_safe
def disclosure_item(request: HttpRequest, pk: int) -> HttpResponse:
    """One entry of the 主动公开目录 with all its catalogue fields."""
    from zhengwu.portal.models import DisclosureItem

    try:
        item = selectors.disclosure_item_get(pk)
    except DisclosureItem.DoesNotExist as e:
        raise Http404 from e
    home = selectors.portal_home()
    return render(request, "portal/disclosure_item.html", {
        "item": item,
        "page": home,
        "column": {"name": item.title, "type": "信息公开目录"},
        "last_updated": item.created_at,
    })  # fmt: skip
