"""Certificates, trust anchors, seals and the signing log.

Rows change only through ``zhengwu.signing.actions`` (audited); nothing here has behaviour.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TrustAnchor(models.Model):
    """A root certificate that verification trusts (the built-in root, or a real CA's root)."""

    class Source(models.TextChoices):
        BUILT_IN = "built_in", _("built-in CA")
        IMPORTED = "imported", _("imported")

    name = models.CharField(_("name"), max_length=200)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    # Only the built-in root keeps its private key (encrypted like unit keys); imported roots never.
    encrypted_key = models.BinaryField(null=True, blank=True, editable=False)
    key_encryption_id = models.CharField(max_length=16, blank=True, editable=False)
    is_active = models.BooleanField(_("trusted"), default=True)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("trust anchor")
        verbose_name_plural = _("trust anchors")
        constraints = [
            # One built-in CA per installation.
            models.UniqueConstraint(
                fields=["source"], condition=models.Q(source="built_in"),
                name="signing_one_built_in_root",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    """A unit's (organisation's) signing certificate with its private key, encrypted at rest."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("certificate status", "active")
        REVOKED = "revoked", _("revoked")

    class Source(models.TextChoices):
        BUILT_IN = "built_in", _("built-in CA")
        IMPORTED = "imported", _("imported (PKCS#12)")

    organisation = models.ForeignKey(
        "directory.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT,
        related_name="signing_certificates",
    )  # fmt: skip
    subject = models.CharField(pgettext_lazy("certificate", "subject"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=500)
    serial = models.CharField(_("serial number"), max_length=64)  # hex
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    # Intermediate certificates of an imported chain (PEM bundle), embedded in every signature.
    chain_pem = models.TextField(_("CA chain (PEM)"), blank=True)
    encrypted_key = models.BinaryField(editable=False)
    key_encryption_id = models.CharField(max_length=16, editable=False)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # From when signatures are no longer accepted (RFC 5280 invalidityDate): the revocation time,
    # or earlier when the key was compromised before anyone noticed.
    invalid_since = models.DateTimeField(_("invalid since"), null=True, blank=True)
    revocation_reason = models.CharField(_("revocation reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")
        permissions = [("revoke_certificate", "Can revoke signing certificates")]
        indexes = [models.Index(fields=["organisation", "status"], name="signing_cert_org_status")]

    def __str__(self) -> str:
        return f"{self.subject} ({self.serial[:16]})"


class Seal(models.Model):
    """The image a unit stamps on its documents (电子印章的印模). One current image per unit."""

    class Source(models.TextChoices):
        GENERATED = "generated", _("generated")
        UPLOADED = "uploaded", _("uploaded")

    organisation = models.OneToOneField(
        "directory.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT,
        related_name="signing_seal",
    )  # fmt: skip
    image = models.ForeignKey(
        "files.StoredFile", verbose_name=_("seal image"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField(_("seal text"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("seal")
        verbose_name_plural = _("seals")

    def __str__(self) -> str:
        return self.text or str(self.organisation_id)


class SigningRecord(models.Model):
    """One signature the platform made: the trusted time of signing for verification.

    A B-B signature's signing time is the signer's claim; for documents this platform signed,
    verification looks the signed revision's SHA-256 up here and uses the recorded time instead
    (it decides whether a later revocation affects the signature).
    """

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("certificate"), on_delete=models.PROTECT, related_name="+"
    )
    signed_sha256 = models.CharField(_("SHA-256 of the signed PDF"), max_length=64, db_index=True)
    source_sha256 = models.CharField(_("SHA-256 of the PDF before signing"), max_length=64)
    reason = models.CharField(_("reason"), max_length=200)
    signed_at = models.DateTimeField(_("signed at"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["-signed_at"]
        verbose_name = _("signing record")
        verbose_name_plural = _("signing records")

    def __str__(self) -> str:
        return self.signed_sha256
