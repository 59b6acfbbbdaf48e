import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from zhengwu.core.access import public
from zhengwu.search import selectors
from zhengwu.search.models import Kind

MAX_QUERY = 100
FACETS_TTL = 300  # seconds; the list of sites changes when a sub-site is created


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str, default: int) -> int:
    return int(value) if value.isdigit() and len(value) < 6 else default


def _facets() -> dict[str, Any]:
    facets = cache.get("search:facets")
    if facets is None:
        facets = selectors.search_facets()
        cache.set("search:facets", facets, FACETS_TTL)
    return facets


@public
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    params = request.GET
    q = params.get("q", "")[:MAX_QUERY].strip()
    sites = _facets()["sites"]
    # Not checked against the (cached) list: an unknown site simply finds nothing.
    site = params.get("site", "")[:80]
    columns = selectors.site_columns(site) if site else []
    column = params.get("column", "")
    column = column if any(key == column for key, _label in columns) else ""
    kind = params.get("kind", "")
    kind = kind if kind in Kind.values else ""
    date_from, date_to = _date(params.get("from", "")), _date(params.get("to", ""))
    results = selectors.search_query(
        q,
        site=site or None,
        column=column or None,
        kind=kind or None,
        date_from=date_from,
        date_to=date_to,
        page=_int(params.get("page", ""), 1),
        per_page=20,
    )
    kept = {
        "q": q,
        "site": site,
        "column": column,
        "kind": kind,
        "from": date_from.isoformat() if date_from else "",
        "to": date_to.isoformat() if date_to else "",
    }
    base_query = urlencode({k: v for k, v in kept.items() if v})
    return render(
        request,
        "search/results.html",
        {
            "q": q,
            "results": results,
            "sites": sites,
            "columns": columns,
            "kinds": Kind.choices,
            "selected": kept,
            "base_query": base_query,
            "bad_dates": bool(params.get("from") and not date_from)
            or bool(params.get("to") and not date_to),
            "column": {"name": _("Site search"), "description": "", "keywords": "", "type": ""},
        },
    )
