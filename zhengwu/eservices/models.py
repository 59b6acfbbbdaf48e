"""The service catalogue (事项): items, their materials, fees and FAQs, and the taxonomies the
public browses by (topics 主题, life events 一件事/人生事件).

A 办事指南 (guide) is the published view of an item, not a model of its own. Rows are written only
by ``actions`` (validated, audited, version-checked); these classes hold data and invariants.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from zhengwu.core.idempotency import idempotency_token_field


class Audience(models.TextChoices):
    """服务对象: who the item (or a taxonomy entry) serves."""

    PERSON = "person", pgettext_lazy("service audience", "Individuals")
    LEGAL_ENTITY = "legal_entity", pgettext_lazy("service audience", "Legal entities")
    BOTH = "both", pgettext_lazy("service audience", "Individuals and legal entities")


class Topic(models.Model):
    """主题: a subject heading of the catalogue (e.g. 社会保障, 市场准入)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.BOTH
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("catalogue topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name


class LifeEvent(models.Model):
    """人生事件 (个人: 出生、入学…) or 企业生命周期 stage (法人: 开办、经营、变更、注销)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    audience = models.CharField(
        _("audience"),
        max_length=20,
        choices=[c for c in Audience.choices if c[0] != Audience.BOTH],
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["audience", "position", "pk"]
        verbose_name = _("life event")
        verbose_name_plural = _("life events")
        constraints = [
            models.UniqueConstraint(fields=["audience", "name"], name="eservices_lifeevent_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ItemType(models.TextChoices):
    """事项类型 of the national catalogue (cn-standards §3.2; the exact list is unconfirmed)."""

    LICENSING = "licensing", _("Administrative licensing")  # 行政许可
    CONFIRMATION = "confirmation", _("Administrative confirmation")  # 行政确认
    BENEFIT = "benefit", _("Administrative benefit")  # 行政给付
    ADJUDICATION = "adjudication", _("Administrative adjudication")  # 行政裁决
    REWARD = "reward", _("Administrative reward")  # 行政奖励
    FILING = "filing", _("Administrative filing")  # 行政备案
    OTHER_POWER = "other_power", _("Other administrative power")  # 其他行政权力
    PUBLIC_SERVICE = "public_service", _("Public service")  # 公共服务


class HandlingLevel(models.TextChoices):
    """行使层级: the level of government that exercises the item."""

    PROVINCE = "province", _("Provincial level")
    CITY = "city", _("City level")
    COUNTY = "county", _("County level")
    TOWNSHIP = "township", _("Township level")
    VILLAGE = "village", _("Village level")


class OnlineDepth(models.IntegerChoices):
    """网办深度 (commonly four levels; see docs/modules/eservices.md)."""

    GUIDE = 1, _("Level 1: guide and forms online")  # 一级: 网上公开办事指南、可下载表格
    CONSULT = 2, _("Level 2: online consultation and booking")  # 二级: 在线咨询、预约
    PREVIEW = 3, _("Level 3: online application, result by visit")  # 三级: 网上申报、预审
    FULL = 4, _("Level 4: handled entirely online")  # 四级: 全程网办、结果寄递或电子证照


class ServiceItem(models.Model):
    """事项: one service of one implementing organisation (实施清单的一项)."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("service item status", "Draft")
        UNDER_REVIEW = "under_review", pgettext_lazy("service item status", "Under review")
        PUBLISHED = "published", pgettext_lazy("service item status", "Published")
        WITHDRAWN = "withdrawn", pgettext_lazy("service item status", "Taken offline")

    # Statuses in which the department may edit the item.
    EDITABLE = (Status.DRAFT, Status.WITHDRAWN)

    name = models.CharField(_("item name"), max_length=200)
    code = models.CharField(_("implementation code"), max_length=80, unique=True)
    item_type = models.CharField(_("item type"), max_length=20, choices=ItemType.choices)
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("implementing organisation"),
        on_delete=models.PROTECT,
        related_name="service_items",
    )
    handling_level = models.CharField(
        _("handling level"),
        max_length=20,
        choices=HandlingLevel.choices,
        default=HandlingLevel.CITY,
    )
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True)
    life_events = models.ManyToManyField(LifeEvent, verbose_name=_("life events"), blank=True)
    summary = models.TextField(_("item summary"), blank=True)
    legal_basis = models.TextField(_("legal basis"))
    conditions = models.TextField(_("conditions for acceptance"))
    process_description = models.TextField(_("process"))
    # Working days (行政许可法 第八十二条). No statutory limit = the law sets none.
    statutory_limit_days = models.PositiveSmallIntegerField(
        _("statutory time limit (working days)"), null=True, blank=True
    )
    promised_limit_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"))
    service_location = models.TextField(_("where to go in person"), blank=True)
    service_hours = models.CharField(_("opening hours"), max_length=300, blank=True)
    visits_required = models.PositiveSmallIntegerField(_("visits in person"), default=0)
    contact_phone = models.CharField(_("enquiry telephone"), max_length=60, blank=True)
    complaint_phone = models.CharField(_("supervision telephone"), max_length=60, blank=True)
    online_depth = models.PositiveSmallIntegerField(
        _("online depth"), choices=OnlineDepth.choices, default=OnlineDepth.GUIDE
    )
    # The application form of the next session: a JSON Schema (object); {} = not defined yet.
    form_schema = models.JSONField(_("application form (JSON Schema)"), default=dict, blank=True)
    process_key = models.CharField(_("case process key"), max_length=100, blank=True)
    # Licence type code issued on approval (zhengwu.licences); blank = no licence.
    licence_type = models.CharField(_("licence type on approval"), max_length=40, blank=True)
    # 一件事一次办: other departments that give an opinion in parallel on every application.
    joint_organisations = models.ManyToManyField(
        "directory.Organisation",
        verbose_name=_("joint handling departments"),
        blank=True,
        related_name="joint_service_items",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # Optimistic lock: every change increments it; an update names the version it started from.
    version = models.PositiveIntegerField(_("version"), default=1)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    review_opinion = models.TextField(_("review opinion"), blank=True)
    # Denormalised text the catalogue search reads (name, summary, conditions, materials).
    search_text = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["organisation__sort_path", "name", "pk"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        permissions = [("publish_serviceitem", _("Can review and publish service items"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(statutory_limit_days__isnull=True)
                | Q(promised_limit_days__lte=models.F("statutory_limit_days")),
                name="eservices_item_promised_within_statutory",
            ),
            models.CheckConstraint(
                condition=Q(online_depth__gte=1, online_depth__lte=4),
                name="eservices_item_online_depth",
            ),
        ]
        indexes = [models.Index(fields=["status", "organisation"], name="eservices_item_org")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_immediate(self) -> bool:
        """即办件 (finished on the spot) rather than 承诺件."""
        return self.promised_limit_days == 0

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class Material(models.Model):
    """申请材料: one document the applicant hands in."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("Original")
        COPY = "copy", _("Copy")
        ORIGINAL_AND_COPY = "original_and_copy", _("Original and copy")
        ELECTRONIC = "electronic", _("Electronic")

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("material name"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    form = models.CharField(_("form of material"), max_length=20, choices=Form.choices)
    copies = models.PositiveSmallIntegerField(_("number of copies"), default=1)
    notes = models.TextField(_("notes"), blank=True)
    blank_form = models.ForeignKey(
        "files.StoredFile",
        verbose_name=_("blank form"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sample = models.ForeignKey(
        "files.StoredFile",
        verbose_name=_("filled-in sample"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["item_id", "position", "pk"]
        verbose_name = _("application material")
        verbose_name_plural = _("application materials")
        constraints = [
            models.UniqueConstraint(fields=["item", "name"], name="eservices_material_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Fee(models.Model):
    """收费项目: no rows means the item is free of charge (不收费)."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="fees")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("fee name"), max_length=200)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("charged per"), max_length=40, blank=True)
    basis = models.TextField(_("charging basis"))

    class Meta:
        ordering = ["item_id", "position", "pk"]
        verbose_name = _("fee")
        verbose_name_plural = _("fees")

    def __str__(self) -> str:
        return self.name


class Faq(models.Model):
    """常见问题: an ordered question and answer on the guide."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="faqs")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"))

    class Meta:
        ordering = ["item_id", "position", "pk"]
        verbose_name = _("frequently asked question")
        verbose_name_plural = _("frequently asked questions")

    def __str__(self) -> str:
        return self.question


# ---------------------------------------------------------------------------------------------
# Applications (办件) and their handling — issue 4, second part. Rows are written only by
# ``zhengwu.eservices.cases`` (actions); the status changes only through the transitions below.
# ---------------------------------------------------------------------------------------------

APPLICATION_OWNER_TYPE = "eservices.application"  # workflow subject type and deadline owner


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Individual")
    ENTERPRISE = "enterprise", _("Legal entity")


class ApplicationChannel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the counter")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("application status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("application status", "Submitted")
    CORRECTION_REQUESTED = (
        "correction_requested",
        pgettext_lazy("application status", "Correction requested"),
    )
    ACCEPTED = "accepted", pgettext_lazy("application status", "Accepted")
    NOT_ACCEPTED = "not_accepted", pgettext_lazy("application status", "Not accepted")
    UNDER_REVIEW = "under_review", pgettext_lazy("application status", "Under review")
    SUSPENDED = "suspended", pgettext_lazy("application status", "Suspended")
    APPROVED = "approved", pgettext_lazy("application status", "Approved")
    REFUSED = "refused", pgettext_lazy("application status", "Refused")
    CONCLUDED = "concluded", pgettext_lazy("application status", "Concluded")
    WITHDRAWN = "withdrawn", pgettext_lazy("application status", "Withdrawn")


S = ApplicationStatus
# Cases the department still has to act on (dashboards, overdue rules).
OPEN_STATUSES = (S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW, S.SUSPENDED, S.APPROVED, S.REFUSED)
# Cases whose handling has ended.
FINAL_STATUSES = (S.NOT_ACCEPTED, S.CONCLUDED, S.WITHDRAWN)


class Application(FSMModelMixin, models.Model):
    """办件: one application for one service item, from draft to conclusion.

    Deadlines: ``statutory_due``/``promised_due`` mirror the workdays deadlines labelled
    ``statutory``/``promised`` (owner ``eservices.application``); ``acceptance_due`` mirrors the
    5-working-day 受理 limit (行政许可法 第32条, label ``acceptance``).
    """

    Status = ApplicationStatus

    number = models.CharField(_("case number"), max_length=40, unique=True, null=True, blank=True)
    # HMAC-SHA256 (hex) of the query code shown once to the applicant; never the code itself.
    query_code = models.CharField(_("query code digest"), max_length=64, blank=True, editable=False)
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("service item"), on_delete=models.PROTECT, related_name="+"
    )
    handling_organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("handling organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(
        _("channel"),
        max_length=10,
        choices=ApplicationChannel.choices,
        default=ApplicationChannel.ONLINE,
    )
    applicant_kind = models.CharField(
        _("applicant kind"), max_length=12, choices=ApplicantKind.choices
    )
    applicant_name = models.CharField(_("applicant name"), max_length=200, blank=True)
    applicant_id_number = models.CharField(_("ID or credit code"), max_length=18, blank=True)
    contact_phone = models.CharField(_("contact telephone"), max_length=30, blank=True)
    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    status = FSMField(
        _("status"),
        max_length=24,
        choices=ApplicationStatus.choices,
        default=S.DRAFT,
        protected=True,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The (re)submission the current acceptance clock counts from (补正 restarts it).
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # 行政许可法 第32条: accepted by law because no decision on acceptance came within 5 days.
    deemed_accepted = models.BooleanField(_("accepted by operation of law"), default=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    # The outcome, kept after conclusion: approved / refused / not_accepted (blank while open).
    decision = models.CharField(_("decision"), max_length=20, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    legal_basis = models.TextField(_("legal basis of the decision"), blank=True)
    fee_charged = models.DecimalField(
        _("fee charged (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # 缴费票据号: the number of the receipt (财政票据) for ``fee_charged``.
    fee_receipt_number = models.CharField(_("fee receipt number"), max_length=60, blank=True)
    acceptance_due = models.DateField(_("acceptance due"), null=True, blank=True)
    statutory_due = models.DateField(_("statutory due date"), null=True, blank=True)
    promised_due = models.DateField(_("promised due date"), null=True, blank=True)
    workflow_instance = models.ForeignKey(
        "workflow.ProcessInstance",
        verbose_name=_("workflow instance"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    correction_count = models.PositiveSmallIntegerField(_("corrections requested"), default=0)
    licence_number = models.CharField(_("licence number"), max_length=60, blank=True)
    idempotency_key = idempotency_token_field()
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        permissions = [
            ("handle_application", _("Can handle applications (accept, review)")),
            ("decide_application", _("Can decide applications")),
        ]
        indexes = [
            models.Index(fields=["handling_organisation", "status"], name="eservices_app_org"),
            models.Index(fields=["item", "status"], name="eservices_app_item"),
            models.Index(fields=["submitted_at"], name="eservices_app_submitted"),
            models.Index(fields=["concluded_at"], name="eservices_app_concluded"),
            models.Index(fields=["applicant", "status"], name="eservices_app_applicant"),
        ]

    def __str__(self) -> str:
        return self.number or _("Draft application %(pk)s") % {"pk": self.pk}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    # -- transitions (only ``cases`` calls them, inside its transactions) ---------------------
    @transition(field=status, source=[S.DRAFT, S.CORRECTION_REQUESTED], target=S.SUBMITTED)
    def submit(self) -> None:
        pass

    @transition(field=status, source=S.SUBMITTED, target=S.CORRECTION_REQUESTED)
    def request_correction(self) -> None:
        pass

    @transition(field=status, source=S.SUBMITTED, target=S.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=status, source=S.SUBMITTED, target=S.NOT_ACCEPTED)
    def not_accept(self) -> None:
        pass

    @transition(field=status, source=S.ACCEPTED, target=S.UNDER_REVIEW)
    def start_review(self) -> None:
        pass

    @transition(field=status, source=[S.ACCEPTED, S.UNDER_REVIEW], target=S.SUSPENDED)
    def suspend(self) -> None:
        pass

    @transition(field=status, source=S.SUSPENDED, target=S.UNDER_REVIEW)
    def resume(self) -> None:
        pass

    @transition(field=status, source=[S.ACCEPTED, S.UNDER_REVIEW], target=S.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=[S.ACCEPTED, S.UNDER_REVIEW], target=S.REFUSED)
    def refuse(self) -> None:
        pass

    @transition(field=status, source=[S.APPROVED, S.REFUSED], target=S.CONCLUDED)
    def conclude(self) -> None:
        pass

    @transition(
        field=status,
        source=[
            S.DRAFT,
            S.SUBMITTED,
            S.CORRECTION_REQUESTED,
            S.ACCEPTED,
            S.UNDER_REVIEW,
            S.SUSPENDED,
        ],
        target=S.WITHDRAWN,
    )
    def withdraw(self) -> None:
        pass


class ApplicationMaterial(models.Model):
    """One uploaded file for one required material (several files per material allowed)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    # SET_NULL: the catalogue may be edited later; the name is kept for the record.
    material = models.ForeignKey(
        Material, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    material_name = models.CharField(_("material name"), max_length=200)
    file = models.ForeignKey(
        "files.StoredFile", verbose_name=_("file"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Uploaded in answer to the n-th correction notice (0 = with the first submission).
    correction_round = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["application_id", "material_name", "pk"]
        verbose_name = _("uploaded material")
        verbose_name_plural = _("uploaded materials")

    def __str__(self) -> str:
        return self.material_name


class CorrectionNotice(models.Model):
    """一次性告知 (补正通知): ONE notice listing every missing or wrong material.

    ``items`` = [{"material_id": int|None, "name": str, "note": str}, ...].
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="correction_notices"
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    items = models.JSONField(_("materials to correct"), default=list)
    note = models.TextField(_("note"), blank=True)
    issued_at = models.DateTimeField(_("notified at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["application_id", "round"]
        verbose_name = _("correction notice")
        verbose_name_plural = _("correction notices")
        constraints = [
            models.UniqueConstraint(fields=["application", "round"], name="eservices_corr_round")
        ]

    def __str__(self) -> str:
        return f"{self.application} #{self.round}"


class ApplicationEvent(models.Model):
    """One line of the case timeline (who, when, what; from/to status)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("by"), max_length=200, blank=True)
    # A verb such as "submit", "accept", "correction", "opinion", "licence", "rating".
    kind = models.CharField(_("event"), max_length=40)
    from_status = models.CharField(_("from status"), max_length=24, blank=True)
    to_status = models.CharField(_("to status"), max_length=24, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Shown to the applicant on the public case page (internal notes are not).
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["application_id", "at", "pk"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.application} {self.kind}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))


EVENT_LABELS = {
    "draft": _("Draft started"),
    "submit": _("Submitted"),
    "resubmit": _("Corrections handed in"),
    "correction": _("Corrections requested"),
    "accept": _("Accepted"),
    "deemed_accepted": _("Accepted by operation of law"),
    "not_accept": _("Not accepted"),
    "review": _("Reviewed"),
    "approve": _("Approved"),
    "refuse": _("Refused"),
    "licence": _("Licence issued"),
    "conclude": _("Concluded"),
    "suspend": _("Suspended"),
    "resume": _("Resumed"),
    "withdraw": _("Withdrawn"),
    "rating": _("Rated"),
    "rectification": _("Rectification response"),
    "extension_request": _("Extension requested"),
    "extension": _("Time limit extended"),
    "extension_refused": _("Extension refused"),
    "counter": _("Registered at the counter"),
    "fee": _("Fee charged"),
}


class SuspensionKind(models.TextChoices):
    """Periods 行政许可法 第45条 excludes from the time limit."""

    EXPERT_REVIEW = "expert_review", _("Expert review")  # 专家评审
    HEARING = "hearing", _("Hearing")  # 听证
    INSPECTION = "inspection", _("Inspection, testing, quarantine")  # 检验、检测、检疫
    APPRAISAL = "appraisal", _("Appraisal")  # 鉴定
    TENDER = "tender", _("Tender or auction")  # 招标、拍卖


class Suspension(models.Model):
    """A pause of the clock (workdays ``deadline_suspend``/``deadline_resume``)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="suspensions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SuspensionKind.choices)
    reason = models.TextField(_("reason"))
    started_on = models.DateField(_("suspended on"))
    ended_on = models.DateField(_("resumed on"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["application_id", "started_on", "pk"]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")

    def __str__(self) -> str:
        return f"{self.application} {self.get_kind_display()}"


class JointOpinion(models.Model):
    """一件事一次办: one participating department's opinion on a joint application."""

    class Verdict(models.TextChoices):
        AGREE = "agree", _("Agree")
        DISAGREE = "disagree", _("Disagree")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="joint_opinions"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices, blank=True)
    note = models.TextField(_("opinion"), blank=True)
    given_at = models.DateTimeField(_("given at"), null=True, blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["application_id", "organisation__sort_path"]
        verbose_name = _("joint opinion")
        verbose_name_plural = _("joint opinions")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "organisation"], name="eservices_joint_opinion_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.organisation}"


class RatingLevel(models.IntegerChoices):
    """好差评 (GB/T 39735 five levels)."""

    VERY_DISSATISFIED = 1, _("Very dissatisfied")  # 非常不满意
    DISSATISFIED = 2, _("Dissatisfied")  # 不满意
    NEUTRAL = 3, _("Neither satisfied nor dissatisfied")  # 基本满意
    SATISFIED = 4, _("Satisfied")  # 满意
    VERY_SATISFIED = 5, _("Very satisfied")  # 非常满意


class Rating(models.Model):
    """好差评: one rating per concluded case; a bad one (≤ 2) needs a rectification response."""

    Level = RatingLevel
    BAD = 2  # levels at or below this start a rectification task

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="rating")
    level = models.PositiveSmallIntegerField(_("rating"), choices=RatingLevel.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)
    rectification_task = models.ForeignKey(
        "workflow.WorkTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rectification_due = models.DateField(_("rectification due"), null=True, blank=True)
    rectification_response = models.TextField(_("rectification response"), blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("service rating")
        verbose_name_plural = _("service ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="eservices_rating_level"
            )
        ]
        indexes = [models.Index(fields=["level", "created_at"], name="eservices_rating_level_ix")]

    def __str__(self) -> str:
        return f"{self.application} {self.level}"

    @property
    def is_bad(self) -> bool:
        return self.level <= self.BAD


class CaseExtension(FSMModelMixin, models.Model):
    """延长 (行政许可法 第42条): the clerk asks for more time, the department's leader approves
    it through a workflow task (subject type ``eservices.extension``). At most one extension is
    granted per case; a refused request may be followed by a new one (DB constraint below)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("extension status", "Awaiting approval")
        APPROVED = "approved", pgettext_lazy("extension status", "Approved")
        REFUSED = "refused", pgettext_lazy("extension status", "Refused")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="extensions"
    )
    extra_working_days = models.PositiveSmallIntegerField(_("extra working days"))
    reason = models.TextField(_("reason"))
    status = FSMField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED,
        protected=True,
    )  # fmt: skip
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    old_due_date = models.DateField(_("due date before"), null=True, blank=True)
    new_due_date = models.DateField(_("due date after"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    workflow_instance = models.ForeignKey(
        "workflow.ProcessInstance", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["application_id", "requested_at", "pk"]
        verbose_name = _("time limit extension")
        verbose_name_plural = _("time limit extensions")
        constraints = [
            # one pending or granted extension per case (第42条 allows one)
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=["requested", "approved"]),
                name="eservices_extension_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} +{self.extra_working_days}"

    @transition(field=status, source=Status.REQUESTED, target=Status.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=Status.REQUESTED, target=Status.REFUSED)
    def refuse(self) -> None:
        pass


class ItemRevision(models.Model):
    """A revision draft of a published item: the department edits it beside the published
    version, which the public keeps seeing until a reviewer approves the revision (then its
    content replaces the item's, in place: same id, code and material ids). ``data`` is the
    edited content (``revisions.dump`` of an ``ItemInput`` plus the organisation)."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("item revision status", "Draft")
        UNDER_REVIEW = "under_review", pgettext_lazy("item revision status", "Under review")
        APPROVED = "approved", pgettext_lazy("item revision status", "Published")
        DISCARDED = "discarded", pgettext_lazy("item revision status", "Discarded")

    OPEN = (Status.DRAFT, Status.UNDER_REVIEW)

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="revisions")
    data = models.JSONField(_("revised content"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    base_version = models.PositiveIntegerField(_("item version it started from"))
    review_opinion = models.TextField(_("review opinion"), blank=True)
    workflow_instance = models.ForeignKey(
        "workflow.ProcessInstance", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["item_id", "-created_at", "-pk"]
        verbose_name = _("service item revision")
        verbose_name_plural = _("service item revisions")
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=["draft", "under_review"]),
                name="eservices_item_one_open_revision",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} r{self.pk}"
