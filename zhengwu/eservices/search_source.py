"""Published service items as a source of the site search (zhengwu.search).

Every status change of an item goes through ``ServiceItem.save`` in the actions, so a
``post_save`` receiver (after commit) puts a published item in the index and takes any other
out; ``search_reindex --source eservices`` rebuilds it (e.g. after a bulk import)."""

from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengwu.search.actions import index_delete, index_upsert
from zhengwu.search.registry import Entry, register_source

SOURCE = "eservices"


def _entry(item: Any) -> Entry:
    parts = [item.summary, item.organisation.name, item.conditions, item.process_description,
             item.service_location, item.search_text]  # fmt: skip
    return Entry(
        key=f"item:{item.pk}",
        title=item.name,
        url=reverse("eservices:guide", args=[item.code]),
        body="\n".join(p for p in parts if p),
        kind="service",
        site="eservices",
        site_label=gettext("Online services"),
        column=item.item_type,
        column_label=str(item.get_item_type_display()),
        date=item.published_at,
    )


def _published() -> Any:
    from zhengwu.eservices.models import ServiceItem

    return ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).select_related(
        "organisation"
    )


def iter_entries() -> Iterator[Entry]:
    for item in _published().order_by("pk").iterator(chunk_size=500):
        yield _entry(item)


def index_item(item_id: int) -> None:
    item = _published().filter(pk=item_id).first()
    if item is None:
        index_delete(SOURCE, f"item:{item_id}")
    else:
        index_upsert(SOURCE, _entry(item))


def _on_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    item_id = instance.pk
    transaction.on_commit(lambda: index_item(item_id))


def _on_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    key = f"item:{instance.pk}"
    transaction.on_commit(lambda: index_delete(SOURCE, key))


def register() -> None:
    """Called once from EservicesConfig.ready()."""
    from zhengwu.eservices.models import ServiceItem

    register_source(SOURCE, _("Online services"), iter_entries)
    post_save.connect(_on_saved, sender=ServiceItem, dispatch_uid="search.eservices.save")
    post_delete.connect(_on_deleted, sender=ServiceItem, dispatch_uid="search.eservices.delete")
