"""The workbench home: who may open it, what each person sees."""

import itertools
import time
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhengwu.core.registry import MenuItem, Shortcut
from zhengwu.core.registry import workbench as registry
from zhengwu.identity import middleware as idle_middleware
from zhengwu.notify.actions import notify_send
from zhengwu.workbench.tests.conftest import grant
from zhengwu.workdays.selectors import invalidate_cache as invalidate_calendar_cache

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_login_page(client: Any) -> None:
    response = client.get("/workbench/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_citizens_may_not_enter(client: Any, citizen: Any) -> None:
    client.force_login(citizen)
    assert client.get("/workbench/").status_code == 403


def test_staff_see_their_name_organisation_and_roles(client: Any, clerk: Any, org: Any) -> None:
    grant(clerk, org, "acceptor", "受理员")
    client.force_login(clerk)

    response = client.get("/workbench/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "张伟" in page and "云泽市市场监督管理局" in page and "科员" in page
    assert "云泽市市场监督管理局 受理员" in page  # role of organisation
    assert "暂无待办事项" in page  # the to-do area before the workflow engine registers a panel


def test_the_menu_shows_only_items_the_user_holds_permissions_for(
    client: Any, clerk: Any, org: Any, clean_registry: None
) -> None:
    registry.register_menu(
        MenuItem("test.audit", "审计日志测试项", "workbench:notice_list", order=50,
                 permissions=("audit.view_auditentry",))
    )  # fmt: skip
    client.force_login(clerk)
    assert "审计日志测试项" not in client.get("/workbench/").content.decode()
    assert '<a href="/workbench/admin/">' not in client.get("/workbench/").content.decode()

    grant(clerk, org, "auditor", "审计员", "audit.view_auditentry")
    client.force_login(clerk)  # fresh user object: no cached permissions
    page = client.get("/workbench/").content.decode()
    assert "审计日志测试项" in page
    assert '<a href="/workbench/admin/">系统管理</a>' in page  # the admin site admits them now


def test_the_current_section_is_marked_in_the_menu(client: Any, clerk: Any) -> None:
    client.force_login(clerk)
    page = client.get("/workbench/notices/").content.decode()
    assert '<a href="/workbench/notices/" aria-current="page">' in page
    assert '<a href="/workbench/" aria-current="page">' not in page


def test_the_menu_costs_a_fixed_number_of_queries(
    client: Any, clerk: Any, clean_registry: None, settings: Any, monkeypatch: Any
) -> None:
    """30 menu items cost no more queries than 1 (permissions are checked in memory).

    Measured as a difference, with every cache warm and every request writing its session, so
    the answer depends neither on test order nor on the clock: process-wide caches (ContentType,
    the working-day calendar) are filled by the first request, the calendar is not revalidated
    on a timer, and the idle-timeout stamp changes on every request (it is only written when the
    second changes, which would otherwise make one request cost a query more than another).
    """
    settings.ZHENGWU_WORKDAYS_CACHE_SECONDS = 3600
    ticks = itertools.count(int(time.time()))
    monkeypatch.setattr(idle_middleware, "time", SimpleNamespace(time=lambda: next(ticks)))
    ContentType.objects.clear_cache()
    invalidate_calendar_cache()
    client.force_login(clerk)

    def home_queries() -> list[str]:
        assert client.get("/workbench/").status_code == 200  # warm every cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/workbench/").status_code == 200
        return [q["sql"] for q in queries.captured_queries]

    def register(numbers: range) -> None:
        for number in numbers:
            registry.register_menu(
                MenuItem(f"test.{number}", f"项{number}", "workbench:notice_list", order=60,
                         permissions=("workbench.view_notice",))
            )  # fmt: skip

    register(range(1))
    one = home_queries()
    register(range(1, 30))
    thirty = home_queries()
    assert len(thirty) == len(one), "\n".join(thirty)


def test_unread_messages_are_counted_on_the_home_page(client: Any, clerk: Any) -> None:
    notify_send(recipients=[clerk], body="", subject="请及时处理投诉件")
    notify_send(recipients=[clerk], body="", subject="请参加周例会")
    client.force_login(clerk)
    page = client.get("/workbench/").content.decode()
    assert "请及时处理投诉件" in page and "请参加周例会" in page
    assert "2 条未读" in page


def test_registered_panels_and_shortcuts_are_shown_by_permission(
    client: Any, clerk: Any, org: Any, clean_registry: None
) -> None:
    registry.register_home_panel(
        "test.todos",
        "workbench/panels/list.html",
        lambda request: {
            "title": "我的待办",
            "items": [{"label": "审核 YZ-2026-0003", "url": "/x/"}],
        },
        order=1,
    )
    registry.register_shortcut(
        Shortcut("test.secret", "需要权限的快捷方式", "workbench:notice_list",
                 permissions=("audit.view_auditentry",))
    )  # fmt: skip
    client.force_login(clerk)
    page = client.get("/workbench/").content.decode()
    assert "审核 YZ-2026-0003" in page
    assert "需要权限的快捷方式" not in page
    assert "我的消息" in page  # a shortcut every staff member has
