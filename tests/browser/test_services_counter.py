"""窗口收件 in a real browser: the clerk registers an in-person application (identity typed in,
scan attached), prints the receipt with the case number and query code; the applicant (no
account) finds the case on the public query page; the clerk accepts it and asks for an
extension, the leader approves it and records the fee at the decision. No request leaves the
site."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from zhengwu.eservices.models import Application, CaseExtension
from zhengwu.identifiers.checksums import generate_resident_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _session(browser: Browser, base: str, username: str, password: str, external: list[str],
             next_path: str) -> Page:  # fmt: skip
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}{next_path}")
    return page


@pytest.fixture
def cw(settings: Any) -> Any:
    from zhengwu.eservices.tests.conftest import PASSWORD, CaseWorld, World

    w = CaseWorld(World(settings))
    w.password = PASSWORD
    return w


def test_counter_registration_receipt_query_extension_fee(
    browser: Browser, live_server: Any, cw: Any, tmp_path: Path
) -> None:
    base = live_server.url
    external: list[str] = []
    scan = tmp_path / "申请书扫描件.pdf"
    scan.write_bytes(PDF)
    id_number = generate_resident_id("990100", dt.date(1955, 3, 8), 11)

    clerk = _session(browser, base, "caseclerk", cw.password, external, "/workbench/cases/counter/")
    clerk.get_by_role("link", name=cw.item.name).click()
    clerk.get_by_label("申请人名称").fill("黄大爷")
    clerk.get_by_label("身份证号码或统一社会信用代码").fill("110101199001011234")  # bad check digit
    clerk.get_by_label("店铺名称").fill("黄记小吃")
    clerk.get_by_label("经营面积（平方米）").fill("12")
    clerk.locator(f"#m-{cw.material.pk}").set_input_files(str(scan))
    clerk.get_by_role("button", name="登记并打印回执").click()
    expect(clerk.locator(".messages")).to_contain_text("校验码")
    assert not Application.objects.exists()
    expect(clerk.get_by_label("店铺名称")).to_have_value("黄记小吃")  # typed data kept
    clerk.get_by_label("身份证号码或统一社会信用代码").fill(id_number)
    clerk.locator(f"#m-{cw.material.pk}").set_input_files(str(scan))
    clerk.get_by_role("button", name="登记并打印回执").click()
    expect(clerk.locator("#receipt")).to_contain_text("申请材料接收回执")
    app = Application.objects.get()
    expect(clerk.locator("#receipt-number")).to_have_text(app.number)
    code = clerk.locator("#receipt-code strong").inner_text()
    assert len(code) == 8 and id_number not in clerk.content()

    # The applicant (no account) follows the case on the public query page.
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(f"{base}/services/query/")
    public.get_by_label("办件编号").fill(app.number)
    public.get_by_label("查询码").fill(code)
    public.get_by_role("button", name="查询").click()
    expect(public.locator("main")).to_contain_text(cw.item.name)

    # 受理, then an extension (行政许可法第42条) approved by the leader on the case page.
    clerk.get_by_role("link", name="打开办件").click()
    clerk.get_by_role("button", name="受理", exact=True).click()
    expect(clerk.locator("#case-status")).to_contain_text("审查中")
    clerk.locator("#ex-reason").fill("需现场核查经营场所")
    clerk.get_by_role("button", name="申请延长", exact=True).click()
    leader = _session(browser, base, "caseleader", cw.password, external,
                      f"/workbench/cases/{app.pk}/")  # fmt: skip
    leader.get_by_role("button", name="批准延长", exact=True).click()
    expect(leader.locator("#extension")).to_contain_text("已批准")
    assert CaseExtension.objects.get().status == "approved"

    # The reviewer recommends; the leader approves and records the fee with its receipt number.
    reviewer = _session(browser, base, "casereviewer", cw.password, external,
                        f"/workbench/cases/{app.pk}/")  # fmt: skip
    reviewer.get_by_role("button", name="建议准予许可").click()
    leader.reload()
    leader.locator("#dc-fee").fill("10")
    leader.locator("#dc-receipt").fill("FS-2026-000123")
    leader.locator("#step-decide").get_by_role("button", name="准予许可").click()
    expect(leader.locator("#case-status")).to_contain_text("已办结")
    app.refresh_from_db()
    assert str(app.fee_charged) == "10.00" and app.fee_receipt_number == "FS-2026-000123"
    assert external == []
