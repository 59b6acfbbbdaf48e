"""Official documents (公文), sending side: registers, documents, revisions, clearances.

Elements follow 党政机关公文处理工作条例 第九条 (18 elements) and GB/T 9704-2012; one field per
element. The status machine is declared here (django-fsm-2, protected field); the workflow
(``bpmn/outgoing.bpmn``) decides *when* a transition happens, ``actions.py`` performs it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from zhengwu.core.idempotency import idempotency_token_field


class DocType(models.TextChoices):
    """The 15 types of 条例 第八条, in the order of the regulation."""

    RESOLUTION = "resolution", _("resolution (决议)")
    DECISION = "decision", _("decision (决定)")
    ORDER = "order", _("order (命令)")
    COMMUNIQUE = "communique", _("communiqué (公报)")
    ANNOUNCEMENT = "announcement", _("announcement (公告)")
    PUBLIC_NOTICE = "public_notice", _("public notice (通告)")
    OPINION = "opinion", _("opinion (意见)")
    NOTICE = "notice", _("notice (通知)")
    BULLETIN = "bulletin", _("bulletin (通报)")
    REPORT = "report", _("report (报告)")
    REQUEST = "request", _("request for instructions (请示)")
    REPLY = "reply", _("reply (批复)")
    MOTION = "motion", _("motion (议案)")
    LETTER = "letter", _("letter (函)")
    MINUTES = "minutes", _("minutes (纪要)")


# 上行文: 签发人 required in the header (条例 第九条(六)).
UPWARD_TYPES = frozenset({DocType.REPORT, DocType.REQUEST, DocType.MOTION})


class SecurityLevel(models.TextChoices):
    NONE = "none", _("not classified")
    SECRET = "secret", _("secret (秘密)")
    CONFIDENTIAL = "confidential", _("confidential (机密)")
    TOP_SECRET = "top_secret", _("top secret (绝密)")


SECURITY_RANK = {"none": 0, "secret": 1, "confidential": 2, "top_secret": 3}
SECURITY_LABEL = {"secret": "秘密", "confidential": "机密", "top_secret": "绝密"}
# 保密法: 绝密 ≤ 30 years, 机密 ≤ 20, 秘密 ≤ 10.
SECURITY_MAX_YEARS = {"secret": 10, "confidential": 20, "top_secret": 30}


class Urgency(models.TextChoices):
    NONE = "none", _("normal")
    URGENT = "urgent", _("urgent (加急)")
    EXTRA_URGENT = "extra_urgent", _("extra urgent (特急)")


URGENCY_LABEL = {"urgent": "加急", "extra_urgent": "特急"}


class DocumentRegister(models.Model):
    """A 机关代字 (e.g. 云政办发) of an organisation; numbers restart each year, gapless."""

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="document_registers"
    )
    code = models.CharField(_("issuer code (机关代字)"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    issuer_mark = models.CharField(
        _("issuer mark (发文机关标志)"),
        max_length=60,
        help_text=_("e.g. 云泽市人民政府办公室文件"),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("document register")
        verbose_name_plural = _("document registers")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def number_register(self) -> str:
        return f"documents.outgoing:{self.code}"


class OfficialDocument(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("document status", "draft")
        IN_REVIEW = "in_review", pgettext_lazy("document status", "in review")
        COUNTERSIGNING = "countersigning", pgettext_lazy("document status", "countersigning")
        AWAITING_SIGNOFF = "awaiting_signoff", pgettext_lazy("document status", "awaiting sign-off")
        SIGNED_OFF = "signed_off", pgettext_lazy("document status", "signed off")
        NUMBERED = "numbered", pgettext_lazy("document status", "numbered")
        SEALED = "sealed", pgettext_lazy("document status", "sealed")
        SENT = "sent", pgettext_lazy("document status", "sent")
        ARCHIVED = "archived", pgettext_lazy("document status", "archived")
        WITHDRAWN = "withdrawn", pgettext_lazy("document status", "withdrawn")

    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        related_name="official_documents",
        verbose_name=_("drafting organisation"),
    )
    register = models.ForeignKey(
        DocumentRegister, on_delete=models.PROTECT, verbose_name=_("issuer code (机关代字)")
    )
    doc_type = models.CharField(_("type"), max_length=20, choices=DocType.choices)
    copy_number = models.CharField(_("copy number (份号)"), max_length=6, blank=True)
    security_level = models.CharField(
        _("security level"), max_length=20, choices=SecurityLevel.choices, default="none"
    )
    security_years = models.PositiveSmallIntegerField(_("secrecy period (years)"), null=True)
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices, default="none")
    issuer_mark = models.CharField(_("issuer mark (发文机关标志)"), max_length=60)
    sequence = models.PositiveIntegerField(null=True, editable=False)
    year = models.PositiveSmallIntegerField(null=True, editable=False)
    doc_number = models.CharField(
        _("document number (发文字号)"), max_length=40, blank=True, db_index=True, editable=False
    )
    signer_names = models.CharField(_("signed off by (签发人)"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=200)
    main_recipients = models.ManyToManyField(
        "directory.Organisation", related_name="+", blank=True, verbose_name=_("main recipients")
    )
    main_recipients_text = models.CharField(_("main recipients (text)"), max_length=500, blank=True)
    cc_recipients = models.ManyToManyField(
        "directory.Organisation", related_name="+", blank=True, verbose_name=_("copied to")
    )
    cc_text = models.CharField(_("copied to (text)"), max_length=500, blank=True)
    body = models.TextField(_("document body"))
    attachments = models.ManyToManyField("files.StoredFile", related_name="+", blank=True)
    attachment_names = models.TextField(_("attachment names"), blank=True)
    issuer_signature = models.CharField(_("issuing organisation (署名)"), max_length=100)
    doc_date = models.DateField(_("date of the document (成文日期)"), null=True, blank=True)
    note = models.CharField(_("note (附注)"), max_length=200, blank=True)
    printing_org = models.CharField(_("printed by (印发机关)"), max_length=100, blank=True)
    printing_date = models.DateField(_("printing date"), null=True, blank=True)
    countersign_departments = models.ManyToManyField(
        "directory.Organisation",
        related_name="+",
        blank=True,
        verbose_name=_("countersigning departments (会签)"),
    )
    search_text = models.TextField(blank=True, editable=False)  # jieba tokens, space separated
    status = FSMField(
        _("status"), default=Status.DRAFT, choices=Status.choices, protected=True, db_index=True
    )
    instance = models.ForeignKey(
        "workflow.ProcessInstance", null=True, blank=True, on_delete=models.SET_NULL
    )
    pdf = models.ForeignKey(
        "files.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dispatch_id = models.CharField(max_length=64, blank=True)
    # 答复: the received document this one answers (started from its registration sheet)
    reply_to = models.ForeignKey(
        "exchange.ReceivedDocument",
        verbose_name=_("in reply to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    idempotency_token = idempotency_token_field()

    class Meta:
        verbose_name = _("official document")
        verbose_name_plural = _("official documents")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["register", "year", "sequence"],
                name="documents_number_once",
                condition=models.Q(sequence__isnull=False),
            )
        ]
        permissions = [
            ("draft_officialdocument", "Can draft official documents"),
            ("review_officialdocument", "Can review official documents (核稿)"),
            ("countersign_officialdocument", "Can countersign official documents"),
            ("signoff_officialdocument", "Can sign off official documents (签发)"),
            ("issue_officialdocument", "Can number, seal and send official documents"),
        ]

    def __str__(self) -> str:
        return self.doc_number or self.title

    @property
    def is_upward(self) -> bool:
        return self.doc_type in UPWARD_TYPES

    @property
    def security_mark(self) -> str:
        label = SECURITY_LABEL.get(self.security_level, "")
        if label and self.security_years:
            return f"{label}★{self.security_years}年"
        return label

    @property
    def urgency_mark(self) -> str:
        return URGENCY_LABEL.get(self.urgency, "")

    # -- status machine (driven by bpmn/outgoing.bpmn through actions.py) -------------------
    @transition(field=status, source=Status.DRAFT, target=Status.IN_REVIEW)
    def submit(self) -> None:
        """拟稿 done."""

    @transition(field=status, source=Status.IN_REVIEW, target=Status.COUNTERSIGNING)
    def start_countersign(self) -> None:
        """核稿 passed, other departments must 会签."""

    @transition(
        field=status,
        source=[Status.IN_REVIEW, Status.COUNTERSIGNING],
        target=Status.AWAITING_SIGNOFF,
    )
    def await_signoff(self) -> None:
        """核稿 (and 会签) done."""

    @transition(
        field=status,
        source=[Status.IN_REVIEW, Status.COUNTERSIGNING, Status.AWAITING_SIGNOFF],
        target=Status.DRAFT,
    )
    def return_to_draft(self) -> None:
        """退回 to the drafter."""

    @transition(
        field=status,
        source=[Status.COUNTERSIGNING, Status.AWAITING_SIGNOFF],
        target=Status.IN_REVIEW,
    )
    def return_to_review(self) -> None:
        """退回 to 核稿."""

    @transition(field=status, source=Status.AWAITING_SIGNOFF, target=Status.SIGNED_OFF)
    def sign_off(self) -> None:
        """签发: after this nobody edits the body."""

    @transition(field=status, source=Status.SIGNED_OFF, target=Status.NUMBERED)
    def assign_number(self) -> None:
        """编号 (发文登记)."""

    @transition(field=status, source=Status.NUMBERED, target=Status.SEALED)
    def seal(self) -> None:
        """用印."""

    @transition(field=status, source=Status.SEALED, target=Status.SENT)
    def send(self) -> None:
        """分发."""

    @transition(field=status, source=Status.SENT, target=Status.ARCHIVED)
    def archive(self) -> None:
        """归档."""

    @transition(
        field=status,
        source=[Status.DRAFT, Status.IN_REVIEW, Status.COUNTERSIGNING, Status.AWAITING_SIGNOFF],
        target=Status.WITHDRAWN,
    )
    def withdraw(self) -> None:
        """撤销 before sign-off."""


class DocumentRevision(models.Model):
    """A full snapshot of the editable elements, written on every save (修改痕迹)."""

    document = models.ForeignKey(
        OfficialDocument, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=100, blank=True)
    step = models.CharField(max_length=50, blank=True)  # workflow step while edited
    created_at = models.DateTimeField(auto_now_add=True)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["document_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="documents_revision_once")
        ]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.number}"


class DocumentClearance(models.Model):
    """Highest security level an account may open (涉密文件知悉范围). No row = unclassified only."""

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="document_clearance"
    )
    level = models.CharField(max_length=20, choices=SecurityLevel.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("document clearance")
        verbose_name_plural = _("document clearances")

    def __str__(self) -> str:
        return f"{self.account_id}:{self.level}"


# Steps of bpmn/outgoing.bpmn (element id → label).
STEP_LABELS = {
    "draft": _("Drafting"),
    "review": _("Review of the draft"),
    "countersign": _("Countersigning"),
    "signoff": _("Sign-off"),
    "number": _("Numbering"),
    "seal": _("Sealing"),
    "dispatch": _("Dispatch"),
}
