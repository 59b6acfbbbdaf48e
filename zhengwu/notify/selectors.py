"""Queries of the notification centre. Every one is scoped to the asking account."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from zhengwu.core.errors import NotFound
from zhengwu.notify.models import Delivery, Message

PAGE_SIZE = 20


def _own(user: Any) -> QuerySet[Message]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Message.objects.none()
    return Message.objects.filter(recipient_id=user.pk)


def unread_count(user: Any) -> int:
    """How many of the account's in-app messages are unread (one indexed COUNT)."""
    return _own(user).filter(read_at__isnull=True).count()


def message_list(
    user: Any, *, unread_only: bool = False, category: str = "", page: Any = 1,
    per_page: int = PAGE_SIZE,
) -> Page:  # fmt: skip
    """The account's messages, newest first, one page at a time (a bad page number gives the
    nearest valid page)."""
    messages = _own(user)
    if unread_only:
        messages = messages.filter(read_at__isnull=True)
    if category:
        messages = messages.filter(category=category)
    return Paginator(messages.order_by("-created_at", "-pk"), per_page).get_page(page)


def message_latest(user: Any, *, limit: int = 5) -> list[Message]:
    return list(_own(user).order_by("-created_at", "-pk")[:limit])


def access_message_by_id(user: Any, message_id: int) -> Message:
    """The account's own message; anyone else's is "not found", exactly like a missing one."""
    try:
        return _own(user).get(pk=message_id)
    except Message.DoesNotExist:
        raise NotFound() from None


def delivery_list(
    *, channel: str = "", status: str = "", recipient: Any = None
) -> QuerySet[Delivery]:
    """The delivery log for operators (callers check notify.view_delivery)."""
    deliveries = Delivery.objects.all()
    if channel:
        deliveries = deliveries.filter(channel=channel)
    if status:
        deliveries = deliveries.filter(status=status)
    if recipient is not None:
        deliveries = deliveries.filter(recipient=recipient)
    return deliveries.order_by("-created_at", "-pk")
