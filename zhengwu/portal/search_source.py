"""The portal as a source of the site search (zhengwu.search): live public pages, their
attachments' text (and 表格下载 forms), and 政务公开 catalogue items.

Kept fresh from Wagtail's signals, after commit: publish → (re)index the page and its
attachments; unpublish, delete, a view restriction → remove; move → re-index the subtree (the
addresses changed). ``python manage.py search_reindex --source portal`` rebuilds it all.
"""

import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from zhengwu.search.actions import index_delete, index_upsert
from zhengwu.search.extract import MAX_BYTES, extract_text
from zhengwu.search.registry import Entry, register_source

SOURCE = "portal"


def plain(rich_text: str) -> str:
    return html.unescape(strip_tags(rich_text or "")).strip()


@dataclass
class _Place:
    site: str
    site_label: str
    column: str = ""
    column_label: str = ""


class _Tree:
    """Sites and columns of the portal by tree path, read once: each page's place is found
    from its path without a query per page."""

    def __init__(self) -> None:
        from zhengwu.portal.models import ColumnPage, HomePage, SubSitePage

        home = HomePage.objects.filter(live=True).only("title", "path").first()
        self.home_path = home.path if home else None
        self.home_title = home.title if home else ""
        self.sites = {
            p.path: (p.slug, p.title)
            for p in SubSitePage.objects.only("slug", "title", "path", "depth")
        }
        self.columns = {
            p.path: (str(p.pk), p.title) for p in ColumnPage.objects.only("title", "path", "depth")
        }

    def place(self, path: str) -> _Place:
        steplen = Page.steplen
        place = _Place(site="portal", site_label=self.home_title)
        for depth in range(len(path) // steplen, 0, -1):
            prefix = path[: depth * steplen]
            if not place.column and prefix in self.columns:
                place.column, place.column_label = self.columns[prefix]
            if prefix in self.sites:
                place.site, place.site_label = self.sites[prefix]
                break
        return place


def _page_entry(page: Any, place: _Place) -> Entry | None:
    from zhengwu.portal.models import (
        ColumnPage,
        ContentPage,
        DisclosureCataloguePage,
        HomePage,
        PolicyDocumentPage,
        SubSitePage,
    )

    url = page.get_url()
    if not url:
        return None
    parts: list[str] = []
    date = page.last_published_at
    if isinstance(page, ContentPage):
        date = page.pub_date
        if isinstance(page, PolicyDocumentPage):
            parts += [page.document_number, page.issuer.name if page.issuer_id else ""]
        parts += [page.source, plain(page.body)]
    elif isinstance(page, ColumnPage):
        parts += [page.description, page.keywords]
    elif isinstance(page, HomePage | SubSitePage):
        parts.append(plain(page.intro))
    elif isinstance(page, DisclosureCataloguePage):
        parts.append(plain(page.guide))
    parts.append(page.search_description)
    return Entry(
        key=f"page:{page.pk}",
        title=page.title,
        url=url,
        body="\n".join(p for p in parts if p),
        kind="page",
        site=place.site,
        site_label=place.site_label,
        column=place.column,
        column_label=place.column_label,
        date=date,
    )


def _document_text(document: Any) -> str:
    try:
        with document.file.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except (OSError, ValueError):
        return ""
    return extract_text(data, document.file.name)


def _attachments(page: Any) -> list[Any]:
    """Documents attached to the page (attachments of content, 表格下载 of columns)."""
    relation = getattr(page, "attachments", None) or getattr(page, "downloads", None)
    if relation is None:
        return []
    return [row.document for row in relation.select_related("document")]


def _attachment_entries(page: Any, place: _Place, date: Any) -> Iterator[Entry]:
    for document in _attachments(page):
        yield Entry(
            key=f"page:{page.pk}/doc:{document.pk}",
            title=document.title,
            url=document.url,
            body=_document_text(document),
            kind="attachment",
            site=place.site,
            site_label=place.site_label,
            column=place.column,
            column_label=place.column_label,
            date=date,
        )


def _page_entries(page: Any, tree: _Tree) -> list[Entry]:
    place = tree.place(page.path)
    entry = _page_entry(page, place)
    if entry is None:
        return []
    return [entry, *_attachment_entries(page, place, entry.date)]


def _disclosure_entry(item: Any, sites_by_org: dict[int, tuple[str, str]], home: str) -> Entry:
    site, site_label = sites_by_org.get(item.organisation_id, ("portal", home))
    parts = [item.index_number, item.document_number, item.organisation.name, item.topic,
             item.genre, item.summary]  # fmt: skip
    body = "\n".join(p for p in parts if p)
    return Entry(
        key=f"disclosure:{item.pk}",
        title=item.title,
        url=reverse("portal:disclosure_item", args=[item.pk]),
        body=body,
        kind="disclosure",
        site=site,
        site_label=site_label,
        column="disclosure",
        column_label=str(_("disclosure catalogue")),
        date=item.published_on,
    )


def _sites_by_org() -> dict[int, tuple[str, str]]:
    from zhengwu.portal.models import SubSitePage

    return {
        s.organisation_id: (s.slug, s.title)
        for s in SubSitePage.objects.live().only("slug", "title", "organisation_id")
    }


def iter_entries() -> Iterator[Entry]:
    from zhengwu.portal.models import DisclosureItem, HomePage

    home = HomePage.objects.filter(live=True).first()
    if home is None:
        return
    tree = _Tree()
    pages = Page.objects.live().public().descendant_of(home, inclusive=True).specific()
    for page in pages.iterator(chunk_size=500):
        yield from _page_entries(page, tree)
    sites = _sites_by_org()
    items = DisclosureItem.objects.select_related("organisation").order_by("pk")
    for item in items.iterator(chunk_size=500):
        yield _disclosure_entry(item, sites, home.title)


# --- keeping the index fresh -------------------------------------------------------------------


def index_pages(page_ids: Iterable[int]) -> None:
    """Re-index these pages: live and public ones (with attachments) in, others out."""
    tree = _Tree()
    for page_id in page_ids:
        index_delete(SOURCE, f"page:{page_id}", key_prefix=f"page:{page_id}/")
        page = Page.objects.live().public().filter(pk=page_id).specific().first()
        if page is not None and tree.home_path and page.path.startswith(tree.home_path):
            index_upsert(SOURCE, _page_entries(page, tree))


def index_subtree(page_id: int) -> None:
    root = Page.objects.filter(pk=page_id).first()
    if root is None:
        return
    index_pages(Page.objects.descendant_of(root, inclusive=True).values_list("pk", flat=True))


def _on_published(sender: Any, instance: Any, **kwargs: Any) -> None:
    page_id = instance.pk
    transaction.on_commit(lambda: index_pages([page_id]))


def _on_unpublished(sender: Any, instance: Any, **kwargs: Any) -> None:
    page_id = instance.pk
    transaction.on_commit(lambda: index_subtree(page_id))


def _on_page_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    page_id = instance.pk
    transaction.on_commit(
        lambda: index_delete(SOURCE, f"page:{page_id}", key_prefix=f"page:{page_id}/")
    )


def _on_moved(sender: Any, instance: Any, **kwargs: Any) -> None:
    page_id = instance.pk
    transaction.on_commit(lambda: index_subtree(page_id))


def _on_restriction(sender: Any, instance: Any, **kwargs: Any) -> None:
    page_id = instance.page_id
    transaction.on_commit(lambda: index_subtree(page_id))


def _on_disclosure_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    from zhengwu.portal.models import HomePage

    item_id = instance.pk

    def run() -> None:
        item = type(instance).objects.select_related("organisation").filter(pk=item_id).first()
        if item is not None:
            home = HomePage.objects.filter(live=True).only("title").first()
            index_upsert(
                SOURCE, _disclosure_entry(item, _sites_by_org(), home.title if home else "")
            )

    transaction.on_commit(run)


def _on_disclosure_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    key = f"disclosure:{instance.pk}"
    transaction.on_commit(lambda: index_delete(SOURCE, key))


def register() -> None:
    """Called once from PortalConfig.ready()."""
    from django.apps import apps

    from zhengwu.portal.models import DisclosureItem

    register_source(SOURCE, _("Portal"), iter_entries)
    uid = "search.portal"
    page_published.connect(_on_published, dispatch_uid=f"{uid}.published")
    page_unpublished.connect(_on_unpublished, dispatch_uid=f"{uid}.unpublished")
    post_page_move.connect(_on_moved, dispatch_uid=f"{uid}.moved")
    for model in apps.get_models():
        if issubclass(model, Page):
            label = model._meta.label_lower
            post_delete.connect(_on_page_deleted, sender=model, dispatch_uid=f"{uid}.del.{label}")
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(_on_restriction, sender=PageViewRestriction, dispatch_uid=f"{uid}.vr.{name}")
    post_save.connect(_on_disclosure_saved, sender=DisclosureItem, dispatch_uid=f"{uid}.di.save")
    post_delete.connect(_on_disclosure_deleted, sender=DisclosureItem, dispatch_uid=f"{uid}.di.del")
