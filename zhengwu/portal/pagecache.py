"""App-level cache of public portal pages (docs/modules/portal.md "Page cache").

Anonymous GET/HEAD responses of the portal's public views are kept in Django's cache
(``PORTAL_PAGE_CACHE_ALIAS``) for ``PORTAL_PAGE_CACHE_SECONDS`` (0 switches it off), keyed by
host, language, path and query string. Every key carries the current *generation*; any change a
public page can show (publish, unpublish, move, delete, a directory organisation or region, the
catalogue, sites, view restrictions) starts a new generation, which orphans every entry at once.
Whole-cache invalidation is deliberate: publishing one article changes its column, the sub-site
home and the portal home, and tracking those dependencies per page is where stale pages come from.

The generation is the inode and modification time of a stamp file (``PORTAL_PAGE_CACHE_STAMP``):
one ``stat`` per request, shared by every worker process on the host, so a publish in one gunicorn
worker invalidates the per-process caches (LocMemCache) of all the others without a database
query on the hot path. With a shared cache (Redis, memcached) on several hosts, put the stamp on
storage every host sees, or rely on the timeout.

Never cached: signed-in users or anyone with a session or messages cookie, requests whose page
rendered a CSRF token or queued a message, responses that set cookies, say ``private``/``no-store``
or are not 200, and query strings with parameters the portal does not use (cache flooding).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

# Query parameters the portal's pages read (pagination, catalogue filters). Anything else is not
# cached, so random query strings cannot flood the cache.
CACHEABLE_PARAMS = frozenset({"page", "org", "topic", "year"})
HIT_HEADER = "X-Portal-Cache"
_local: dict[str, Any] = {"generation": None, "store": {}}


def enabled() -> bool:
    return int(getattr(settings, "PORTAL_PAGE_CACHE_SECONDS", 0)) > 0


def _stamp() -> Path:
    return Path(settings.PORTAL_PAGE_CACHE_STAMP)


def generation() -> str:
    """The current generation: changes whenever ``bump`` runs, in any process on the host."""
    try:
        st = os.stat(_stamp())
    except FileNotFoundError:
        bump()
        st = os.stat(_stamp())
    return f"{st.st_ino:x}.{st.st_mtime_ns:x}"


def bump() -> None:
    """Start a new generation: every cached page and per-process lookup is stale from now on."""
    if not enabled():
        return
    stamp = _stamp()
    stamp.parent.mkdir(parents=True, exist_ok=True)
    try:
        previous = os.stat(stamp).st_mtime_ns
    except FileNotFoundError:
        stamp.touch()
        previous = 0
    now = max(time.time_ns(), previous + 1)  # strictly newer even within one clock tick
    os.utime(stamp, ns=(now, now))


def local_store() -> dict[str, Any]:
    """A per-process dict valid for the current generation (site and route lookups)."""
    current = generation()
    if _local["generation"] != current:
        _local["generation"] = current
        _local["store"] = {}
    return _local["store"]


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return False
    if (
        not set(request.GET).issubset(CACHEABLE_PARAMS)
        or len(request.META.get("QUERY_STRING", "")) > 200
    ):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def _cacheable_response(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
        return False
    control = response.get("Cache-Control", "")
    if "private" in control or "no-store" in control:
        return False
    messages = getattr(request, "_messages", None)
    return not (messages is not None and getattr(messages, "_queued_messages", None))


def _key(request: HttpRequest) -> str:
    raw = f"{request.get_host()}|{get_language()}|{request.get_full_path()}"
    return f"portal:page:{generation()}:{hashlib.sha256(raw.encode()).hexdigest()}"


def serve_cached(request: HttpRequest, render: Callable[[], HttpResponse]) -> HttpResponse:
    """Answer from the cache when allowed, else render and keep the result if it may be shared."""
    if not enabled() or not _cacheable_request(request):
        return render()
    cache = caches[getattr(settings, "PORTAL_PAGE_CACHE_ALIAS", "default")]
    key = _key(request)
    entry = cache.get(key)
    if entry is not None:
        content_type, content = entry
        response = HttpResponse(content, content_type=content_type)
        response[HIT_HEADER] = "hit"
        return response
    response = render()
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    if _cacheable_response(request, response):
        cache.set(key, (response["Content-Type"], response.content),
                  int(settings.PORTAL_PAGE_CACHE_SECONDS))  # fmt: skip
        response[HIT_HEADER] = "miss"
    return response
