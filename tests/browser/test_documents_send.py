"""Sending an official document in a real browser: a secretary drafts a notice (30 recipient
units, two countersigning departments), 核稿, 会签 by both departments, 签发, 编号, 用印, 分发;
the tracking table lists the 30 units and the history keeps every opinion. No request leaves
the site. (The receiving half is exchange's test.)"""

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from zhengwu.documents.models import OfficialDocument
from zhengwu.documents.tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world() -> Any:
    w = World()
    w.many = [w.org(f"测试单位{i:02d}", "department", w.city, f"dc-m{i:02d}") for i in range(27)]
    return w


def _session(browser: Browser, base: str, username: str, external: list[str]) -> Page:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/workbench/")
    return page


def _step(browser: Browser, base: str, who: str, url: str, button: str, opinion: str,
          external: list[str]) -> Page:  # fmt: skip
    page = _session(browser, base, who, external)
    page.goto(url)
    page.get_by_label("意见", exact=True).fill(opinion)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("已办理")
    return page


def test_secretary_drafts_and_sends_to_30_units(browser: Browser, live_server: Any,
                                                world: Any) -> None:  # fmt: skip
    base = live_server.url
    external: list[str] = []
    recipients = [*world.units, *world.many]
    assert len(recipients) == 30

    page = _session(browser, base, "drafter", external)
    page.goto(f"{base}/workbench/documents/")
    page.get_by_role("link", name="拟制公文").first.click()
    page.get_by_label("标题").fill("云泽市人民政府办公室关于开展政务服务大练兵活动的通知")
    page.get_by_label("正文").fill(
        "一、活动目标\n全面提升窗口人员业务能力。\n（一）组织培训\n各单位于3月底前完成培训。"
    )
    page.get_by_label("主送机关", exact=True).select_option(label=[o.name for o in recipients])
    page.get_by_label("会签部门").select_option(label=[world.edu.name, world.fin.name])
    page.get_by_label("附件说明（每行一个附件名称）").fill("大练兵活动方案")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#doc-status")).to_contain_text("草稿")
    url = page.url
    assert re.search(r"/workbench/documents/\d+/$", url)
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#doc-status")).to_contain_text("核稿中")

    _step(browser, base, "reviewer", url, "同意", "文字规范，同意。", external)
    _step(browser, base, "eduleader", url, "同意", "教育局无意见。", external)
    page2 = _step(browser, base, "finleader", url, "同意", "财政局同意。", external)
    expect(page2.locator("#doc-status")).to_contain_text("待签发")
    page3 = _step(browser, base, "leader", url, "签发", "同意印发。", external)
    expect(page3.locator("#doc-status")).to_contain_text("已签发")

    page.goto(url)
    page.get_by_role("button", name="编号", exact=True).click()
    expect(page.locator("#doc-number")).to_contain_text("云政办发〔")
    page.get_by_role("button", name="用印", exact=True).click()
    expect(page.locator("#doc-status")).to_contain_text("已用印")
    expect(page.locator("#sealed-pdf")).to_be_visible()
    page.get_by_role("button", name="分发", exact=True).click()
    expect(page.locator("#doc-status")).to_contain_text("已分发")
    rows = page.locator("#tracking tbody tr")
    expect(rows).to_have_count(30)
    for org in recipients[:5]:
        expect(page.locator("#tracking")).to_contain_text(org.name)
    history = page.locator("#history")
    for opinion in ("文字规范，同意。", "教育局无意见。", "财政局同意。", "同意印发。"):
        expect(history).to_contain_text(opinion)
    doc = OfficialDocument.objects.get()
    assert doc.status == "sent" and doc.doc_number.endswith("1号")
    assert external == []
