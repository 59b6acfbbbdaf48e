"""Workbench chrome for every staff page: the menu and the unread-message badge."""

from functools import cache
from typing import Any

from django.http import HttpRequest

from zhengwu.notify.selectors import unread_count
from zhengwu.workbench.selectors import menu_for


def workbench(request: HttpRequest) -> dict[str, Any]:
    """``workbench_menu`` and ``unread_message_count`` for signed-in staff, nothing for others.

    Both are memoised callables: the template engine calls them only when a page uses them,
    and at most once per render (public pages rendered for staff cost nothing).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "is_staff", False):
        return {}
    return {
        "workbench_menu": cache(lambda: menu_for(request)),
        "unread_message_count": cache(lambda: unread_count(user)),
    }
