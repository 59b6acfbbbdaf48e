"""The public catalogue (网上办事大厅) at /services/: browse by department, topic and life event,
search, and each item's guide (办事指南). Anonymous; published items only; no JavaScript."""

from typing import Any

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from zhengwu.core.access import public
from zhengwu.core.errors import NotFound
from zhengwu.eservices import selectors
from zhengwu.eservices.models import Audience

PAGE_SIZE = 20
AUDIENCES = (Audience.PERSON, Audience.LEGAL_ENTITY)


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _column(name: str, description: str = "") -> dict[str, str]:
    return {"name": name, "description": description or name, "keywords": name}


@public
@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    audience = request.GET.get("audience", Audience.PERSON)
    if audience not in AUDIENCES:
        audience = Audience.PERSON
    return render(
        request,
        "eservices/catalogue.html",
        {
            "audience": audience,
            "tabs": [(a, Audience(a).label) for a in AUDIENCES],
            "life_events": selectors.catalogue_life_events(audience),
            "topics": selectors.catalogue_topics(audience),
            "departments": selectors.catalogue_departments(),
            "column": _column(_("Online services"), _("Service guides of the city's departments.")),
        },
    )


def _listing(request: HttpRequest, title: str, items: Any, **extra: Any) -> HttpResponse:
    return render(
        request,
        "eservices/item_list.html",
        {
            "title": title,
            "page": _page(request, items),
            "column": _column(_("Online services")),
            **extra,
        },
    )


@public
@require_safe
def department(request: HttpRequest, organisation_id: int) -> HttpResponse:
    try:
        org, items = selectors.department_items(organisation_id)
    except NotFound:
        raise Http404 from None
    return _listing(request, org.name, items, kind=_("By department"))


@public
@require_safe
def topic(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found, items = selectors.topic_items(code)
    except NotFound:
        raise Http404 from None
    return _listing(request, found.name, items, kind=_("By topic"))


@public
@require_safe
def life_event(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found, items = selectors.life_event_items(code)
    except NotFound:
        raise Http404 from None
    return _listing(request, found.name, items, kind=Audience(found.audience).label)


@public
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: selectors.MAX_QUERY]
    terms, hits = selectors.search_catalogue(query)
    return render(
        request,
        "eservices/search.html",
        {
            "query": query,
            "terms": terms,
            "page": _page(request, hits),
            "count": len(hits),
            "column": _column(_("Online services")),
        },
    )


@public
@require_safe
def guide(request: HttpRequest, code: str) -> HttpResponse:
    try:
        item = selectors.published_item(code)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "eservices/guide.html",
        {
            "item": item,
            "column": _column(_("Online services")),
        },
    )


@public
@require_safe
def material_file(request: HttpRequest, code: str, material_id: int, kind: str) -> FileResponse:
    """A blank form or sample of a published item: public like the guide that links to it."""
    from zhengwu.files.views import content_disposition

    try:
        stored = selectors.published_material_file(code, material_id, kind)
        handle = stored.file.open("rb")
    except (NotFound, FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=stored.content_type)
    response["Content-Disposition"] = content_disposition(stored.download_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
