"""Cache-miss renders of every kind of public portal page stay within 10 SQL queries (issue 6),
with the process's site and route lookups warm as in a running server."""

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from zhengwu.portal import actions, pagecache
from zhengwu.portal.models import ArticlePage, DisclosureCataloguePage
from zhengwu.portal.tests.conftest import publish

pytestmark = pytest.mark.django_db

PATHS = ["/", "/news/", "/news/yingshang/", "/policies/yingshang-cuoshi/", "/readings/yitu/",
         "/scjg/", "/scjg/news/", "/scjg/news/jianguan/", "/catalogue/",
         "/catalogue/?topic=综合政务"]  # fmt: skip


@pytest.fixture
def world(portal: Any) -> Any:
    for n in range(21):  # more entries than a column page shows
        publish(portal.news, ArticlePage(title=f"第{n}条动态", slug=f"item-{n}"))
    publish(portal.scjg_news, ArticlePage(title="市场监管动态", slug="jianguan"))
    publish(portal.home, DisclosureCataloguePage(title="政府信息公开目录", slug="catalogue"))
    for n in range(21):
        actions.disclosure_item_create(
            actor=None, organisation=portal.scjg if n % 2 else portal.jyj, title=f"公开事项{n}",
            topic="综合政务", genre="通知",
        )  # fmt: skip
    return portal


def test_cache_miss_renders_stay_within_ten_queries(client: Any, world: Any) -> None:
    over = {}
    for path in PATHS:
        assert client.get(path).status_code == 200  # warm the process (site, route)
        cache.clear()  # forget the page...
        Site.get_site_root_paths()  # ...but not Wagtail's own cached site roots
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200 and response["X-Portal-Cache"] == "miss", path
        if len(queries) > 10:
            over[path] = [q["sql"][:160] for q in queries.captured_queries]
    assert not over, over


def test_a_cold_process_needs_at_most_three_more(client: Any, world: Any) -> None:
    for path in ("/", "/news/yingshang/"):
        pagecache.bump()  # a new generation: nothing cached at all
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        assert len(queries) <= 13, [q["sql"][:160] for q in queries.captured_queries]
