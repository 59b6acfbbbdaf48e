"""The append-only, hash-chained audit trail (等保 2.0 / GB/T 22239-2019 §8.1.4.3: audit records
kept and protected against deletion, modification and overwriting)."""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete entries, or to write one around the chain."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be changed")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be changed")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        # Rows written in bulk would skip the chain head; audit_record is the only way in.
        raise AppendOnlyError("audit entries are appended one by one through audit_record()")


class AuditEntry(models.Model):
    """One state change or sensitive read. ``entry_hash`` covers the row and ``prev_hash``."""

    seq = models.BigIntegerField(_("sequence"), unique=True, editable=False)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    # The user name at the time of the action: kept even if the account is renamed later.
    actor_repr = models.CharField(_("actor name"), max_length=150, blank=True, db_index=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True, db_index=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object identifier"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    is_read = models.BooleanField(_("sensitive read"), default=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    entry_hash = models.CharField(_("entry hash"), max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        # No add/change/delete permissions exist, so no role can ever be granted them.
        default_permissions = ("view",)
        permissions = [("export_auditentry", _("Can export the audit trail"))]
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An invariant of the table, not a business rule: rows are written once, by the chain.
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be changed")
        if not getattr(self, "_appended_by_chain", False):
            raise AppendOnlyError("audit entries are appended through audit_record()")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")


class AuditChainHead(models.Model):
    """The single row (pk=1, created by migration 0003) holding the newest seq and hash, so that
    a deleted tail is detected too. Appends lock this row (by a conditional UPDATE, or SELECT …
    FOR UPDATE), which serialises writers of the chain; a transaction appends its entries just
    before it commits, so the lock is held only that long."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        default_permissions = ()
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="audit_chain_head_single_row")
        ]

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash}"
