"""Issue 5's proof as one walk in a real browser: a secretary drafts a notice to 30 units, it
goes through 核稿, 会签 by two departments, 签发, is numbered, sealed and sent; one receiving unit
signs for it, its leader instructs (批办), two divisions handle it, it circulates (传阅), is
concluded (办结) and archived; the sender's tracking table then shows every step for that unit.
No request leaves the site. (Replaces test_documents_send.py and test_documents_receive.py.)"""

import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from zhengwu.documents.models import OfficialDocument
from zhengwu.documents.tests.conftest import PASSWORD, World
from zhengwu.exchange.models import ArchiveItem, ReceivedDocument

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EXCHANGE_PERMS = ["handle_delivery", "register_received", "track_dispatch", "manage_archive"]
TITLE = "云泽市人民政府办公室关于开展政务服务大练兵活动的通知"


@pytest.fixture
def world() -> Any:
    w = World()
    w.many = [w.org(f"测试单位{i:02d}", "department", w.city, f"dc-m{i:02d}") for i in range(27)]
    w.secretary_role.permissions.add(*Permission.objects.filter(
        content_type__app_label="exchange", codename__in=EXCHANGE_PERMS))  # fmt: skip
    # the receiving unit: 收发员, leader, two divisions with their heads, a reader
    w.unit = w.units[0]
    w.clerk = w.staff("clerk", "张收发", w.unit, w.secretary_role)
    w.unit_leader = w.staff("unitleader", "王县长", w.unit, w.leader_role)
    w.div_a = w.org("县发展改革局", "internal", w.unit, "dc-u0-a")
    w.div_b = w.org("县行政审批局", "internal", w.unit, "dc-u0-b")
    w.head_a = w.staff("head_a", "赵局长", w.div_a, w.leader_role)
    w.head_b = w.staff("head_b", "钱局长", w.div_b, w.leader_role)
    w.reader = w.staff("reader", "周科员", w.div_a, w.reviewer_role)
    return w


class Walk:
    def __init__(self, page: Page, base: str) -> None:
        self.page, self.base, self.external = page, base, []
        page.on("request", lambda r: self.external.append(r.url)
                if not r.url.startswith(base) else None)  # fmt: skip

    def login(self, username: str) -> Page:
        page = self.page
        page.context.clear_cookies()
        page.goto(f"{self.base}/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(f"{self.base}/workbench/")
        return page

    def outgoing_step(self, who: str, url: str, button: str, opinion: str) -> Page:
        page = self.login(who)
        page.goto(url)
        page.get_by_label("意见", exact=True).fill(opinion)
        page.get_by_role("button", name=button, exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("已办理")
        return page

    def incoming_step(self, who: str, doc: ReceivedDocument, step: str, opinion: str) -> Page:
        page = self.login(who)
        sheet = f"{self.base}/workbench/exchange/received/{doc.pk}/"
        page.goto(sheet)
        page.locator("#waiting-steps li", has_text=step).get_by_role("link", name="办理").click()
        page.locator("#opinion").fill(opinion)
        page.get_by_role("button", name="同意").click()
        page.goto(sheet)
        return page


def test_draft_to_archive_walk(page: Page, live_server: Any, world: Any) -> None:
    walk = Walk(page, live_server.url)
    base = live_server.url
    recipients = [*world.units, *world.many]
    assert len(recipients) == 30

    # 拟稿 by the secretary
    walk.login("drafter")
    page.goto(f"{base}/workbench/documents/")
    page.get_by_role("link", name="拟制公文").first.click()
    page.get_by_label("标题").fill(TITLE)
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

    # 核稿 → 会签 (two departments) → 签发
    walk.outgoing_step("reviewer", url, "同意", "文字规范，同意。")
    walk.outgoing_step("eduleader", url, "同意", "教育局无意见。")
    page = walk.outgoing_step("finleader", url, "同意", "财政局同意。")
    expect(page.locator("#doc-status")).to_contain_text("待签发")
    page = walk.outgoing_step("leader", url, "签发", "同意印发。")
    expect(page.locator("#doc-status")).to_contain_text("已签发")

    # 编号 → 用印 → 分发 to 30 units
    walk.login("drafter")
    page.goto(url)
    page.get_by_role("button", name="编号", exact=True).click()
    expect(page.locator("#doc-number")).to_contain_text("云政办发〔")
    page.get_by_role("button", name="用印", exact=True).click()
    expect(page.locator("#doc-status")).to_contain_text("已用印")
    expect(page.locator("#sealed-pdf")).to_be_visible()
    page.get_by_role("button", name="分发", exact=True).click()
    expect(page.locator("#doc-status")).to_contain_text("已分发")
    expect(page.locator("#tracking tbody tr")).to_have_count(30)
    for org in recipients[:5]:
        expect(page.locator("#tracking")).to_contain_text(org.name)
    history = page.locator("#history")
    for opinion in ("文字规范，同意。", "教育局无意见。", "财政局同意。", "同意印发。"):
        expect(history).to_contain_text(opinion)
    doc = OfficialDocument.objects.get()
    assert doc.status == "sent" and doc.doc_number.endswith("1号")

    # 签收 at 测试县0人民政府
    walk.login("clerk")
    page.goto(f"{base}/workbench/exchange/")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="签收并登记").click()
    expect(page.locator("#registration")).to_contain_text("收〔")
    received = ReceivedDocument.objects.get()
    assert received.doc_number == doc.doc_number

    # the sender sees the sign-for at once
    walk.login("drafter")
    page.goto(url)
    row = page.locator("#tracking tr", has_text=world.unit.name)
    expect(row).to_contain_text("已签收")
    expect(row).to_contain_text("张收发")
    expect(page.locator("#tracking tr", has_text=recipients[1].name)).to_contain_text("待签收")

    # 初审 → 拟办 → 批办 (two divisions, one reader)
    walk.incoming_step("clerk", received, "初审", "符合收文要求")
    walk.incoming_step("clerk", received, "拟办", "拟请王县长阅示")
    walk.login("unitleader")
    page.goto(f"{base}/workbench/exchange/received/{received.pk}/")
    form = page.locator("#instruct-form")
    form.get_by_label("批办意见").fill("请县发展改革局、县行政审批局落实")
    form.get_by_label("县发展改革局").check()
    form.get_by_label("县行政审批局").check()
    form.get_by_label(re.compile("周科员")).check()
    form.get_by_role("button", name="提交批办意见").click()
    expect(page.locator("#instruction")).to_have_text("请县发展改革局、县行政审批局落实")

    # 承办 by both divisions → 传阅 → 办结 → 归档
    walk.incoming_step("head_a", received, "承办", "县发展改革局已落实")
    walk.incoming_step("head_b", received, "承办", "县行政审批局已落实")
    page = walk.incoming_step("reader", received, "传阅", "已阅")
    expect(page.locator("#circulation")).not_to_contain_text("未阅")
    page = walk.incoming_step("clerk", received, "办结", "办结")
    expect(page.locator("#received-status")).to_have_text("已办结")
    page.locator("#archive-form").get_by_label("保管期限").select_option("D30")
    page.locator("#archive-form").get_by_role("button", name="归档").click()
    expect(page.locator("#received-status")).to_have_text("已归档")
    item = ArchiveItem.objects.get()
    page.goto(f"{base}/workbench/exchange/archive/")
    expect(page.locator("#archive-table")).to_contain_text(item.archive_code)
    assert re.fullmatch(r"[A-Z0-9]{4}-WS·\d{4}-D30-DCU0-0001", item.archive_code)

    # the sender's tracking table: delivered, 签收 by whom, registered and archived there
    walk.login("drafter")
    page.goto(url)
    row = page.locator("#tracking tr", has_text=world.unit.name)
    expect(row).to_contain_text("已签收")
    expect(row).to_contain_text("张收发")
    expect(row.locator(".handling")).to_contain_text(received.receipt_number)
    expect(row.locator(".handling")).to_contain_text("已归档")
    expect(page.locator("#tracking-summary")).to_contain_text("1")
    assert walk.external == []
