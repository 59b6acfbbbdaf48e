"""System notices (通知公告) that administrators publish to all staff on the workbench."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengwu.core.idempotency import idempotency_token_field


class Notice(models.Model):
    """A notice visible to every staff member, including those who join after it was published.

    Publishing also drops an in-app message (category "notice") into each current staff inbox
    so that the unread badge announces it.
    """

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    published_at = models.DateTimeField(_("published"), db_index=True)
    # The publishing form's token: a double submit returns this notice (core.idempotency).
    idempotency_token = idempotency_token_field()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.title
