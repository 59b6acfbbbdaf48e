"""Keeps the static export in step with publishing (every path: editor, workflow approval,
scheduled publishing), by calling the publishing actions from Wagtail's signals."""

from typing import Any

from django.db import transaction
from wagtail.signals import page_published, page_unpublished


def _published(sender: Any, instance: Any, **kwargs: Any) -> None:
    from zhengwu.portal import publish

    page_id = instance.pk
    transaction.on_commit(lambda: publish.export_page_and_neighbours(page_id))


def _unpublished(sender: Any, instance: Any, **kwargs: Any) -> None:
    from zhengwu.portal import publish

    page_id = instance.pk
    transaction.on_commit(lambda: publish.withdraw_page_and_refresh(page_id))


def connect() -> None:
    page_published.connect(_published, dispatch_uid="portal.static_export.published")
    page_unpublished.connect(_unpublished, dispatch_uid="portal.static_export.unpublished")
