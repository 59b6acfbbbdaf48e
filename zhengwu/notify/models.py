"""In-app messages and the delivery log of every channel (in-app, SMS, e-mail)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengwu.identifiers.masking import mask_address
from zhengwu.notify.links import is_allowed_link


class Message(models.Model):
    """One in-app message in one account's inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
        related_name="messages",
    )  # fmt: skip
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    # A path or absolute URL to the thing the message is about (a task, a case, a notice).
    link = models.CharField(_("link"), max_length=500, blank=True)
    category = models.CharField(_("category"), max_length=50, blank=True, db_index=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            # The unread badge on every workbench page: COUNT WHERE recipient AND read_at IS NULL.
            models.Index(fields=["recipient", "read_at"], name="notify_msg_recipient_read"),
            models.Index(fields=["recipient", "-created_at"], name="notify_msg_recipient_created"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def safe_link(self) -> str:
        """The link if it is still one the inbox may offer as a button ("" otherwise).

        ``notify_send`` refuses other links; this also covers rows written before that rule
        and hosts since removed from the settings.
        """
        return self.link if is_allowed_link(self.link) else ""


class Delivery(models.Model):
    """One attempt to deliver one notification over one channel, so failures stay visible.

    The full address is kept because a retry needs it; every display uses ``masked_address``.
    """

    class Channel(models.TextChoices):
        INAPP = "inapp", _("in-app message")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("e-mail")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    message = models.ForeignKey(
        Message, verbose_name=_("in-app message"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="deliveries",
    )  # fmt: skip
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    category = models.CharField(_("category"), max_length=50, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    error = models.TextField(_("error"), blank=True)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        permissions = [("retry_delivery", _("Can retry a failed delivery"))]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.masked_address or '-'}: {self.subject}"

    @property
    def masked_address(self) -> str:
        return mask_address(self.address)
