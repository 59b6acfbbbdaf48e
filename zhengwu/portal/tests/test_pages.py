"""Public portal pages: chrome, 政府网站 meta tags, columns, policy documents and the SQL budget."""

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db


def meta(page: str, name: str) -> str | None:
    match = re.search(rf'<meta name="{name}" content="([^"]*)">', page)
    return match.group(1) if match else None


def test_article_page_has_chrome_and_the_meta_tags_of_the_guideline(
    client: Any, portal: Any
) -> None:
    response = client.get("/news/yingshang/")
    assert response.status_code == 200
    page = response.content.decode()
    assert meta(page, "SiteName") == "云泽市人民政府"
    assert meta(page, "SiteIDCode") == "9901000001"
    assert meta(page, "SiteDomain") == "testserver"
    assert meta(page, "ColumnName") == "要闻"
    assert meta(page, "ColumnType") == "工作动态"
    assert meta(page, "ColumnDescription") == "云泽市政府要闻"
    assert meta(page, "ArticleTitle") == "云泽市召开优化营商环境推进会"
    assert meta(page, "PubDate") == "2025-03-04 09:30"
    assert meta(page, "ContentSource") == "云泽市人民政府办公室"
    assert meta(page, "Author") == "李明"
    # The public site's header and footer (网站标识码, 备案号, sponsor) around the article.
    assert '<a class="skip-link" href="#main">' in page and "网站标识码" in page
    assert "云ICP备99010001号" in page
    assert "会议要求各部门压缩审批时限。" in page
    assert 'aria-label="您的位置"' in page and '<a href="/news/">要闻</a>' in page
    # Last updated: the later of the publication date and the last (re)publication.
    day = f"{timezone.localtime(portal.article.last_published_at):%Y-%m-%d}"
    assert f'<time datetime="{day}">{day}</time>' in page


def test_article_page_stays_within_ten_queries(client: Any, portal: Any) -> None:
    client.get("/news/yingshang/")  # warm the site-root cache as production would be
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/news/yingshang/").status_code == 200
    assert len(queries) <= 10, "\n".join(q["sql"] for q in queries.captured_queries)


def test_home_lists_columns_and_subsites(client: Any, portal: Any) -> None:
    page = client.get("/").content.decode()
    assert meta(page, "ColumnType") == "首页"
    assert '<a href="/news/">要闻</a>' in page
    assert "云泽市召开优化营商环境推进会" in page
    assert '<a href="/scjg/">云泽市市场监督管理局</a>' in page
    assert "走进云泽" in page and "机构设置" in page


def test_column_lists_newest_first_and_pages(client: Any, portal: Any) -> None:
    from zhengwu.portal.models import ArticlePage
    from zhengwu.portal.tests.conftest import publish

    for n in range(22):
        publish(portal.news, ArticlePage(title=f"第{n}条动态", slug=f"item-{n}"))
    first = client.get("/news/").content.decode()
    assert meta(first, "ColumnName") == "要闻" and meta(first, "ColumnType") == "工作动态"
    assert "第 1 页，共 2 页" in first and "云泽市召开优化营商环境推进会" not in first
    second = client.get("/news/?page=2").content.decode()
    assert "云泽市召开优化营商环境推进会" in second
    assert client.get("/news/?page=abc").status_code == 200  # a bad page number is page 1


def test_policy_document_shows_its_facts_and_links_its_interpretation(
    client: Any, portal: Any
) -> None:
    page = client.get("/policies/yingshang-cuoshi/").content.decode()
    assert "云政发〔2025〕3号" in page and "2025-02-20" in page and "有效" in page
    assert meta(page, "ColumnType") == "政策文件"
    assert '<a href="/readings/yitu/">一图读懂优化营商环境若干措施</a>' in page
    reading = client.get("/readings/yitu/").content.decode()
    assert '<a href="/policies/yingshang-cuoshi/">' in reading


def test_subsite_pages_carry_the_subsite_name_and_own_navigation(
    client: Any, portal: Any
) -> None:
    page = client.get("/scjg/").content.decode()
    assert meta(page, "SiteName") == "云泽市市场监督管理局"
    assert '<a href="/scjg/news/">部门动态</a>' in page
    assert '<a href="/news/">要闻</a>' not in page  # the portal's columns are not its columns


def test_unpublished_and_unknown_pages_are_not_found(client: Any, portal: Any) -> None:
    portal.article.unpublish()
    assert client.get("/news/yingshang/").status_code == 404
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/news/%3Cscript%3E/").status_code == 404


def test_pages_answer_only_get_and_head(client: Any, portal: Any) -> None:
    assert client.head("/news/yingshang/").status_code == 200
    assert client.post("/news/yingshang/").status_code == 405


def test_the_site_map_lists_sub_sites_and_columns(client: Any, portal: Any) -> None:
    from wagtail.models import PageViewRestriction

    from zhengwu.portal.models import ColumnPage

    hidden = ColumnPage(title="内部栏目", slug="internal")
    portal.home.add_child(instance=hidden)
    hidden.save_revision().publish()
    PageViewRestriction.objects.create(page=hidden, restriction_type="login")
    draft = ColumnPage(title="筹备中栏目", slug="soon", live=False)
    portal.home.add_child(instance=draft)

    text = client.get("/sitemap/").content.decode()
    for title, url in (("要闻", "/news/"), ("政策文件", "/policies/"),
                       ("云泽市市场监督管理局", "/scjg/"), ("部门动态", "/scjg/news/")):
        assert f'<a href="{url}">{title}</a>' in text
    # Nested: the sub-site's column is inside the sub-site's item.
    positions = [text.index(f'href="{url}"') for url in ("/scjg/", "/scjg/news/", "/jyj/")]
    assert positions == sorted(positions)
    assert "内部栏目" not in text and "筹备中栏目" not in text
    assert portal.article.title not in text
