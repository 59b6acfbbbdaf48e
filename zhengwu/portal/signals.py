"""Keeps the static export and the page cache in step with publishing (every path: editor,
workflow approval, scheduled publishing, moves, deletions) and with the directory facts the home
page shows, by calling the publishing actions from Wagtail's and Django's signals."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from zhengwu.portal import pagecache


def _published(sender: Any, instance: Any, **kwargs: Any) -> None:
    from zhengwu.portal import publish

    page_id = instance.pk
    transaction.on_commit(lambda: publish.export_page_and_neighbours(page_id))


def _unpublished(sender: Any, instance: Any, **kwargs: Any) -> None:
    from zhengwu.portal import publish

    page_id = instance.pk
    transaction.on_commit(lambda: publish.withdraw_page_and_refresh(page_id))


def _invalidate(**kwargs: Any) -> None:
    """A change public pages may show: a new page-cache generation now (this transaction's own
    reads) and again after commit (a render between the two must not outlive the change)."""
    pagecache.bump()
    transaction.on_commit(pagecache.bump)


def _model_changed(sender: Any, **kwargs: Any) -> None:
    _invalidate()


def _watched_models() -> list[type]:
    """Every page type, and the records public pages show beside pages."""
    from django.apps import apps
    from wagtail.documents import get_document_model

    from zhengwu.directory.models import Organisation, Region
    from zhengwu.portal.models import ColumnDownload, DisclosureItem

    pages = [model for model in apps.get_models() if issubclass(model, Page)]
    return [*pages, Site, PageViewRestriction, Organisation, Region, DisclosureItem,
            ColumnDownload, get_document_model()]  # fmt: skip


def connect() -> None:
    page_published.connect(_published, dispatch_uid="portal.static_export.published")
    page_unpublished.connect(_unpublished, dispatch_uid="portal.static_export.unpublished")
    for name, signal in (("published", page_published), ("unpublished", page_unpublished),
                         ("moved", post_page_move)):  # fmt: skip
        signal.connect(_invalidate, dispatch_uid=f"portal.page_cache.{name}")
    for model in _watched_models():
        label = model._meta.label_lower
        post_save.connect(_model_changed, sender=model, dispatch_uid=f"portal.pc.save.{label}")
        post_delete.connect(_model_changed, sender=model, dispatch_uid=f"portal.pc.del.{label}")
