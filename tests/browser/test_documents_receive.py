"""收文 in a real browser: a unit's 收发员 signs for a dispatched document, the leader instructs,
two departments handle it, it circulates, is concluded and archived; the sender's tracking
table shows the sign-for. The dispatch is created through the exchange API (documents' own UI
has its own browser test)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from zhengwu.exchange.models import ArchiveItem, ReceivedDocument
from zhengwu.exchange.tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world() -> World:
    return World()


def _login(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/workbench/")


def _handle(
    page: Page, base: str, username: str, doc: ReceivedDocument, step: str, opinion: str
) -> None:
    """Open the registration sheet, follow 办理 for ``step`` and agree with an opinion."""
    _login(page, base, username)
    page.goto(f"{base}/workbench/exchange/received/{doc.pk}/")
    page.locator("#waiting-steps li", has_text=step).get_by_role("link", name="办理").click()
    page.locator("#opinion").fill(opinion)
    page.get_by_role("button", name="同意").click()
    page.goto(f"{base}/workbench/exchange/received/{doc.pk}/")


def test_receive_instruct_handle_circulate_conclude_archive(
    page: Page, live_server: Any, world: World
) -> None:
    base = live_server.url
    dispatch = world.send([world.unit, world.unit2])

    # 签收 by the receiving unit's clerk
    _login(page, base, "clerk")
    page.goto(f"{base}/workbench/exchange/")
    page.get_by_role("link", name="关于做好防汛工作的通知").click()
    page.get_by_role("button", name="签收并登记").click()
    expect(page.locator("#registration")).to_contain_text("收〔")
    doc = ReceivedDocument.objects.get()

    # the sender's tracking table shows who signed for it
    _login(page, base, "sclerk")
    page.goto(f"{base}/workbench/exchange/sent/{dispatch.pk}/")
    row = page.locator("#tracking-table tr", has_text="云泽市教育局")
    expect(row).to_contain_text("已签收")
    expect(row).to_contain_text("张收发")
    expect(page.locator("#tracking-table tr", has_text="云泽市民政局")).to_contain_text("待签收")

    _handle(page, base, "clerk", doc, "初审", "符合收文要求")
    _handle(page, base, "clerk", doc, "拟办", "拟请王局长阅示")

    # 批办: the leader chooses two handling divisions and a reader
    _login(page, base, "leader")
    page.goto(f"{base}/workbench/exchange/received/{doc.pk}/")
    form = page.locator("#instruct-form")
    form.get_by_label("批办意见").fill("请基础教育科、职业教育科落实")
    form.get_by_label("基础教育科").check()
    form.get_by_label("职业教育科").check()
    form.get_by_label(re.compile("周科员")).check()
    form.get_by_role("button", name="提交批办意见").click()
    expect(page.locator("#instruction")).to_have_text("请基础教育科、职业教育科落实")

    _handle(page, base, "leader_a", doc, "承办", "基础教育科已落实")
    _handle(page, base, "leader_b", doc, "承办", "职业教育科已落实")
    _handle(page, base, "reader", doc, "传阅", "已阅")
    expect(page.locator("#circulation")).not_to_contain_text("未阅")
    _handle(page, base, "clerk", doc, "办结", "办结")
    expect(page.locator("#received-status")).to_have_text("已办结")

    # 归档
    page.locator("#archive-form").get_by_label("保管期限").select_option("D30")
    page.locator("#archive-form").get_by_role("button", name="归档").click()
    expect(page.locator("#received-status")).to_have_text("已归档")
    item = ArchiveItem.objects.get()
    page.goto(f"{base}/workbench/exchange/archive/")
    expect(page.locator("#archive-table")).to_contain_text(item.archive_code)
    assert re.fullmatch(r"[A-Z0-9]{4}-WS·\d{4}-D30-EXJYJ-0001", item.archive_code)
