"""Queries of the portal: what the public pages show, the 政务公开 catalogue, the word list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.db.models.functions import ExtractYear
from wagtail.models import Page

from zhengwu.audit.models import AuditEntry
from zhengwu.directory.models import Organisation, Region
from zhengwu.portal import sensitive

PAGE_SIZE = 20
# Directory records the home page is built from: their latest audited change dates the page.
DIRECTORY_OBJECT_TYPES = ("directory.region", "directory.organisation")


# --- City facts from the directory (走进云泽, 机构设置) ------------------------------------------


@dataclass
class CityOverview:
    city: Region
    districts: list[Any] = field(default_factory=list)  # Region rows annotated with towns, villages

    @property
    def town_count(self) -> int:
        return sum(d.towns for d in self.districts)

    @property
    def village_count(self) -> int:
        return sum(d.villages for d in self.districts)


def city_region() -> Region | None:
    """The city this site belongs to: ZHENGWU_SITE["region_code"] if set, else the first active
    city-level region."""
    cities = Region.objects.filter(level=Region.Level.CITY, is_active=True).order_by("code")
    code = getattr(settings, "ZHENGWU_SITE", {}).get("region_code")
    if code:
        return cities.filter(code=code).first() or cities.first()
    return cities.first()


def city_overview() -> CityOverview | None:
    """The city with its districts/counties and the number of towns and villages in each
    (one query for the districts, whatever their number)."""
    city = city_region()
    if city is None:
        return None
    town = Q(children__level=Region.Level.TOWNSHIP, children__is_active=True)
    village = Q(
        children__is_active=True,
        children__children__level=Region.Level.VILLAGE,
        children__children__is_active=True,
    )
    districts = list(
        Region.objects.filter(parent=city, level=Region.Level.COUNTY, is_active=True)
        .annotate(
            towns=Count("children", filter=town, distinct=True),
            villages=Count("children__children", filter=village, distinct=True),
        )
        .order_by("code")
    )
    return CityOverview(city=city, districts=districts)


def city_government(city: Region | None) -> Organisation | None:
    if city is None:
        return None
    return Organisation.objects.filter(
        region=city, kind=Organisation.Kind.GOVERNMENT, is_active=True
    ).first()


def government_departments(city: Region | None) -> list[Organisation]:
    """The city government's working departments (市政府工作部门), in their official order."""
    if city is None:
        return []
    return list(
        Organisation.objects.filter(region=city, kind=Organisation.Kind.DEPARTMENT, is_active=True)
    )


def directory_last_updated() -> dt.datetime | None:
    """When the directory data shown on the public pages last changed (from the audit trail).
    None when nothing is recorded: a page never shows an invented date (政府网站检查指标)."""
    return (
        AuditEntry.objects.filter(object_type__in=DIRECTORY_OBJECT_TYPES)
        .order_by("-seq")
        .values_list("occurred_at", flat=True)
        .first()
    )


# --- Pages -------------------------------------------------------------------------------------


def portal_home() -> Page | None:
    """The live root page of the default site, if it is the portal's HomePage (one query)."""
    from zhengwu.portal.models import HomePage

    return HomePage.objects.filter(live=True, sites_rooted_here__is_default_site=True).first()


def latest_content(root: Page, limit: int) -> list[Any]:
    from zhengwu.portal.models import ContentPage

    return list(
        ContentPage.objects.live().descendant_of(root).order_by("-pub_date", "-pk")
        .only("title", "url_path", "path", "depth", "pub_date")[:limit]
    )  # fmt: skip


def _of_type(pages: list[Page], model: Any) -> list[Page]:
    from django.contrib.contenttypes.models import ContentType

    content_type_id = ContentType.objects.get_for_model(model).pk  # cached by Django
    return [page for page in pages if page.content_type_id == content_type_id]


def column_blocks(
    root: Page, per_column: int = 6, children: list[Page] | None = None
) -> list[tuple[Page, list[Any]]]:
    """The columns shown in the menu under ``root`` with their newest entries. One query for all
    the entries whatever the number of columns (a window numbers each column's entries), plus one
    for the columns unless the caller already has ``root``'s live children."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber, Substr

    from zhengwu.portal.models import ColumnPage, ContentPage

    if children is None:
        children = list(
            Page.objects.live().filter(path__startswith=root.path, depth=root.depth + 1)
            .only("title", "url_path", "depth", "path", "content_type_id", "show_in_menus")
            .order_by("path")
        )  # fmt: skip
    columns = [c for c in _of_type(children, ColumnPage) if c.show_in_menus]
    if not columns:
        return []
    width = Page.steplen * (root.depth + 1)
    ranked = (
        ContentPage.objects.live()
        .filter(depth=root.depth + 2, path__startswith=root.path)
        .annotate(
            column_path=Substr("path", 1, width),
            rank=Window(RowNumber(), partition_by=[Substr("path", 1, width)],
                        order_by=[F("pub_date").desc(), F("pk").desc()]),
        )
        .filter(rank__lte=per_column, column_path__in=[c.path for c in columns])
        .only("title", "url_path", "path", "depth", "pub_date")
        .order_by("-pub_date", "-pk")
    )  # fmt: skip
    by_column: dict[str, list[Any]] = {c.path: [] for c in columns}
    for entry in ranked:
        by_column[entry.column_path].append(entry)
    return [(column, by_column[column.path]) for column in columns]


def home_context(home: Page, children: list[Page] | None = None) -> dict[str, Any]:
    from zhengwu.portal.models import SubSitePage

    if children is None:
        children = list(home.get_children().live())
    overview = city_overview()
    city = overview.city if overview else None
    government, departments = city_government_and_departments(city)
    return {
        "overview": overview,
        "government": government,
        "departments": departments,
        "column_blocks": column_blocks(home, children=children),
        "subsites": _of_type(children, SubSitePage),
    }


def city_government_and_departments(
    city: Region | None,
) -> tuple[Organisation | None, list[Organisation]]:
    """``city_government`` and ``government_departments`` in one query."""
    if city is None:
        return None, []
    organisations = list(
        Organisation.objects.filter(
            region=city, is_active=True,
            kind__in=[Organisation.Kind.GOVERNMENT, Organisation.Kind.DEPARTMENT],
        )
    )  # fmt: skip
    government = next((o for o in organisations if o.kind == Organisation.Kind.GOVERNMENT), None)
    return government, [o for o in organisations if o.kind == Organisation.Kind.DEPARTMENT]


def home_last_updated(home: Page) -> dt.datetime | None:
    """The newest of: the latest published item anywhere on the portal and the directory facts
    shown on the home page. Never invented (政府网站检查指标: faked dates are a failure)."""
    newest = latest_content(home, 1)
    dates = [directory_last_updated(), newest[0].pub_date if newest else None]
    return max(filter(None, dates), default=None)


def column_entries(column: Page, page_number: str | None) -> PaginatorPage:
    from zhengwu.portal.models import ContentPage

    entries = (
        ContentPage.objects.child_of(column).live().order_by("-pub_date", "-pk")
        .only("title", "url_path", "path", "depth", "pub_date")
    )  # fmt: skip
    return Paginator(entries, PAGE_SIZE).get_page(page_number)


# --- 政务公开 catalogue ------------------------------------------------------------------------


@dataclass
class CatalogueView:
    items: PaginatorPage
    organisations: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    years: list[dict[str, Any]]
    selected: dict[str, str]
    total: int


def disclosure_browse(
    params: Mapping[str, str], *, organisation: Organisation | None = None
) -> CatalogueView:
    """The catalogue filtered by organisation (code), topic and year, with the counts to browse by.
    Unknown filter values select nothing rather than raising: they come from the address bar."""
    from zhengwu.portal.models import DisclosureItem

    base = DisclosureItem.objects.all()
    if organisation is not None:
        base = base.filter(organisation=organisation)
    selected = {key: (params.get(key) or "").strip()[:60] for key in ("org", "topic", "year")}
    items = base
    if selected["org"]:
        items = items.filter(organisation__code=selected["org"])
    if selected["topic"]:
        items = items.filter(topic=selected["topic"])
    if selected["year"]:
        year = int(selected["year"]) if selected["year"].isdigit() else 0
        items = items.filter(published_on__year=year)
    items = items.select_related("organisation", "page")
    paginator = Paginator(items, PAGE_SIZE)
    organisations = list(
        base.values("organisation__code", "organisation__name")
        .annotate(n=Count("id")).order_by("organisation__sort_path")
    )  # fmt: skip
    topics = list(base.values("topic").annotate(n=Count("id")).order_by("topic"))
    years = list(
        base.annotate(year=ExtractYear("published_on")).values("year")
        .annotate(n=Count("id")).order_by("-year")
    )  # fmt: skip
    return CatalogueView(
        items=paginator.get_page(params.get("page")), organisations=organisations, topics=topics,
        years=years, selected=selected, total=paginator.count,
    )  # fmt: skip


def disclosure_item_get(pk: int) -> Any:
    from zhengwu.portal.models import DisclosureItem

    return DisclosureItem.objects.select_related("organisation", "page", "document").get(pk=pk)


# --- Prohibited words --------------------------------------------------------------------------

_matcher_cache: dict[str, Any] = {"key": None, "matcher": None}


def sensitive_matcher() -> sensitive.Matcher:
    """The automaton over the active word list, rebuilt only when the list changed (one
    aggregate query per call)."""
    from zhengwu.portal.models import SensitiveWord

    active = SensitiveWord.objects.filter(is_active=True)
    state = active.aggregate(n=Count("id"), changed=Max("updated_at"), top=Max("id"))
    key = f"{state['n']}:{state['changed']}:{state['top']}"
    if _matcher_cache["key"] != key:
        _matcher_cache["matcher"] = sensitive.Matcher(active.values_list("word", flat=True))
        _matcher_cache["key"] = key
    return _matcher_cache["matcher"]


@dataclass
class SitemapNode:
    title: str
    url: str
    children: list[SitemapNode] = field(default_factory=list)


def sitemap_tree() -> list[SitemapNode]:
    """The portal's sub-sites, columns and catalogues (live, public) as a tree for the site map,
    in menu order. One query; items (articles, policies) are not listed."""
    from zhengwu.portal.models import ColumnPage, DisclosureCataloguePage, SubSitePage

    home = portal_home()
    if home is None:
        return []
    pages = list(
        Page.objects.live().public().descendant_of(home)
        .type(ColumnPage, SubSitePage, DisclosureCataloguePage)
        .only("title", "url_path", "path", "depth").order_by("path")
    )  # fmt: skip
    root_url_path = home.url_path
    nodes: dict[str, SitemapNode] = {}
    top: list[SitemapNode] = []
    for page in pages:
        node = SitemapNode(page.title, "/" + page.url_path[len(root_url_path):])
        nodes[page.path] = node
        parent = next((nodes[page.path[:n]] for n in range(len(page.path) - Page.steplen,
                                                           0, -Page.steplen)
                       if page.path[:n] in nodes), None)  # fmt: skip
        (parent.children if parent else top).append(node)
    return top
