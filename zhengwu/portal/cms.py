"""Wagtail's admin mounted inside the workbench, under the platform's access policies.

Wagtail's admin URLs carry no URL namespace of their own, so instead of delegating them wholesale
(zhengwu.core.access.DELEGATED_NAMESPACES) every admin view is wrapped with
``staff_required("wagtailadmin.access_admin")``: the access middleware refuses anonymous users
(to the platform's login, with lockout and TOTP), citizens and staff without CMS access before
Wagtail runs, and Wagtail's own ``require_admin_access`` and page permissions then apply as usual.
"""

from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from django.http import HttpRequest, HttpResponse
from wagtail.admin import urls as wagtailadmin_urls

from zhengwu.core.access import forbidden, policy_of, staff_required
from zhengwu.portal.apps import CMS_PERMISSION


def declared(patterns: list[Any], decorator: Callable[[Any], Any]) -> list[Any]:
    """Give every view in ``patterns`` (recursively) the access policy of ``decorator``.

    Each callback is replaced by a thin wrapper carrying the policy, so Wagtail's own view
    functions are not modified."""
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            declared(pattern.url_patterns, decorator)
        callback = getattr(pattern, "callback", None)
        if callback is not None and policy_of(callback) is None:

            def wrapper(*args: Any, _view: Any = callback, **kwargs: Any) -> Any:
                return _view(*args, **kwargs)

            update_wrapper(wrapper, callback)
            pattern.callback = decorator(wrapper)
    return patterns


# Accounts and groups are maintained in system administration only, through the directory's
# scoped and audited actions; Wagtail's own user and group screens would bypass those rules.
CLOSED_PREFIXES = ("users/", "groups/")


@staff_required(CMS_PERMISSION)
def managed_elsewhere(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return forbidden(request)


def close_account_screens(patterns: list[Any], prefix: str = "") -> None:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            close_account_screens(pattern.url_patterns, route)
        elif route.startswith(CLOSED_PREFIXES):
            pattern.callback = managed_elsewhere


def admin_urlpatterns() -> list[Any]:
    patterns = wagtailadmin_urls.urlpatterns
    close_account_screens(patterns)
    return declared(patterns, staff_required(CMS_PERMISSION))
