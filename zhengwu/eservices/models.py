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
        ordering = ["item", "position", "pk"]
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
        ordering = ["item", "position", "pk"]
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
        ordering = ["item", "position", "pk"]
        verbose_name = _("frequently asked question")
        verbose_name_plural = _("frequently asked questions")

    def __str__(self) -> str:
        return self.question
