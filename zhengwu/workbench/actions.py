"""Commands of the workbench: publishing system notices to all staff."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_record
from zhengwu.core.errors import PermissionDenied, ValidationFailed
from zhengwu.core.idempotency import clean_token, create_once, once
from zhengwu.notify.actions import notify_send
from zhengwu.workbench.models import Notice

TITLE_MAX = Notice._meta.get_field("title").max_length or 200
BODY_MAX = 20000


@transaction.atomic
def notice_publish(
    *, actor: Any, title: str, body: str, idempotency_token: str | None = None
) -> Notice:
    """Publish a notice to all staff and put it in every active staff member's inbox.

    ``idempotency_token`` comes from the form (core.idempotency): submitting the same form twice
    returns the first notice and sends nothing again.
    """
    if not actor.has_perm("workbench.add_notice"):
        raise PermissionDenied()
    token = clean_token(idempotency_token)
    if (existing := once(Notice, token)) is not None:
        return existing
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise ValidationFailed(_("A notice needs a title."), data={"field": "title"})
    if len(title) > TITLE_MAX:
        raise ValidationFailed(
            _("The title may have at most %(max)d characters.") % {"max": TITLE_MAX},
            data={"field": "title"},
        )
    if not body:
        raise ValidationFailed(_("A notice needs some text."), data={"field": "body"})
    if len(body) > BODY_MAX:
        raise ValidationFailed(
            _("The text may have at most %(max)d characters.") % {"max": BODY_MAX},
            data={"field": "body"},
        )
    notice, created = create_once(
        Notice, token, title=title, body=body, published_by=actor, published_at=timezone.now()
    )
    if not created:
        return notice  # the same form, submitted concurrently, won the race
    audit_record(actor=actor, action="workbench.notice.publish", target=notice,
                 changes={"title": [None, title]})  # fmt: skip
    staff = get_user_model().objects.filter(kind="staff", is_active=True).exclude(pk=actor.pk)
    notify_send(
        recipients=staff.only("pk", "is_active").iterator(chunk_size=2000),
        subject=(_("Notice: %(title)s") % {"title": title})[:TITLE_MAX],
        body=body,
        link=reverse("workbench:notice_detail", args=[notice.pk]),
        channels=("inapp",),
        category="notice",
        actor=actor,
    )
    return notice
