"""Commands of the notification centre: send over in-app / SMS / e-mail, mark read, retry.

In-app messages are rows written in the caller's transaction, so they appear exactly when the
caller's change commits. SMS and e-mail leave the building only after the commit
(``transaction.on_commit``): a rolled-back change never texts anyone. Every SMS/e-mail is a
``Delivery`` row created pending in the caller's transaction and set to sent or failed by the
dispatcher, which never raises into the caller; failed rows are retried with ``delivery_retry``.
"""

import logging
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, make_msgid
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_record
from zhengwu.core.db.rows import insert_all
from zhengwu.core.errors import Conflict, NotFound, ValidationFailed
from zhengwu.notify.links import is_allowed_link
from zhengwu.notify.models import Delivery, Message
from zhengwu.notify.providers import get_sms_provider

logger = logging.getLogger(__name__)

CHANNELS = frozenset(Delivery.Channel.values)
SUBJECT_MAX = Message._meta.get_field("subject").max_length or 200
LINK_MAX = Message._meta.get_field("link").max_length or 500
# Where a channel finds the recipient's address on the account object (directory.Account).
ADDRESS_ATTRIBUTE = {Delivery.Channel.SMS: "mobile", Delivery.Channel.EMAIL: "email"}


def _clean(
    subject: str, body: str, link: str, channels: Iterable[str]
) -> tuple[str, str, str, tuple[str, ...]]:
    subject = (subject or "").strip()
    body = (body or "").strip()
    link = (link or "").strip()
    if not subject:
        raise ValidationFailed(_("A notification needs a subject."), data={"field": "subject"})
    if len(subject) > SUBJECT_MAX:
        raise ValidationFailed(
            _("The subject may have at most %(max)d characters.") % {"max": SUBJECT_MAX},
            data={"field": "subject"},
        )
    if len(link) > LINK_MAX or not is_allowed_link(link):
        # The inbox shows the link as a trusted button: only our own paths and hosts.
        raise ValidationFailed(
            _("The link must be a path on this site or an address on one of its hosts."),
            data={"field": "link"},
        )
    chosen = tuple(dict.fromkeys(channels))
    unknown = [c for c in chosen if c not in CHANNELS]
    if not chosen or unknown:
        raise ValidationFailed(
            _("Unknown notification channel: %(channels)s.")
            % {"channels": ", ".join(unknown) or "-"},
            data={"field": "channels"},
        )
    return subject, body, link, chosen


def _unique_recipients(recipients: Iterable[Any]) -> list[Any]:
    seen: dict[Any, Any] = {}
    for account in recipients:
        if account is None or account.pk is None:
            raise ValidationFailed(_("Every recipient must be an existing account."))
        seen.setdefault(account.pk, account)
    return list(seen.values())


@transaction.atomic
def notify_send(
    *,
    recipients: Iterable[Any],
    subject: str,
    body: str,
    link: str = "",
    channels: Sequence[str] = ("inapp",),
    category: str = "",
    actor: Any = None,
) -> list[Message]:
    """Notify each recipient over each channel. Returns the in-app messages written.

    Inactive accounts are skipped (a disabled login must not keep receiving texts). A missing
    mobile number or e-mail address is recorded as a failed delivery, not silently dropped.
    """
    subject, body, link, chosen = _clean(subject, body, link, channels)
    accounts = [a for a in _unique_recipients(recipients) if getattr(a, "is_active", True)]
    if not accounts:
        return []
    now = timezone.now()
    messages: list[Message] = []
    deliveries: list[Delivery] = []
    if Delivery.Channel.INAPP in chosen:
        messages = insert_all([
            Message(recipient=a, subject=subject, body=body, link=link, category=category)
            for a in accounts
        ])  # fmt: skip
        deliveries += [
            Delivery(recipient_id=m.recipient_id, message=m, channel=Delivery.Channel.INAPP,
                     subject=subject, body=body, link=link, category=category,
                     status=Delivery.Status.SENT, provider="inapp", attempts=1, sent_at=now)
            for m in messages
        ]  # fmt: skip
    for channel in (c for c in chosen if c in ADDRESS_ATTRIBUTE):
        for account in accounts:
            address = (getattr(account, ADDRESS_ATTRIBUTE[channel], "") or "").strip()
            deliveries.append(
                Delivery(
                    recipient=account,
                    channel=channel,
                    address=address,
                    subject=subject,
                    body=body,
                    link=link,
                    category=category,
                    status=Delivery.Status.PENDING if address else Delivery.Status.FAILED,
                    error="" if address else _missing_address_error(channel),
                )
            )
    created = insert_all(deliveries)
    pending = [d.pk for d in created if d.status == Delivery.Status.PENDING]
    audit_record(
        actor=actor,
        action="notify.message.send",
        object_type="notify.message",
        object_repr=subject,
        changes={
            "recipients": len(accounts),
            "channels": list(chosen),
            "category": category,
            "failed_without_address": sum(d.status == Delivery.Status.FAILED for d in created),
        },
    )
    if pending:
        transaction.on_commit(partial(dispatch_deliveries, pending), robust=True)
    return messages


def _missing_address_error(channel: str) -> str:
    if channel == Delivery.Channel.SMS:
        return _("The account has no mobile phone number.")
    return _("The account has no e-mail address.")


def _absolute(link: str) -> str:
    """SMS and e-mail are read outside the site: a site path needs the configured base URL."""
    if not link or link.startswith(("http://", "https://")):
        return link
    base = settings.ZHENGWU_BASE_URL
    return urljoin(base, link) if base else ""


def _sms_text(delivery: Delivery) -> str:
    site = getattr(settings, "ZHENGWU_SITE", {}).get("name", "")
    # Chinese SMS gateways require the sender's signature in 【】 at the start of the text.
    parts = [f"【{site}】" if site else "", delivery.subject]
    if delivery.body:
        parts.append("：" + delivery.body)
    link = _absolute(delivery.link)
    if link:
        parts.append(" " + link)
    return "".join(parts)


def _send_one(delivery: Delivery) -> tuple[str, str]:
    """Hand one delivery to its channel; returns (provider, provider message id) or raises."""
    if delivery.channel == Delivery.Channel.SMS:
        provider = get_sms_provider()
        return provider.dotted_path(), str(provider.send(delivery.address, _sms_text(delivery)))
    if delivery.channel == Delivery.Channel.EMAIL:
        body = delivery.body
        link = _absolute(delivery.link)
        if link:
            body = f"{body}\n\n{link}" if body else link
        message_id = make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None)
        EmailMessage(
            subject=delivery.subject, body=body, to=[delivery.address],
            headers={"Message-ID": message_id},
        ).send(fail_silently=False)  # fmt: skip
        return settings.EMAIL_BACKEND, message_id
    raise ValueError(f"channel {delivery.channel!r} is not dispatched")


def dispatch_deliveries(delivery_ids: Iterable[int]) -> None:
    """Send pending deliveries and record the outcome of each. Never raises: it runs after the
    caller's commit, where an exception would reach a user whose change already succeeded."""
    for delivery in Delivery.objects.filter(
        pk__in=list(delivery_ids), status=Delivery.Status.PENDING
    ):
        try:
            provider, provider_id = _send_one(delivery)
        except Exception as exc:  # noqa: BLE001 - any provider failure becomes a visible failed row
            logger.warning("notify: %s delivery %s failed: %s", delivery.channel, delivery.pk, exc)
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.FAILED,
                error=f"{type(exc).__name__}: {exc}"[:2000],
                attempts=F("attempts") + 1,
            )
            continue
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SENT,
            error="",
            provider=provider[:200],
            provider_message_id=provider_id[:100],
            attempts=F("attempts") + 1,
            sent_at=timezone.now(),
        )


@transaction.atomic
def delivery_retry(*, actor: Any, delivery: Delivery) -> Delivery:
    """Send a failed SMS or e-mail again, to the recipient's current address (it may have been
    corrected since). Raises Conflict when the delivery is not (or no longer) failed."""
    if delivery.channel == Delivery.Channel.INAPP:
        raise Conflict(
            _("In-app messages are delivered when they are written; there is nothing to retry.")
        )
    address = delivery.address
    if delivery.recipient_id is not None:
        account = get_user_model().objects.get(pk=delivery.recipient_id)
        address = (
            getattr(account, ADDRESS_ATTRIBUTE[delivery.channel], "") or ""
        ).strip() or address
    if not address:
        raise ValidationFailed(_missing_address_error(delivery.channel))
    claimed = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING, address=address, error=""
    )
    if not claimed:
        raise Conflict(
            _("Only a failed delivery can be retried; this one is already pending or sent.")
        )
    delivery.refresh_from_db()
    audit_record(
        actor=actor,
        action="notify.delivery.retry",
        target=delivery,
        changes={"status": [Delivery.Status.FAILED, Delivery.Status.PENDING]},
    )
    transaction.on_commit(partial(dispatch_deliveries, [delivery.pk]), robust=True)
    return delivery


# Reading one's own inbox is not a sensitive read and marking it read is the reader's own
# bookkeeping: neither is audited (sends and retries are).


@transaction.atomic
def message_mark_read(*, actor: Any, message: Message) -> Message:
    """Mark one of the actor's own messages read. Someone else's message is "not found".

    Marking twice keeps the first time (a double submit changes nothing).
    """
    if actor is None or message.recipient_id != actor.pk:
        raise NotFound()
    if message.read_at is None:
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=timezone.now())
        message.refresh_from_db(fields=["read_at"])
    return message


@transaction.atomic
def message_mark_all_read(*, actor: Any) -> int:
    """Mark every unread message of the actor read; returns how many changed."""
    if actor is None or actor.pk is None:
        return 0
    return Message.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
