"""The app-level page cache: anonymous readers get cached pages, nobody gets a stale or a
personal one (zhengwu/portal/pagecache.py)."""

from typing import Any

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory

from zhengwu.directory.actions import organisation_create
from zhengwu.identity.testing import sign_in
from zhengwu.portal import pagecache
from zhengwu.portal.models import ArticlePage
from zhengwu.portal.tests.conftest import publish

pytestmark = pytest.mark.django_db
ARTICLE = "/news/yingshang/"


def state(response: Any) -> str | None:
    return response.headers.get(pagecache.HIT_HEADER)


def test_second_anonymous_read_is_a_hit_with_the_same_bytes(client: Any, portal: Any) -> None:
    first = client.get(ARTICLE)
    second = client.get(ARTICLE)
    assert (state(first), state(second)) == ("miss", "hit")
    assert second.content == first.content and second["Content-Type"] == first["Content-Type"]
    assert state(client.head(ARTICLE)) == "hit"


def test_publishing_invalidates_the_column_and_home(client: Any, portal: Any) -> None:
    for path in ("/", "/news/", ARTICLE):
        client.get(path)
        assert state(client.get(path)) == "hit"
    publish(portal.news, ArticlePage(title="新发布的要闻", slug="fresh"))
    for path in ("/", "/news/"):
        response = client.get(path)
        assert state(response) == "miss" and "新发布的要闻" in response.content.decode()


def test_unpublish_move_and_delete_invalidate(client: Any, portal: Any) -> None:
    client.get(ARTICLE)
    portal.article.unpublish()
    assert client.get(ARTICLE).status_code == 404
    client.get("/news/")
    portal.article.refresh_from_db()
    portal.article.move(portal.readings, pos="last-child")
    assert "云泽市召开优化营商环境推进会" not in client.get("/news/").content.decode()
    client.get("/readings/yitu/")
    portal.interpretation.delete()
    assert client.get("/readings/yitu/").status_code == 404


def test_directory_change_shown_on_home_invalidates(client: Any, portal: Any) -> None:
    client.get("/")
    assert state(client.get("/")) == "hit"
    organisation_create(actor=None, name="云泽市新设局", kind="department", region=portal.city,
                        parent=portal.government, code="xsj")  # fmt: skip
    response = client.get("/")
    assert state(response) == "miss" and "云泽市新设局" in response.content.decode()


def test_signed_in_users_are_never_served_or_stored(client: Any, portal: Any) -> None:
    sign_in(client, portal.scjg_editor)
    assert state(client.get(ARTICLE)) is None
    assert state(client.get(ARTICLE)) is None
    client.logout()
    client.cookies.clear()
    assert state(client.get(ARTICLE)) == "miss"  # the signed-in render was not kept


def test_a_session_or_messages_cookie_bypasses_the_cache(client: Any, portal: Any) -> None:
    client.get(ARTICLE)
    client.cookies["sessionid"] = "whatever"
    assert state(client.get(ARTICLE)) is None
    del client.cookies["sessionid"]
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies["messages"] = storage._encode([])
    assert state(client.get(ARTICLE)) is None


def test_responses_with_messages_csrf_or_cookies_are_not_stored(portal: Any) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    def request() -> Any:
        r = RequestFactory().get("/x/")
        r.user = AnonymousUser()
        r.COOKIES = {}
        return r

    def csrf_page(r: Any) -> HttpResponse:
        get_token(r)
        return HttpResponse("form")

    def cookie_page(r: Any) -> HttpResponse:
        response = HttpResponse("cookie")
        response.set_cookie("x", "1")
        return response

    def message_page(r: Any) -> HttpResponse:
        r._messages = CookieStorage(r)
        r._messages.add(constants.INFO, "hello")
        return HttpResponse("message")

    for view in (csrf_page, cookie_page, message_page):
        for _ in range(2):
            r = request()
            response = pagecache.serve_cached(r, lambda r=r, view=view: view(r))
            assert state(response) is None, view.__name__


def test_unknown_query_parameters_and_posts_are_not_cached(client: Any, portal: Any) -> None:
    assert state(client.get(ARTICLE + "?utm=1")) is None
    assert state(client.get(ARTICLE + "?utm=1")) is None
    assert state(client.get("/news/?page=2")) == "miss"
    assert client.post(ARTICLE).status_code == 405


def test_not_found_and_private_pages_are_not_cached(client: Any, portal: Any) -> None:
    from wagtail.models import PageViewRestriction

    assert state(client.get("/no-such-page/")) is None
    PageViewRestriction.objects.create(page=portal.article, restriction_type="login")
    assert client.get(ARTICLE).status_code == 302  # to the login page, never cached
    assert state(client.get(ARTICLE)) is None


def test_switched_off(client: Any, portal: Any, settings: Any) -> None:
    settings.PORTAL_PAGE_CACHE_SECONDS = 0
    client.get(ARTICLE)
    assert state(client.get(ARTICLE)) is None
    assert client.get(ARTICLE).status_code == 200


def test_generation_moves_forward_and_is_shared_through_the_stamp(portal: Any) -> None:
    before = pagecache.generation()
    pagecache.bump()
    pagecache.bump()
    after = pagecache.generation()
    assert after != before
    store = pagecache.local_store()
    store["x"] = 1
    pagecache.bump()
    assert "x" not in pagecache.local_store()
