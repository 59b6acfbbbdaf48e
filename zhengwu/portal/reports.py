"""Site inspection reports (政府网站检查指标): column freshness and broken links.

- **Freshness**: a live column whose newest live item is older than the column's promised
  ``update_period_days`` is stale; a live column with no live item is empty (both are 单项否决
  items); the portal home is stale when its newest item is older than ``HOME_STALE_DAYS``.
- **Broken links**: links in the rich text of live pages to pages that are gone or not live, to
  documents that are gone, and 表格下载 entries whose file is missing from storage. External links
  are checked only on request (``check_external``), each with a timeout, never in page views.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model
from wagtail.models import Page

HOME_STALE_DAYS = 14
EXTERNAL_TIMEOUT_SECONDS = 5.0
MAX_EXTERNAL_LINKS = 2000

STATUS_LABELS = {"stale": _("not updated in time"), "empty": _("empty column")}


@dataclass(frozen=True)
class FreshnessRow:
    page_id: int
    title: str
    site: str
    url_path: str
    kind: str  # "column" or "home"
    status: str  # "stale" or "empty"
    period_days: int
    last_item: dt.datetime | None
    days_since: int | None

    @property
    def status_label(self) -> Any:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class BrokenLink:
    page_id: int
    page_title: str
    field: str
    target: str  # what the link points to: a page id, a document id, a URL
    problem: Any  # a lazy translation


def _site_names() -> dict[str, str]:
    from zhengwu.portal.models import SubSitePage

    return {p.path: p.title for p in SubSitePage.objects.only("title", "path")}


def _site_of(path: str, sites: dict[str, str], home_title: str) -> str:
    for prefix, title in sites.items():
        if path.startswith(prefix):
            return title
    return home_title


def column_freshness(now: dt.datetime | None = None) -> list[FreshnessRow]:
    """Stale and empty live columns and a stale home page, the most overdue first.

    One aggregate query per column (a portal has dozens), plus the columns and sites."""
    from zhengwu.portal.models import ColumnPage, ContentPage
    from zhengwu.portal.selectors import portal_home

    now = now or timezone.now()
    home = portal_home()
    home_title = home.title if home else ""
    sites = _site_names()
    rows: list[FreshnessRow] = []
    columns = ColumnPage.objects.live().only(
        "title", "path", "depth", "url_path", "update_period_days"
    ).order_by("path")
    for column in columns:
        found = ContentPage.objects.live().filter(
            path__startswith=column.path, depth__gt=column.depth, pub_date__lte=now
        ).aggregate(n=Count("pk"), newest=Max("pub_date"))
        site = _site_of(column.path, sites, home_title)
        if not found["n"]:
            rows.append(FreshnessRow(column.pk, column.title, site, column.url_path, "column",
                                     "empty", column.update_period_days, None, None))
            continue
        days = (now - found["newest"]).days
        if days > column.update_period_days:
            rows.append(FreshnessRow(column.pk, column.title, site, column.url_path, "column",
                                     "stale", column.update_period_days, found["newest"], days))
    if home is not None:
        newest = ContentPage.objects.live().filter(
            path__startswith=home.path, pub_date__lte=now
        ).aggregate(newest=Max("pub_date"))["newest"]
        days = (now - newest).days if newest else None
        if newest is None or days > HOME_STALE_DAYS:
            rows.append(FreshnessRow(home.pk, home.title, home_title, home.url_path, "home",
                                     "stale" if newest else "empty", HOME_STALE_DAYS, newest,
                                     days))
    return sorted(rows, key=lambda r: (r.status != "empty", -(r.days_since or 0), r.url_path))


# Rich-text links as Wagtail stores them: <a linktype="page" id="3">, <a linktype="document"
# id="7">; plain <a href="…"> for everything else.
RICH_LINK = re.compile(r'<a\b[^>]*\blinktype="(page|document)"[^>]*\bid="(\d+)"', re.I)
HREF = re.compile(r'<a\b[^>]*\bhref="(https?://[^"]+)"', re.I)


def _rich_text_fields(model: type) -> list[Any]:
    from wagtail.fields import RichTextField

    return [f for f in model._meta.concrete_fields if isinstance(f, RichTextField)]


def _live_rich_texts() -> Iterable[tuple[Page, str, str]]:
    """(page, field label, HTML) of every rich-text field of every live portal page."""
    from django.apps import apps

    from zhengwu.portal.models import PortalPage

    for model in apps.get_app_config("portal").get_models():
        if not issubclass(model, PortalPage):
            continue
        fields = _rich_text_fields(model)
        if not fields:
            continue
        names = [f.name for f in fields]
        # Exact type only: a field of a concrete parent (ContentPage.body) is read once, via the
        # child types (ContentPage itself is never instantiated).
        for page in model.objects.live().exact_type(model).only("title", *names).iterator():
            for field in fields:
                value = getattr(page, field.name) or ""
                if value:
                    yield page, str(field.verbose_name), value


def broken_links() -> list[BrokenLink]:
    """Internal links of live pages that lead nowhere, and missing 表格下载 files."""
    from zhengwu.portal.models import ColumnDownload

    document_model = get_document_model()
    found: list[tuple[Page, str, str, str]] = []
    page_ids: set[int] = set()
    document_ids: set[int] = set()
    for page, field, html in _live_rich_texts():
        for kind, ident in RICH_LINK.findall(html):
            found.append((page, field, kind, ident))
            (page_ids if kind == "page" else document_ids).add(int(ident))
    live = dict(Page.objects.filter(pk__in=page_ids).values_list("pk", "live"))
    documents = set(document_model.objects.filter(pk__in=document_ids).values_list("pk", flat=True))
    rows: list[BrokenLink] = []
    for page, field, kind, ident in found:
        pk = int(ident)
        if kind == "page" and pk not in live:
            rows.append(BrokenLink(page.pk, page.title, field, f"page {pk}",
                                   _("linked page was deleted")))
        elif kind == "page" and not live[pk]:
            rows.append(BrokenLink(page.pk, page.title, field, f"page {pk}",
                                   _("linked page is not published")))
        elif kind == "document" and pk not in documents:
            rows.append(BrokenLink(page.pk, page.title, field, f"document {pk}",
                                   _("linked document was deleted")))
    for download in ColumnDownload.objects.select_related("column", "document").filter(
        column__live=True
    ):
        file = download.document.file
        if not file or not file.storage.exists(file.name):
            rows.append(BrokenLink(download.column.pk, download.column.title,
                                   str(_("Forms for download")), download.document.title,
                                   _("file is missing from storage")))
    return rows


Opener = Callable[..., Any]


def _check_url(url: str, timeout: float, opener: Opener) -> str:
    """"" when the URL answers below 400, else the problem in a few words. HEAD first; GET when
    the server refuses HEAD."""
    problem = ""
    for method in ("HEAD", "GET"):
        # Only http(s) URLs reach here (HREF matches them alone).
        request = urllib.request.Request(url, method=method,  # noqa: S310
                                         headers={"User-Agent": "zhengwu-link-check"})
        try:
            with opener(request, timeout=timeout) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (urllib.error.URLError, OSError, ValueError) as error:
            return str(getattr(error, "reason", error))[:100] or type(error).__name__
        if status < 400:
            return ""
        problem = f"HTTP {status}"
        if status not in (405, 501):
            break
    return problem


def broken_external_links(
    timeout: float = EXTERNAL_TIMEOUT_SECONDS, opener: Opener | None = None
) -> list[BrokenLink]:
    """External (http/https) links of live pages that fail or answer ≥ 400; each distinct URL is
    requested once, with ``timeout`` seconds. For the management command, not for page views."""
    opener = opener or urllib.request.urlopen
    by_url: dict[str, list[tuple[Page, str]]] = {}
    for page, field, html in _live_rich_texts():
        for url in HREF.findall(html):
            by_url.setdefault(url, []).append((page, field))
    rows = []
    for url in list(by_url)[:MAX_EXTERNAL_LINKS]:
        problem = _check_url(url, timeout, opener)
        if problem:
            rows += [BrokenLink(p.pk, p.title, field, url, problem) for p, field in by_url[url]]
    return rows


def freshness_table(rows: list[FreshnessRow]) -> tuple[list[Any], list[list[Any]]]:
    headers = [_("Column"), _("Site"), _("Address"), _("Problem"), _("Promised period (days)"),
               _("Newest item"), _("Days since")]  # fmt: skip
    return headers, [[r.title, r.site, r.url_path, str(r.status_label), r.period_days,
                      r.last_item, r.days_since] for r in rows]  # fmt: skip


def links_table(rows: list[BrokenLink]) -> tuple[list[Any], list[list[Any]]]:
    headers = [_("Page"), _("Page ID"), _("Field"), _("Link target"), _("Problem")]
    return headers, [[r.page_title, r.page_id, r.field, r.target, str(r.problem)] for r in rows]
