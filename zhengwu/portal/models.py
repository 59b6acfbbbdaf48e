"""The portal's content model (Wagtail pages) and its non-page records.

Page tree (one Wagtail Site, sub-sites as subtrees; docs/modules/portal.md "Site cluster"):

    HomePage (云泽市人民政府, "/")
    ├── ColumnPage (要闻, 通知公告, 政策文件, 政策解读, 表格下载, …)
    │   └── ArticlePage / PolicyDocumentPage / InterpretationPage / ColumnPage
    ├── DisclosureCataloguePage (政务公开 主动公开目录, lists DisclosureItem rows)
    └── SubSitePage (a department's or county's 二级网站, "/<code>/")
        └── ColumnPage …

Column-level and article-level meta tags follow the 政府网站网页设计规范 (attachment of the
政府网站发展指引, 国办发〔2017〕47号; shared/research/cn-standards.md §5.2).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.documents import get_document_model_string
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from zhengwu.portal.forms import DisclosureItemForm, PortalPageForm, SensitiveWordForm

# --- Fixed vocabularies ------------------------------------------------------------------------
# The values are the standard's own tokens (they go into <meta name="ColumnType">, the catalogue's
# 主题分类/体裁分类 columns and exports), so they are data, not translatable UI text.

COLUMN_TYPES = [
    "首页", "概况信息", "机构职能", "负责人信息", "工作动态", "通知公告", "政策文件",
    "信息公开指南", "信息公开目录", "信息公开年报", "依法申请公开", "数据发布", "数据开放",
    "政策解读", "回应关切", "办事服务", "表格下载", "咨询投诉", "征集调查", "在线访谈", "专题专栏",
]  # fmt: skip
# Promised update periods (政府网站与政务新媒体检查指标, 国办函〔2019〕19号): dynamic columns
# 2 weeks, notices and policy documents 6 months, plans and personnel 1 year.
DEFAULT_UPDATE_DAYS = {"工作动态": 14, "通知公告": 180, "政策文件": 180, "政策解读": 180,
                       "回应关切": 30, "信息公开年报": 365}  # fmt: skip

# 主题分类 of the 国务院公文主题词表 as used by 政府信息公开目录 systems.
DISCLOSURE_TOPICS = [
    "综合政务", "国民经济管理、国有资产监管", "财政、金融、审计", "国土资源、能源",
    "农业、林业、水利",
    "工业、交通", "商贸、海关、旅游", "市场监管、安全生产监管", "城乡建设、环境保护", "科技、教育",
    "文化、广电、新闻出版", "卫生、体育", "人口与计划生育、妇女儿童工作",
    "劳动、人事、监察", "公安、安全、司法", "民政、扶贫、救灾", "民族、宗教", "对外事务",
    "港澳台侨工作", "国防", "其他",
]  # fmt: skip
# 体裁分类: the 15 公文 types of the 党政机关公文处理工作条例 plus the catalogue's usual extras.
DISCLOSURE_GENRES = [
    "决议", "决定", "命令（令）", "公报", "公告", "通告", "意见", "通知", "通报", "报告", "请示",
    "批复", "议案", "函", "纪要", "规划", "计划", "方案", "办法", "规定", "其他",
]  # fmt: skip

SITE_CODE_VALIDATOR = RegexValidator(
    r"^(\d{10}|bm\d{8})$",
    _("A website identifier is 10 digits, or bm followed by 8 digits."),
)


class Validity(models.TextChoices):
    VALID = "valid", _("In force")
    REPEALED = "repealed", _("Repealed")


def _choices(values: list[str]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


# --- Page base ---------------------------------------------------------------------------------


class PortalPage(Page):
    """What every portal page shares: meta-tag context, the sub-site it belongs to, fast routing."""

    base_form_class = PortalPageForm
    # Not creatable by itself; concrete page types below.
    is_creatable = False

    class Meta:
        abstract = True

    # Relations the page's template reads, fetched with the page when it is served
    # (zhengwu.portal.views._route).
    serve_select_related: tuple[str, ...] = ()

    def _memo(self, name: str, compute: Any) -> Any:
        """What a page's frame needs from the tree (ancestors, navigation, column, sub-site,
        view restrictions) is remembered per process for the current page-cache generation: any
        page, site or restriction change starts a new one (zhengwu.portal.pagecache). Pages not
        saved yet (previews of new pages) are not remembered."""
        from zhengwu.portal import pagecache

        if self.pk is None or not pagecache.enabled():
            return compute()
        store = pagecache.local_store()
        key = ("page", self.pk, name)
        if key not in store:
            store[key] = compute()
        return store[key]

    @cached_property
    def portal_ancestors(self) -> list[Page]:
        """Ancestors below the tree root, root-most first (one query; plain pages carrying what
        breadcrumbs and links need). The home page has none, and costs no query."""
        if self.depth <= 2:
            return []
        return self._memo("ancestors", lambda: list(
            Page.objects.ancestor_of(self).filter(depth__gt=1)
            .only("title", "url_path", "path", "depth", "content_type_id")
        ))  # fmt: skip

    def get_view_restrictions(self) -> Any:
        """Wagtail's check, in one query instead of two: restrictions on this page or any
        ancestor, found by the materialised-path prefixes (the portal does not use aliases;
        an alias still resolves to its source page)."""
        from wagtail.models import PageViewRestriction

        prefixes = [self.path[: Page.steplen * n] for n in range(1, self.depth + 1)]
        query = models.Q(page__path__in=prefixes)
        if self.alias_of_id:
            query |= models.Q(page_id=self.alias_of_id)
        restrictions = PageViewRestriction.objects.filter(query)
        # Serving iterates it: filled from the per-generation memo. Anything that refines it
        # (the admin's privacy views order it) clones it and queries afresh.
        restrictions._result_cache = self._memo(  # type: ignore[attr-defined]
            "restrictions", lambda: list(PageViewRestriction.objects.filter(query))
        )
        restrictions._prefetch_done = True  # type: ignore[attr-defined]
        return restrictions

    @cached_property
    def subsite(self) -> SubSitePage | None:
        if isinstance(self, SubSitePage):
            return self
        content_type = ContentType.objects.get_for_model(SubSitePage)  # cached by Django
        for page in reversed(self.portal_ancestors):
            if page.content_type_id == content_type.pk:
                return self._memo("subsite", lambda pk=page.pk: (
                    SubSitePage.objects.select_related("organisation").get(pk=pk)
                ))  # fmt: skip
        return None

    @cached_property
    def home(self) -> Page | None:
        return self.portal_ancestors[0] if self.portal_ancestors else self

    def column_meta(self) -> dict[str, Any]:
        return {"name": self.title, "type": "", "description": self.search_description,
                "keywords": ""}  # fmt: skip

    def site_identity_for(self) -> dict[str, Any]:
        identity = dict(settings.ZHENGWU_SITE)
        subsite = self.subsite
        if subsite is not None:
            identity["name"] = subsite.title
            identity["site_code"] = subsite.site_code or identity["site_code"]
            if subsite.organisation_id:
                identity["operator"] = subsite.organisation.name
        return identity

    @cached_property
    def nav_children(self) -> list[Page]:
        """Live children of the navigation root (sub-site or portal home), with what links and
        type checks need: the navigation, the home page's column blocks and sub-site list all come
        from this one query."""
        root = self.subsite or self.home or self
        return self._memo("nav", lambda: list(
            Page.objects.live().filter(path__startswith=root.path, depth=root.depth + 1)
            .only("title", "url_path", "depth", "path", "content_type_id", "show_in_menus")
            .order_by("path")
        ))  # fmt: skip

    def navigation(self) -> list[Page]:
        """The top navigation: the columns of the sub-site if inside one, else of the portal."""
        return [page for page in self.nav_children if page.show_in_menus]

    def last_updated(self) -> dt.datetime | None:
        return self.last_published_at

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context.update(
            column=self.column_meta(),
            site_identity=self.site_identity_for(),
            breadcrumbs=self.portal_ancestors,
            portal_nav=self.navigation(),
            nav_root=self.subsite or self.home,
            site_home_pk=self.home.pk if self.home else None,
            last_updated=self.last_updated(),
        )
        return context


# --- Home and sub-sites ------------------------------------------------------------------------


class HomePage(PortalPage):
    """The portal home of 云泽市人民政府 at "/"; 走进云泽 and 机构设置 come from the directory."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    is_creatable = True
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["portal.ColumnPage", "portal.SubSitePage", "portal.DisclosureCataloguePage"]
    max_count = 1
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    template = "portal/home_page.html"

    class Meta:
        verbose_name = _("portal home page")
        verbose_name_plural = _("portal home pages")

    def column_meta(self) -> dict[str, Any]:
        from django.utils.translation import gettext

        return {"name": gettext("Home"), "type": "首页",
                "description": gettext("The official portal of the city government."),
                "keywords": gettext("government, public services, organisations")}  # fmt: skip

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from zhengwu.portal import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.home_context(self, children=self.nav_children))
        return context

    def last_updated(self) -> dt.datetime | None:
        from zhengwu.portal import selectors

        return selectors.home_last_updated(self)


class SubSitePage(PortalPage):
    """A department's or county's 二级网站: its own columns and editors, the portal's look."""

    organisation = models.ForeignKey(
        "directory.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT,
        related_name="portal_subsites",
    )  # fmt: skip
    site_code = models.CharField(
        _("website identifier"), max_length=10, blank=True, validators=[SITE_CODE_VALIDATOR],
        help_text=_("The sub-site's own 10-character identifier; empty uses the portal's."),
    )  # fmt: skip
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    is_creatable = True
    parent_page_types = ["portal.HomePage"]
    subpage_types = ["portal.ColumnPage", "portal.DisclosureCataloguePage"]
    content_panels = [
        *Page.content_panels, FieldPanel("organisation"), FieldPanel("site_code"),
        FieldPanel("intro"),
    ]  # fmt: skip
    template = "portal/subsite_page.html"
    serve_select_related = ("organisation",)

    class Meta:
        verbose_name = _("sub-site")
        verbose_name_plural = _("sub-sites")

    def column_meta(self) -> dict[str, Any]:
        return {"name": self.title, "type": "首页", "description": self.search_description,
                "keywords": self.title}  # fmt: skip

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from zhengwu.portal import selectors

        context = super().get_context(request, *args, **kwargs)
        context["column_blocks"] = selectors.column_blocks(
            self, per_column=6, children=self.nav_children
        )
        return context


# --- Columns -----------------------------------------------------------------------------------


class ColumnPage(PortalPage):
    """A column (栏目) with its 政府网站 column type and the update period it promises."""

    column_type = models.CharField(
        _("column type"), max_length=20, choices=_choices(COLUMN_TYPES), default="工作动态"
    )
    update_period_days = models.PositiveIntegerField(
        _("promised update period (days)"), default=14, validators=[MinValueValidator(1)],
        help_text=_("The column is reported as stale when nothing new is published within it."),
    )  # fmt: skip
    description = models.CharField(_("description"), max_length=255, blank=True)
    keywords = models.CharField(_("keywords"), max_length=255, blank=True)
    is_creatable = True
    parent_page_types = ["portal.HomePage", "portal.SubSitePage", "portal.ColumnPage"]
    subpage_types = [
        "portal.ColumnPage", "portal.ArticlePage", "portal.PolicyDocumentPage",
        "portal.InterpretationPage",
    ]  # fmt: skip
    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("column_type"), FieldPanel("update_period_days"),
                         FieldPanel("description"), FieldPanel("keywords")],
                        heading=_("Column")),
        InlinePanel("downloads", label=_("Forms for download")),
    ]  # fmt: skip
    template = "portal/column_page.html"

    class Meta:
        verbose_name = _("column")
        verbose_name_plural = _("columns")

    def column_meta(self) -> dict[str, Any]:
        return {"name": self.title, "type": self.column_type,
                "description": self.description or self.search_description,
                "keywords": self.keywords}  # fmt: skip

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from zhengwu.portal import selectors

        context = super().get_context(request, *args, **kwargs)
        context["entries"] = selectors.column_entries(self, request.GET.get("page"))
        context["subcolumns"] = list(
            self.get_children().live().type(ColumnPage).only("title", "url_path", "path", "depth")
        )
        context["downloads"] = list(self.downloads.select_related("document"))
        return context


class ColumnDownload(Orderable):
    """A form offered for download in a column (表格下载)."""

    column = ParentalKey(ColumnPage, related_name="downloads", on_delete=models.CASCADE)
    document = models.ForeignKey(
        get_document_model_string(), verbose_name=_("document"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    note = models.CharField(_("note"), max_length=200, blank=True)
    panels = [FieldPanel("document"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = _("form for download")
        verbose_name_plural = _("forms for download")


# --- Articles ----------------------------------------------------------------------------------

BODY_FEATURES = ["h2", "h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link", "hr"]


class ContentPage(PortalPage):
    """Shared fields of dated content in a column (政府网站检查指标: every item carries its date).

    Concrete (multi-table) so a column lists its articles, policy documents and interpretations
    by date in one query whatever their types."""

    pub_date = models.DateTimeField(_("publication date"), default=timezone.now, db_index=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    author = models.CharField(_("author"), max_length=100, blank=True)
    body = RichTextField(_("body"), blank=True, features=BODY_FEATURES)
    is_creatable = False
    parent_page_types = ["portal.ColumnPage"]
    subpage_types: list[str] = []

    search_fields = [
        *Page.search_fields, index.SearchField("body"), index.FilterField("pub_date"),
    ]  # fmt: skip

    class Meta:
        verbose_name = _("dated content")
        verbose_name_plural = _("dated content")

    @cached_property
    def column(self) -> ColumnPage | None:
        parents = self.portal_ancestors
        if not parents:
            return None
        return self._memo("column", lambda: ColumnPage.objects.filter(pk=parents[-1].pk).first())

    def column_meta(self) -> dict[str, Any]:
        column = self.column
        if column is not None:
            return column.column_meta()
        return super().column_meta()

    def last_updated(self) -> dt.datetime | None:
        return max(filter(None, [self.pub_date, self.last_published_at]), default=None)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["attachments"] = list(
            self.attachments.select_related("document")  # type: ignore[attr-defined]
        )
        return context


class ArticlePage(ContentPage):
    """要闻, 通知公告, 部门动态 and the like."""

    is_creatable = True
    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("pub_date"), FieldPanel("source"), FieldPanel("author")],
                        heading=_("Publication")),
        FieldPanel("body"),
        InlinePanel("attachments", label=_("Attachments")),
    ]  # fmt: skip
    template = "portal/article_page.html"

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")


class PolicyDocumentPage(ContentPage):
    """A 政策文件 with its 文号, issuing organisation, dates and validity; links to its 解读."""

    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    issuer = models.ForeignKey(
        "directory.Organisation", verbose_name=_("issuing organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    written_date = models.DateField(_("date written"), null=True, blank=True)
    validity = models.CharField(
        _("validity"), max_length=10, choices=Validity.choices, default=Validity.VALID
    )
    topic = models.CharField(
        _("topic"), max_length=40, choices=_choices(DISCLOSURE_TOPICS), default="综合政务"
    )
    genre = models.CharField(
        _("genre"), max_length=10, choices=_choices(DISCLOSURE_GENRES), default="通知"
    )
    is_creatable = True
    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("document_number"), FieldPanel("issuer"),
                         FieldPanel("written_date"), FieldPanel("pub_date"),
                         FieldPanel("validity"), FieldPanel("topic"), FieldPanel("genre"),
                         FieldPanel("source")], heading=_("Document")),
        FieldPanel("body"),
        InlinePanel("attachments", label=_("Attachments")),
    ]  # fmt: skip
    search_fields = [*ContentPage.search_fields, index.SearchField("document_number")]
    template = "portal/policy_document_page.html"
    serve_select_related = ("issuer",)

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["interpretations"] = list(
            self.interpretations.live()
            .only("title", "url_path", "pub_date", "path", "depth", "policy_id")
        )
        return context


class InterpretationPage(ContentPage):
    """A 政策解读 of one or more policy documents."""

    policy = models.ForeignKey(
        PolicyDocumentPage, verbose_name=_("interpreted policy document"), null=True,
        blank=True, on_delete=models.SET_NULL, related_name="interpretations",
    )  # fmt: skip
    is_creatable = True
    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("policy"), FieldPanel("pub_date"), FieldPanel("source"),
                         FieldPanel("author")], heading=_("Publication")),
        FieldPanel("body"),
        InlinePanel("attachments", label=_("Attachments")),
    ]  # fmt: skip
    template = "portal/interpretation_page.html"
    serve_select_related = ("policy",)

    class Meta:
        verbose_name = _("policy interpretation")
        verbose_name_plural = _("policy interpretations")


class _Attachment(Orderable):
    document = models.ForeignKey(
        get_document_model_string(), verbose_name=_("document"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    panels = [FieldPanel("document")]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class ArticleAttachment(_Attachment):
    page = ParentalKey(ArticlePage, related_name="attachments", on_delete=models.CASCADE)


class PolicyDocumentAttachment(_Attachment):
    page = ParentalKey(PolicyDocumentPage, related_name="attachments", on_delete=models.CASCADE)


class InterpretationAttachment(_Attachment):
    page = ParentalKey(InterpretationPage, related_name="attachments", on_delete=models.CASCADE)


# --- 政务公开 主动公开目录 -----------------------------------------------------------------------


class DisclosureCataloguePage(PortalPage):
    """The 主动公开目录 of the portal (all organisations) or of one sub-site's organisation,
    browsable by organisation, topic and year."""

    guide = RichTextField(_("disclosure guide"), blank=True, features=BODY_FEATURES)
    is_creatable = True
    parent_page_types = ["portal.HomePage", "portal.SubSitePage"]
    subpage_types: list[str] = []
    content_panels = [*Page.content_panels, FieldPanel("guide")]
    template = "portal/disclosure_catalogue_page.html"

    class Meta:
        verbose_name = _("disclosure catalogue")
        verbose_name_plural = _("disclosure catalogues")

    def column_meta(self) -> dict[str, Any]:
        return {"name": self.title, "type": "信息公开目录",
                "description": self.search_description, "keywords": self.title}  # fmt: skip

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from zhengwu.portal import selectors

        context = super().get_context(request, *args, **kwargs)
        organisation = self.subsite.organisation if self.subsite else None
        context["catalogue"] = selectors.disclosure_browse(
            request.GET, organisation=organisation
        )
        return context


class DisclosureItem(index.Indexed, models.Model):
    """One entry of the 主动公开目录 (政府信息公开条例 Art. 20; 索引号 unique and generated)."""

    index_number = models.CharField(_("index number"), max_length=60, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=255)
    organisation = models.ForeignKey(
        "directory.Organisation", verbose_name=_("issuing organisation"),
        on_delete=models.PROTECT, related_name="disclosure_items",
    )  # fmt: skip
    generated_on = models.DateField(_("date generated"), default=timezone.localdate)
    published_on = models.DateField(_("date published"), default=timezone.localdate)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    topic = models.CharField(_("topic"), max_length=40, choices=_choices(DISCLOSURE_TOPICS))
    genre = models.CharField(_("genre"), max_length=10, choices=_choices(DISCLOSURE_GENRES))
    validity = models.CharField(
        _("validity"), max_length=10, choices=Validity.choices, default=Validity.VALID
    )
    summary = models.TextField(_("summary"), blank=True)
    page = models.ForeignKey(
        Page, verbose_name=_("page"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text=_("The published page with the full text, if any."),
    )  # fmt: skip
    document = models.ForeignKey(
        get_document_model_string(), verbose_name=_("document"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    base_form_class = DisclosureItemForm

    search_fields = [
        index.SearchField("title"), index.SearchField("document_number"),
        index.SearchField("summary"), index.FilterField("published_on"),
    ]  # fmt: skip

    class Meta:
        verbose_name = _("disclosure catalogue item")
        verbose_name_plural = _("disclosure catalogue items")
        ordering = ["-published_on", "-id"]
        indexes = [
            models.Index(fields=["organisation", "published_on"]),
            models.Index(fields=["topic", "published_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.index_number} {self.title}"


# --- Prohibited words and overrides ------------------------------------------------------------


class SensitiveWord(models.Model):
    """A prohibited word (敏感词), maintained by reviewers in the CMS."""

    word = models.CharField(_("word"), max_length=50)
    normalised = models.CharField(max_length=50, unique=True, editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    base_form_class = SensitiveWordForm
    panels = [FieldPanel("word"), FieldPanel("note"), FieldPanel("is_active")]

    class Meta:
        verbose_name = _("prohibited word")
        verbose_name_plural = _("prohibited words")
        ordering = ["normalised"]
        permissions = [("override_sensitiveword", "Can publish despite prohibited words")]

    def __str__(self) -> str:
        return self.word


class SensitiveWordOverride(models.Model):
    """A reviewer's decision to publish a page although it contains prohibited words."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    words = models.JSONField(default=list)
    content_digest = models.CharField(max_length=64)
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.page_id}: {self.reason[:30]}"


# --- Static export manifest --------------------------------------------------------------------


class PublishedFile(models.Model):
    """One file of the static export and the SHA-256 it must have (tamper protection)."""

    path = models.CharField(max_length=500, unique=True)
    page = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.path


# --- Moderation: time limit of each review step ------------------------------------------------

# Working days a review step may take when no ReviewDeadline names it.
DEFAULT_REVIEW_WORKING_DAYS = 3


class ReviewDeadline(models.Model):
    """The time limit of one moderation step (a Wagtail workflow task), in working days; the
    due date shown in the unified inbox is counted from the step's start on the calendar."""

    task = models.OneToOneField(
        "wagtailcore.Task", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("review step"),
    )  # fmt: skip
    working_days = models.PositiveSmallIntegerField(
        _("working days"), default=DEFAULT_REVIEW_WORKING_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )  # fmt: skip

    panels = [FieldPanel("task"), FieldPanel("working_days")]

    class Meta:
        verbose_name = _("review time limit")
        verbose_name_plural = _("review time limits")
        ordering = ["task__name"]

    def __str__(self) -> str:
        return f"{self.task}: {self.working_days}"
