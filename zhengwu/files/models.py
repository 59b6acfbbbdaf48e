import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengwu.files import types


def storage_path(instance: "StoredFile", filename: str) -> str:
    """``files/YYYY/MM/DD/<uuid>.<ext>``: the date spreads directories, the uuid is unguessable,
    and the extension comes from the sniffed type. ``filename`` (the client's name) is ignored."""
    day = timezone.localtime(instance.uploaded_at)
    return f"files/{day:%Y/%m/%d}/{instance.uuid.hex}.{types.extension_for(instance.content_type)}"


class StoredFile(models.Model):
    """One uploaded file. Created only by ``actions.file_store``; read through ``selectors``."""

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(_("file"), upload_to=storage_path, max_length=255)
    original_name = models.CharField(_("original name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=50, db_index=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="stored_file_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def download_name(self) -> str:
        """The original name, with the right extension added when it names another type."""
        if types.matches_extension(self.original_name, self.content_type):
            return self.original_name
        return f"{self.original_name}.{types.extension_for(self.content_type)}"

    @property
    def type_label(self) -> Any:
        known = types.KNOWN_TYPES.get(self.content_type)
        return known.label if known else self.content_type
