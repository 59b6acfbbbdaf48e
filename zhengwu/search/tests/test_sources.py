"""The portal and the services catalogue as sources: what is public is found, what stops
being public disappears (signals after commit), attachments are found by their text."""

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import PageViewRestriction

from zhengwu.directory.models import Organisation, Region
from zhengwu.portal import selectors as portal_selectors
from zhengwu.portal.models import ArticleAttachment, ArticlePage, ColumnPage, SubSitePage
from zhengwu.search.models import SearchEntry
from zhengwu.search.selectors import search_query


def _docx(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "word/document.xml",
            f'<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
    return buffer.getvalue()


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any) -> Any:
    settings.PORTAL_PUBLISH_DIR = tmp_path / "publish"
    city = Region.objects.create(code="990100", name="云泽市", level=Region.Level.CITY)
    gov = Organisation.objects.create(name="云泽市人民政府", kind="government", region=city,
                                      code="yzszf")  # fmt: skip
    scjg = Organisation.objects.create(name="云泽市市场监督管理局", kind="department",
                                       region=city, parent=gov, code="scjg")  # fmt: skip
    home = portal_selectors.portal_home()

    class World:
        pass

    w = World()
    w.gov, w.scjg, w.home, w.capture = gov, scjg, home, django_capture_on_commit_callbacks

    def publish(parent: Any, page: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            parent.add_child(instance=page)
            page.save_revision().publish()
        page.refresh_from_db()
        return page

    w.publish = publish
    w.site = publish(
        home, SubSitePage(title="云泽市市场监督管理局", slug="scjg", organisation=scjg)
    )
    w.news = publish(w.site, ColumnPage(title="通知公告", slug="tzgg", show_in_menus=True))
    return w


def _titles(q: str, **kw: Any) -> list[str]:
    return [h.entry.title for h in search_query(q, **kw).hits]


def test_published_article_found_with_site_and_column_and_gone_when_unpublished(world):
    article = world.publish(world.news, ArticlePage(
        title="关于开展食品安全专项检查的通知", slug="jc", body="<p>各餐饮单位要落实主体责任。</p>",
        pub_date=timezone.make_aware(dt.datetime(2025, 3, 4, 9, 0)),
    ))  # fmt: skip
    hits = search_query("食品安全").hits
    assert [h.entry.title for h in hits] == ["关于开展食品安全专项检查的通知"]
    entry = hits[0].entry
    assert (entry.site, entry.site_label) == ("scjg", "云泽市市场监督管理局")
    assert entry.column_label == "通知公告" and entry.url.endswith("/scjg/tzgg/jc/")
    assert _titles("主体责任", site="scjg", column=entry.column) == [entry.title]
    assert _titles("主体责任", site="portal") == []
    with world.capture(execute=True):
        article.unpublish()
    assert _titles("食品安全") == []


def test_draft_changes_are_not_searchable_until_published(world):
    article = world.publish(world.news, ArticlePage(title="春季植树活动安排", slug="zs"))
    article.title = "秋季防火工作安排"
    with world.capture(execute=True):
        article.save_revision()
    assert _titles("防火") == []
    assert _titles("植树") == ["春季植树活动安排"]


def test_attachment_text_is_found(world):
    document = get_document_model().objects.create(
        title="检查记录表", file=ContentFile(_docx("冷链食品追溯台账"), name="jl.docx")
    )
    article = ArticlePage(title="检查工作通知", slug="jl")
    article.attachments = [ArticleAttachment(document=document)]
    world.publish(world.news, article)
    hits = search_query("冷链食品").hits
    assert [(h.entry.title, h.entry.kind) for h in hits] == [("检查记录表", "attachment")]
    assert search_query("冷链", kind="attachment").total == 1
    assert search_query("冷链", kind="page").total == 0


def test_private_pages_are_not_indexed(world):
    article = world.publish(world.news, ArticlePage(title="内部工作安排", slug="nb"))
    assert _titles("内部工作") == ["内部工作安排"]
    with world.capture(execute=True):
        PageViewRestriction.objects.create(page=article, restriction_type="login")
    assert _titles("内部工作") == []


def test_disclosure_items_found(world):
    from zhengwu.portal.actions import disclosure_item_create

    with world.capture(execute=True):
        item = disclosure_item_create(
            actor=None, organisation=world.scjg, title="云泽市市场监督管理局2025年度执法检查计划",
            topic="市场监管、安全生产监管", genre="计划", document_number="云市监发〔2025〕7号",
        )  # fmt: skip
    hits = search_query("执法检查计划").hits
    assert [h.entry.kind for h in hits] == ["disclosure"]
    assert hits[0].entry.site == "scjg"
    assert search_query(item.index_number.split("/")[1]).total >= 0  # never crashes on 索引号


def test_reindex_command_rebuilds_and_rejects_unknown_sources(world):
    world.publish(world.news, ArticlePage(title="消费维权典型案例", slug="wq"))
    SearchEntry.objects.all().delete()
    assert _titles("消费维权") == []
    out = io.StringIO()
    call_command("search_reindex", "--source", "portal", stdout=out)
    assert "portal:" in out.getvalue()
    assert _titles("消费维权") == ["消费维权典型案例"]
    with pytest.raises(CommandError):
        call_command("search_reindex", "--source", "nope", stdout=out)


@pytest.mark.django_db
def test_service_items_found_when_published_only(django_capture_on_commit_callbacks):
    from zhengwu.eservices.models import ServiceItem

    city = Region.objects.create(code="990100", name="云泽市", level=Region.Level.CITY)
    org = Organisation.objects.create(name="云泽市民政局", kind="department", region=city)
    with django_capture_on_commit_callbacks(execute=True):
        item = ServiceItem.objects.create(
            name="婚姻登记", code="MZ-0001", item_type="public_service", organisation=org,
            audience="person", legal_basis="《婚姻登记条例》", conditions="双方亲自到场",
            process_description="申请、审查、登记", promised_limit_days=1,
        )  # fmt: skip
    assert _titles("婚姻登记") == []
    with django_capture_on_commit_callbacks(execute=True):
        item.status = ServiceItem.Status.PUBLISHED
        item.published_at = timezone.now()
        item.save()
    hits = search_query("婚姻登记").hits
    assert [(h.entry.title, h.entry.kind) for h in hits] == [("婚姻登记", "service")]
    assert hits[0].entry.url == "/services/items/MZ-0001/" or "MZ-0001" in hits[0].entry.url
    with django_capture_on_commit_callbacks(execute=True):
        item.status = ServiceItem.Status.WITHDRAWN
        item.save()
    assert _titles("婚姻登记") == []
