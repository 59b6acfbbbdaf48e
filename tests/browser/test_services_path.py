"""The whole online-service path in a real browser (issue 4): a citizen finds an item and applies
with an upload; the clerk asks for a correction; the citizen fixes it; the clerk accepts; the
reviewer recommends and the leader approves; the licence is issued; the citizen downloads it,
the verification page says valid; the citizen rates the service. No request leaves the site."""

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

from zhengwu.eservices.models import Application, ServiceItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def cw(settings: Any) -> Any:
    from zhengwu.eservices.tests.conftest import PASSWORD, CaseWorld, World

    w = CaseWorld(World(settings))
    ServiceItem.objects.filter(pk=w.item.pk).update(licence_type="approval")
    w.password = PASSWORD
    return w


def _session(browser: Browser, base: str, username: str, password: str, external: list[str],
             next_path: str) -> Page:  # fmt: skip
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}{next_path}")
    return page


def test_citizen_applies_corrects_gets_licence_and_rates(
    browser: Browser, live_server: Any, cw: Any, tmp_path: Path
) -> None:
    base = live_server.url
    external: list[str] = []
    scan = tmp_path / "申请书.pdf"
    scan.write_bytes(PDF)
    item = cw.item

    # The citizen finds the item through its department in the catalogue and applies.
    citizen = _session(browser, base, "citizen1", cw.password, external, "/services/")
    citizen.get_by_role("link", name=item.organisation.name).first.click()
    citizen.get_by_role("link", name=item.name).first.click()
    citizen.locator("#apply-online").click()
    citizen.get_by_label("店铺名称").fill("小明面馆")
    citizen.get_by_label("经营面积（平方米）").fill("30")
    citizen.locator(f"#m-{cw.material.pk}").set_input_files(str(scan))
    citizen.locator("#submit-application").click()
    expect(citizen.locator("#app-status")).to_have_text("已提交")
    expect(citizen.locator("#query-code")).to_be_visible()
    app = Application.objects.get(applicant=cw.citizen)

    # The clerk asks for a correction (one notice).
    clerk = _session(
        browser, base, "caseclerk", cw.password, external, f"/workbench/cases/{app.pk}/"
    )
    clerk.locator(f"input[name=m_{cw.material.pk}]").check()
    clerk.locator(f"input[name=note_{cw.material.pk}]").fill("缺少法定代表人签字")
    clerk.get_by_role("button", name="发送补正告知书").click()
    expect(clerk.locator("#case-status")).to_contain_text("待补正")

    # The citizen sees the notice, uploads the fixed file and resubmits the same case.
    citizen.goto(f"{base}/services/my/{app.pk}/")
    expect(citizen.locator("#correction-notice")).to_contain_text("缺少法定代表人签字")
    citizen.locator(f"#m-{cw.material.pk}").set_input_files(str(scan))
    citizen.locator("#submit-application").click()
    expect(citizen.locator("#app-status")).to_have_text("已提交")

    # The clerk accepts, the reviewer recommends, the leader approves.
    clerk.reload()
    clerk.get_by_role("button", name="受理", exact=True).click()
    expect(clerk.locator("#case-status")).to_contain_text("审查中")
    reviewer = _session(browser, base, "casereviewer", cw.password, external,
                        f"/workbench/cases/{app.pk}/")  # fmt: skip
    reviewer.get_by_role("button", name="建议准予许可").click()
    leader = _session(browser, base, "caseleader", cw.password, external,
                      f"/workbench/cases/{app.pk}/")  # fmt: skip
    leader.locator("#step-decide").get_by_role("button", name="准予许可").click()
    expect(leader.locator("#case-status")).to_contain_text("已办结")

    # The citizen downloads the licence; its verification page says valid.
    citizen.goto(f"{base}/services/my/{app.pk}/")
    with citizen.expect_download() as download:
        citizen.locator("#licence-download").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    verify = urlparse(citizen.locator("#licence-verify").get_attribute("href") or "").path
    citizen.goto(f"{base}{verify}")
    expect(citizen.locator(".lic-status")).to_contain_text("有效")

    # The citizen rates the service.
    citizen.goto(f"{base}/services/my/{app.pk}/")
    citizen.get_by_label("非常满意").check()
    citizen.get_by_label("评价内容").fill("办事很方便")
    citizen.locator("#rate-submit").click()
    expect(citizen.locator("#rating")).to_contain_text("非常满意")
    assert external == []
