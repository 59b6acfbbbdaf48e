"""Electronic licences (电子证照): licence types and issued licences.

Rows are written only by ``zhengwu.licences.actions``; a licence's status changes only through
the transitions below (django-fsm, ``protected``). Standards: GB/T 36903 (core metadata),
GB/T 36904 (电子证照标识), see docs/modules/licences.md.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition


class Layout(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificate (A4 landscape, framed)")
    DECISION = "decision", _("Decision letter (A4 portrait)")


class HolderKind(models.TextChoices):
    ANY = "any", _("Person or organisation")
    PERSON = "person", _("Person (resident ID number)")
    ORGANISATION = "organisation", _("Organisation (unified social credit code)")


class LicenceType(models.Model):
    """A kind of licence (证照类型), e.g. 食品经营许可证."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # 证照类型代码 (GB/T 36904): the defining authority's 18-character credit code + 3 digits.
    type_code = models.CharField(_("licence type code"), max_length=21)
    defining_authority = models.CharField(_("defining authority"), max_length=100)
    layout = models.CharField(_("layout"), max_length=20, choices=Layout.choices)
    layout_title = models.CharField(_("title printed on the licence"), max_length=50)
    number_prefix = models.CharField(_("licence number prefix"), max_length=4, blank=True)
    # None: long-term validity (长期有效).
    default_validity_years = models.PositiveSmallIntegerField(
        _("default validity (years)"), null=True, blank=True
    )
    holder_kind = models.CharField(
        _("holder"), max_length=12, choices=HolderKind.choices, default=HolderKind.ANY
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")

    def __str__(self) -> str:
        return self.name


class HolderCodeType(models.TextChoices):
    """持证主体代码类型 (GB/T 36903, as used by the national sharing interface)."""

    RESIDENT_ID = "111", _("Resident ID number")
    CREDIT_CODE = "001", _("Unified social credit code")


class LicenceStatus(models.TextChoices):
    VALID = "valid", pgettext_lazy("licence status", "Valid")
    REVOKED = "revoked", pgettext_lazy("licence status", "Revoked")
    # Never stored: derived from valid_until (see Licence.effective_status).
    EXPIRED = "expired", pgettext_lazy("licence status", "Expired")


class Licence(FSMModelMixin, models.Model):
    """One issued electronic licence and its signed PDF."""

    S = LicenceStatus

    number = models.CharField(_("licence number"), max_length=40, unique=True)
    identifier = models.CharField(_("electronic licence identifier"), max_length=120, unique=True)
    licence_type = models.ForeignKey(
        LicenceType, verbose_name=_("licence type"), on_delete=models.PROTECT,
        related_name="licences",
    )  # fmt: skip
    holder_name = models.CharField(_("holder"), max_length=200)
    holder_id_number = models.CharField(_("holder's ID number or credit code"), max_length=18)
    holder_code_type = models.CharField(
        _("holder code type"), max_length=3, choices=HolderCodeType.choices
    )
    holder_account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("holder's account"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="licences",
    )  # fmt: skip
    issuing_organisation = models.ForeignKey(
        "directory.Organisation", verbose_name=_("issuing authority"),
        on_delete=models.PROTECT, related_name="issued_licences",
    )  # fmt: skip
    issuer_code = models.CharField(_("issuing organisation code"), max_length=18)
    issued_at = models.DateTimeField(_("time of issue"), default=timezone.now, db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    valid_from = models.DateField(_("validity starts"))
    valid_until = models.DateField(_("validity ends"), null=True, blank=True)
    # 照面信息: [{"label": ..., "value": ...}] — a list, because jsonb does not keep key order.
    fields = models.JSONField(_("licence fields"), default=list, blank=True)
    status = FSMField(
        _("status"), max_length=10, default=S.VALID, protected=True,
        choices=[(S.VALID, S.VALID.label), (S.REVOKED, S.REVOKED.label)],
    )  # fmt: skip
    revoked_at = models.DateTimeField(_("time of revocation"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)
    verify_token = models.CharField(_("verification token"), max_length=64, unique=True)
    pdf = models.ForeignKey(
        "files.StoredFile", verbose_name=_("signed PDF"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, db_index=True)
    owner_type = models.CharField(_("issued for (type)"), max_length=50, blank=True)
    owner_id = models.CharField(_("issued for (id)"), max_length=50, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("electronic licence")
        verbose_name_plural = _("electronic licences")
        permissions = [("revoke_licence", _("Can revoke electronic licences"))]
        indexes = [
            models.Index(fields=["issuing_organisation", "-issued_at"], name="licence_org_issued"),
            models.Index(fields=["owner_type", "owner_id"], name="licence_owner"),
            models.Index(fields=["holder_id_number"], name="licence_holder_id"),
        ]

    def __str__(self) -> str:
        return f"{self.licence_type.name} {self.number}"

    @transition(field=status, source=S.VALID, target=S.REVOKED)
    def revoke(self, *, by: Any, reason: str) -> None:
        self.revoked_at = timezone.now()
        self.revoked_by = by
        self.revocation_reason = reason

    def effective_status(self, today: dt.date | None = None) -> str:
        """valid / revoked / expired (expiry is derived from ``valid_until``, never stored)."""
        if self.status == self.S.REVOKED:
            return self.S.REVOKED
        today = today or timezone.localdate()
        if self.valid_until is not None and self.valid_until < today:
            return self.S.EXPIRED
        return self.S.VALID

    def get_effective_status_display(self) -> str:
        return str(LicenceStatus(self.effective_status()).label)

    @property
    def verify_url(self) -> str:
        """Path of the public verification page (the QR code holds the absolute URL)."""
        return reverse("licences:verify", args=[self.verify_token])

    @property
    def fields_dict(self) -> dict[str, str]:
        return {item["label"]: item["value"] for item in self.fields}
