"""Exchange (交换), receiving (收文) and archive (归档) models.

Status fields are django-fsm-2 ``FSMField(protected=True)``: they change only through the
``@transition`` methods, which ``actions`` call (the rules about *who* may live there too).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from zhengwu.directory.models import Organisation
from zhengwu.files.models import StoredFile


class SecurityLevel(models.TextChoices):
    """密级 (GB/T 9704 §7.2.2); "" = not classified."""

    NONE = "", pgettext_lazy("security level", "Not classified")
    SECRET_LOW = "秘密", pgettext_lazy("security level", "Secret")
    CONFIDENTIAL = "机密", pgettext_lazy("security level", "Confidential")
    TOP_SECRET = "绝密", pgettext_lazy("security level", "Top secret")


class Urgency(models.TextChoices):
    NONE = "", pgettext_lazy("urgency", "Normal")
    URGENT = "加急", pgettext_lazy("urgency", "Urgent")
    EXTRA_URGENT = "特急", pgettext_lazy("urgency", "Extra urgent")


class Dispatch(FSMModelMixin, models.Model):
    """One sealed document sent to many units: metadata, the PDF and attachments."""

    class Status(models.TextChoices):
        SENDING = "sending", pgettext_lazy("dispatch status", "Sending")
        SENT = "sent", pgettext_lazy("dispatch status", "Sent")
        WITHDRAWN = "withdrawn", pgettext_lazy("dispatch status", "Withdrawn")

    sender_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("sender"),
        on_delete=models.PROTECT,
        related_name="exchange_dispatches",
    )
    title = models.CharField(_("title"), max_length=300)
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    doc_type = models.CharField(_("document type"), max_length=20, blank=True)
    security_level = models.CharField(
        _("security level"), max_length=10, choices=SecurityLevel.choices, blank=True
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, blank=True)
    pdf = models.ForeignKey(
        StoredFile, verbose_name=_("PDF"), on_delete=models.PROTECT, related_name="+"
    )
    attachments = models.ManyToManyField(
        StoredFile, verbose_name=_("attachments"), blank=True, related_name="+"
    )
    source_type = models.CharField(_("source type"), max_length=60, blank=True)
    source_id = models.CharField(_("source id"), max_length=64, blank=True)
    # The planned recipients [[organisation id, "main"|"cc"], ...], written before any delivery so
    # that ``dispatch_resume`` knows exactly which deliveries a crash left out.
    planned = models.JSONField(_("planned recipients"), default=list)
    status = FSMField(
        _("status"), default=Status.SENDING, choices=Status.choices, protected=True, db_index=True
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.TextField(_("withdrawal reason"), blank=True)

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["source_type", "source_id"], name="exch_dispatch_source")]
        permissions = [("track_dispatch", "Can track dispatched documents of the unit")]

    def __str__(self) -> str:
        return f"{self.doc_number} {self.title}".strip()

    @transition(field=status, source=Status.SENDING, target=Status.SENT)
    def mark_sent(self) -> None:
        self.sent_at = timezone.now()

    @transition(field=status, source=[Status.SENDING, Status.SENT], target=Status.WITHDRAWN)
    def withdraw(self, reason: str) -> None:
        self.withdrawn_at = timezone.now()
        self.withdraw_reason = reason


class Delivery(FSMModelMixin, models.Model):
    """The dispatch in one recipient unit's inbox."""

    class Kind(models.TextChoices):
        MAIN = "main", pgettext_lazy("recipient kind", "Main recipient")
        CC = "cc", pgettext_lazy("recipient kind", "Copy")

    class Status(models.TextChoices):
        DELIVERED = "delivered", pgettext_lazy("delivery status", "Awaiting sign-for")
        SIGNED = "signed", pgettext_lazy("delivery status", "Signed for")
        REFUSED = "refused", pgettext_lazy("delivery status", "Returned")
        WITHDRAWN = "withdrawn", pgettext_lazy("delivery status", "Withdrawn by sender")

    dispatch = models.ForeignKey(
        Dispatch, verbose_name=_("dispatch"), on_delete=models.CASCADE, related_name="deliveries"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("recipient unit"),
        on_delete=models.PROTECT,
        related_name="exchange_deliveries",
    )
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices, default=Kind.MAIN)
    status = FSMField(
        _("status"),
        default=Status.DELIVERED,
        choices=Status.choices,
        protected=True,
        db_index=True,
    )
    delivered_at = models.DateTimeField(_("delivered at"), default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    refuse_reason = models.TextField(_("reason for returning"), blank=True)
    reminded_count = models.PositiveIntegerField(_("reminders"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)
    first_opened_at = models.DateTimeField(_("first opened at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispatch", "organisation"], name="exch_delivery_one_per_unit"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "status"], name="exch_delivery_inbox"),
        ]
        permissions = [("handle_delivery", "Can sign for and return incoming documents")]

    def __str__(self) -> str:
        return f"{self.dispatch} → {self.organisation}"

    @transition(field=status, source=Status.DELIVERED, target=Status.SIGNED)
    def sign(self, by: object) -> None:
        self.handled_by = by  # type: ignore[assignment]
        self.handled_at = timezone.now()

    @transition(field=status, source=Status.DELIVERED, target=Status.REFUSED)
    def refuse(self, by: object, reason: str) -> None:
        self.handled_by = by  # type: ignore[assignment]
        self.handled_at = timezone.now()
        self.refuse_reason = reason

    @transition(field=status, source=Status.DELIVERED, target=Status.WITHDRAWN)
    def withdraw(self) -> None:
        self.handled_at = timezone.now()


class ReceivedDocument(FSMModelMixin, models.Model):
    """A 收文 registration (from a signed-for delivery or a scanned paper document)."""

    class Status(models.TextChoices):
        PROCESSING = "processing", pgettext_lazy("received status", "Being handled")
        CONCLUDED = "concluded", pgettext_lazy("received status", "Concluded")
        ARCHIVED = "archived", pgettext_lazy("received status", "Archived")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("receiving unit"),
        on_delete=models.PROTECT,
        related_name="exchange_received",
    )
    delivery = models.OneToOneField(
        Delivery,
        verbose_name=_("delivery"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registration",
    )
    is_paper = models.BooleanField(_("paper document"), default=False)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    receipt_number = models.CharField(_("receipt number"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    sender_name = models.CharField(_("issuing unit"), max_length=150)
    doc_type = models.CharField(_("document type"), max_length=20, blank=True)
    security_level = models.CharField(
        _("security level"), max_length=10, choices=SecurityLevel.choices, blank=True
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, blank=True)
    doc_date = models.DateField(_("document date"), null=True, blank=True)
    pdf = models.ForeignKey(
        StoredFile, verbose_name=_("document file"), on_delete=models.PROTECT, related_name="+"
    )
    attachments = models.ManyToManyField(
        StoredFile, verbose_name=_("attachments"), blank=True, related_name="+"
    )
    text = models.TextField(_("extracted text"), blank=True)
    requires_reply = models.BooleanField(_("reply required"), default=False)
    status = FSMField(
        _("status"),
        default=Status.PROCESSING,
        choices=Status.choices,
        protected=True,
        db_index=True,
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    # Opinions of the steps, copied from the workflow for the registration sheet (收文处理单).
    proposal = models.TextField(_("office proposal"), blank=True)
    instruction = models.TextField(_("leader's instruction"), blank=True)
    reply = models.TextField(_("reply"), blank=True)
    process_instance_id = models.PositiveIntegerField(_("process"), null=True, blank=True)

    class Meta:
        verbose_name = _("received document")
        verbose_name_plural = _("received documents")
        ordering = ["-registered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "sequence"], name="exch_received_number"
            )
        ]
        permissions = [("register_received", "Can register and handle received documents")]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.title}"

    @transition(field=status, source=Status.PROCESSING, target=Status.CONCLUDED)
    def conclude(self) -> None:
        self.concluded_at = timezone.now()

    @transition(field=status, source=Status.CONCLUDED, target=Status.ARCHIVED)
    def mark_archived(self) -> None:
        pass


class Circulation(models.Model):
    """传阅: one reader of a received document, and when they marked it read."""

    document = models.ForeignKey(
        ReceivedDocument,
        verbose_name=_("received document"),
        on_delete=models.CASCADE,
        related_name="circulations",
    )
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reader"), on_delete=models.PROTECT
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("circulation")
        verbose_name_plural = _("circulations")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "reader"], name="exch_circulation_once")
        ]

    def __str__(self) -> str:
        return f"{self.document_id}:{self.reader_id}"


class ArchiveFonds(models.Model):
    """全宗: the archive fonds code of an organisation (DA/T 22: 4 characters, e.g. Z012)."""

    organisation = models.OneToOneField(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT
    )
    code = models.CharField(_("fonds code"), max_length=4, unique=True)

    class Meta:
        verbose_name = _("fonds")
        verbose_name_plural = _("fonds")

    def __str__(self) -> str:
        return f"{self.code} {self.organisation}"


class Retention(models.TextChoices):
    """保管期限 with the DA/T 22 codes."""

    PERMANENT = "Y", pgettext_lazy("retention", "Permanent")
    YEARS_30 = "D30", pgettext_lazy("retention", "30 years")
    YEARS_10 = "D10", pgettext_lazy("retention", "10 years")


class ArchiveItem(models.Model):
    """One 归档文件 (件) with its 档号 per DA/T 22-2015."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="exchange_archive_items",
    )
    fonds_code = models.CharField(_("fonds code"), max_length=4)
    year = models.PositiveSmallIntegerField(_("archive year"))
    retention = models.CharField(_("retention"), max_length=3, choices=Retention.choices)
    unit_code = models.CharField(_("organisation code"), max_length=20)
    piece = models.PositiveIntegerField(_("item number"))
    archive_code = models.CharField(_("archive code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=300)
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    responsible = models.CharField(_("responsible party"), max_length=150, blank=True)
    doc_date = models.DateField(_("date"))
    security_level = models.CharField(
        _("security level"), max_length=10, choices=SecurityLevel.choices, blank=True
    )
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    source_type = models.CharField(_("source type"), max_length=60, blank=True)
    source_id = models.CharField(_("source id"), max_length=64, blank=True)
    # The signed original, untouched (its signature must stay valid), and a PDF/A rendition when
    # one could be made without breaking it (see docs/modules/exchange.md, "PDF/A").
    pdf = models.ForeignKey(
        StoredFile, verbose_name=_("original PDF"), on_delete=models.PROTECT, related_name="+"
    )
    pdfa = models.ForeignKey(
        StoredFile,
        verbose_name=_("PDF/A copy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archived by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    archived_at = models.DateTimeField(_("archived at"), default=timezone.now)

    class Meta:
        verbose_name = _("archive item")
        verbose_name_plural = _("archive items")
        ordering = ["-year", "fonds_code", "retention", "unit_code", "piece"]
        constraints = [
            models.UniqueConstraint(
                fields=["fonds_code", "year", "retention", "piece"], name="exch_archive_piece"
            ),
            models.UniqueConstraint(
                fields=["source_type", "source_id"],
                condition=~Q(source_type=""),
                name="exch_archive_source_once",
            ),
        ]
        permissions = [("manage_archive", "Can archive documents and export the catalogue")]

    def __str__(self) -> str:
        return f"{self.archive_code} {self.title}"
