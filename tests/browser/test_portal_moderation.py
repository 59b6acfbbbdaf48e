"""Editor → department reviewer → office reviewer → published → found by the public search, in a
real browser through the Wagtail admin inside the workbench; each reviewer reaches the review
from the unified inbox. The published page then reads without JavaScript."""

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from zhengwu.portal.models import ArticlePage
from zhengwu.portal.tests.conftest import portal  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Xx-12345678"
TITLE = "云泽市开展春季义务植树活动"


def _session(browser: Browser, base: str, username: str) -> Page:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/workbench/")
    return page


def _press(page: Page, selector: str) -> None:
    """A button of Wagtail's footer action menu (inside a drop-down): clicked as the drop-down
    would, with Wagtail's own scripts handling it."""
    button = page.locator(selector).first
    expect(button).to_have_count(1)
    button.evaluate("b => b.click()")


def _approve_from_inbox(browser: Browser, base: str, username: str, step: str) -> None:
    page = _session(browser, base, username)
    page.goto(f"{base}/workbench/workflow/")
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text(step)
    row.get_by_role("link", name=TITLE).click()
    expect(page.locator("#id_title")).to_have_value(TITLE)
    _press(page, 'button[data-workflow-action-name="approve"]'
                 ':not([data-workflow-action-modal-url])')  # fmt: skip
    page.wait_for_load_state("networkidle")
    page.context.close()


def test_editor_reviewers_publish_and_the_search_finds_it(
    browser: Browser, live_server: Any, portal: Any  # noqa: F811
) -> None:
    base = live_server.url
    editor = _session(browser, base, "scjg_editor")
    editor.goto(f"{base}/workbench/cms/pages/add/portal/articlepage/{portal.scjg_news.pk}/")
    editor.locator("#id_title").fill(TITLE)
    editor.locator(".public-DraftEditor-content").first.click()
    editor.keyboard.type("全市共栽植各类苗木三万余株。")
    # Last: leaving the title field re-derives the slug from it (empty for a Chinese title).
    editor.locator("#id_slug").evaluate("el => { el.value = 'zhishu'; }")
    _press(editor, 'button[name="action-submit"]')
    editor.wait_for_url(lambda url: "/add/" not in url)
    assert ArticlePage.objects.filter(slug="zhishu").exists(), editor.locator(
        ".error-message, .help-critical, [role=alert]").all_inner_texts()
    page = ArticlePage.objects.get(slug="zhishu")
    assert not page.live and page.current_workflow_task.name == "云泽市市场监督管理局·部门审核"
    editor.context.close()

    _approve_from_inbox(browser, base, "scjg_reviewer", "云泽市市场监督管理局·部门审核")
    page.refresh_from_db()
    assert not page.live and page.current_workflow_task.name == "办公室终审"
    _approve_from_inbox(browser, base, "office_reviewer", "办公室终审")
    page.refresh_from_db()
    assert page.live

    reader = browser.new_context(locale="zh-CN").new_page()
    reader.goto(f"{base}/search/?q=植树")
    reader.get_by_role("link", name=TITLE).first.click()
    expect(reader).to_have_url(f"{base}/scjg/news/zhishu/")
    expect(reader.get_by_role("heading", level=1)).to_have_text(TITLE)
    reader.context.close()

    # Reading needs no JavaScript: the page, its navigation and the search work without it.
    no_js = browser.new_context(java_script_enabled=False, locale="zh-CN").new_page()
    no_js.goto(f"{base}/scjg/news/zhishu/")
    expect(no_js.get_by_role("heading", level=1)).to_have_text(TITLE)
    no_js.get_by_role("link", name="部门动态").first.click()
    expect(no_js.get_by_role("link", name=TITLE)).to_be_visible()
    no_js.goto(f"{base}/search/?q=植树")
    expect(no_js.get_by_role("link", name=TITLE).first).to_be_visible()
    no_js.context.close()
