"""Accessibility proof of the public portal (issue 6): axe-core, injected from the vendored copy
(tests/browser/vendor, MPL-2.0), finds no serious or critical violation of WCAG 2.1 A/AA on the
home page, a column, an article, the search page with results and a service guide."""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from zhengwu.portal.tests.conftest import portal  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical violations on the current page, each with its failing elements."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]  # fmt: skip


def assert_accessible(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    violations = axe_violations(page)
    assert violations == [], f"{url}: {violations}"


def test_portal_pages_have_no_serious_violations(
    browser: Browser, live_server: Any, portal: Any  # noqa: F811
) -> None:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    base = live_server.url
    for path in ("/", "/news/", "/news/yingshang/", "/policies/yingshang-cuoshi/", "/scjg/",
                 "/search/?q=营商环境", "/sitemap/"):  # fmt: skip
        assert_accessible(page, base + path)
    # The search page really shows results (not an empty page that passes trivially).
    page.goto(base + "/search/?q=营商环境")
    assert page.get_by_role("link", name="云泽市召开优化营商环境推进会").count() >= 1
    context.close()


def test_a_service_guide_has_no_serious_violations(
    browser: Browser, live_server: Any, settings: Any
) -> None:
    from zhengwu.eservices.tests.conftest import World

    world = World(settings)
    item = world.item(status="published")
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    assert_accessible(page, f"{live_server.url}/services/items/{item.code}/")
    context.close()


def test_the_axe_check_can_fail(browser: Browser, live_server: Any) -> None:
    """The check itself: an image without alt text and an unlabeled field are reported."""
    context = browser.new_context()
    page = context.new_page()
    page.set_content('<html lang="zh-CN"><body><main><img src="x.png">'
                     '<input type="text"></main></body></html>')  # fmt: skip
    ids = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label"} <= ids
    context.close()
