"""Public views of the portal: Wagtail's page serving under the platform's access policy."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from wagtail import views as wagtail_views
from wagtail.models import Page, Site
from wagtail.url_routing import RouteResult

from zhengwu.core.access import public
from zhengwu.portal import pagecache, selectors


@public
@require_safe
def serve(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every portal page. Public by design; Wagtail's own view restrictions (private pages) still
    apply through its before_serve_page hook. Pages answer GET and HEAD only. Anonymous readers
    are answered from the page cache when possible (zhengwu.portal.pagecache)."""
    return pagecache.serve_cached(request, lambda: _serve(request, path))


def _serve(request: HttpRequest, path: str) -> HttpResponse:
    request._wagtail_route_for_request = _route(request, path)  # type: ignore[attr-defined]
    return wagtail_views.serve(request, path)


def _site(request: HttpRequest) -> Site | None:
    """Wagtail's site lookup, kept per process for the current cache generation (a Site change
    starts a new one), so a page render does not spend a query on it."""
    if not pagecache.enabled():
        return Site.find_for_request(request)
    store = pagecache.local_store()
    key = ("site", request.get_host())
    if key not in store:
        store[key] = Site.find_for_request(request)
    request._wagtail_site = store[key]  # type: ignore[attr-defined]
    return store[key]


def _route(request: HttpRequest, path: str) -> RouteResult | None:
    """Find the page by its url_path in one lookup instead of Wagtail's one query per level of the
    tree (the portal has no routable pages, so a path names exactly one page). The page's type is
    remembered per generation, so the specific page is then one query with the relations its
    template needs (``serve_select_related``). Keeps pages within their SQL budget."""
    site = _site(request)
    if site is None:
        return None
    components = [c for c in path.split("/") if c]
    url_path = site.root_page.url_path + "".join(f"{c}/" for c in components)
    store = pagecache.local_store() if pagecache.enabled() else {}
    model = store.get(("route", url_path))
    if model is None:
        found = (
            Page.objects.filter(url_path=url_path, live=True)
            .values_list("content_type_id", flat=True)
            .first()
        )
        if found is None:
            return None
        from django.contrib.contenttypes.models import ContentType

        model = ContentType.objects.get_for_id(found).model_class() or Page
        store[("route", url_path)] = model
    related = getattr(model, "serve_select_related", ())
    page = (
        model._default_manager.filter(url_path=url_path, live=True).select_related(*related).first()
    )
    return RouteResult(page) if page is not None else None


@public
@require_safe
def wagtail_login(request: HttpRequest) -> HttpResponse:
    """Wagtail's front-end login name, sent on to the platform's login."""
    return redirect_to_login(
        request.GET.get("next", "/"), settings.WAGTAIL_FRONTEND_LOGIN_URL, "next"
    )


@public
@require_safe
def disclosure_item(request: HttpRequest, pk: int) -> HttpResponse:
    """One entry of the 主动公开目录 with all its catalogue fields."""
    return pagecache.serve_cached(request, lambda: _disclosure_item(request, pk))


def _disclosure_item(request: HttpRequest, pk: int) -> HttpResponse:
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
