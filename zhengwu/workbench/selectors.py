"""Queries behind the workbench: the menu and shortcuts a user may see, profile, notices."""

import logging
from typing import Any

from django.contrib import admin
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from zhengwu.core.registry import workbench as registry
from zhengwu.directory.models import RoleAssignment
from zhengwu.directory.selectors import account_roles
from zhengwu.workbench.models import Notice

logger = logging.getLogger(__name__)

ADMIN_MENU_ORDER = 900


def _url(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        # A module registered an entry whose URL is not routed: leave it out, loudly in the log.
        logger.error("workbench: menu or shortcut URL %r cannot be reversed", url_name)
        return None


def menu_for(request: HttpRequest) -> list[dict[str, Any]]:
    """Registered menu items the user holds the permissions for, in order, with the item that
    best matches the current path flagged ``active``; plus system administration for those the
    admin site admits. Permissions come from the per-request cache: no query per item."""
    user = request.user
    entries: list[dict[str, Any]] = []
    for item in sorted(registry.menu.values(), key=lambda i: (i.order, i.key)):
        if item.permissions and not user.has_perms(item.permissions):
            continue
        url = _url(item.url_name)
        if url is not None:
            entries.append({"key": item.key, "label": item.label, "url": url, "order": item.order})
    if admin.site.has_permission(request):
        entries.append({"key": "admin", "label": _("System administration"),
                        "url": reverse("admin:index"), "order": ADMIN_MENU_ORDER})  # fmt: skip
    path = request.path
    best = max(
        (e for e in entries if path == e["url"] or (e["url"] != "/" and path.startswith(e["url"])
                                                    and e["key"] != "workbench.home")),
        key=lambda e: len(e["url"]), default=None,
    )  # fmt: skip
    for entry in entries:
        entry["active"] = entry is best
    return entries


def shortcuts_for(user: Any) -> list[dict[str, Any]]:
    """Registered shortcuts the user's roles allow, in order."""
    tiles = []
    for item in sorted(registry.shortcuts.values(), key=lambda i: (i.order, i.key)):
        if item.permissions and not user.has_perms(item.permissions):
            continue
        url = _url(item.url_name)
        if url is not None:
            tiles.append({"key": item.key, "label": item.label, "url": url,
                          "description": item.description})  # fmt: skip
    return tiles


def home_panels_for(request: HttpRequest) -> list[dict[str, Any]]:
    """Panels registered by modules (the workflow engine's to-do list first among them)."""
    panels = []
    for key, (template, provider, order) in sorted(
        registry.home_panels.items(), key=lambda kv: (kv[1][2], kv[0])
    ):
        panels.append(
            {"key": key, "template": template, "order": order, "context": provider(request)}
        )
    return panels


def role_assignments_of(user: Any) -> list[RoleAssignment]:
    return list(account_roles(user))


def notice_latest(*, limit: int = 5) -> list[Notice]:
    return list(Notice.objects.select_related("published_by__organisation")[:limit])


def notice_page(page: Any = 1, *, per_page: int = 20) -> Page:
    notices = Notice.objects.select_related("published_by__organisation").order_by(
        "-published_at", "-pk"
    )
    return Paginator(notices, per_page).get_page(page)


def notice_get(notice_id: int) -> Notice | None:
    return Notice.objects.select_related("published_by__organisation").filter(pk=notice_id).first()
