"""The licence verification pages on a phone-sized screen, as someone scanning the QR code
sees them, and the PDF upload check — in a real browser (Debian's chromium)."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from zhengwu.licences.tests.conftest import World
from zhengwu.licences.tests.helpers import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _issue() -> Any:
    try:
        return World().issue()
    finally:
        connection.close()


def test_scan_verify_and_upload_on_a_phone(page: Page, live_server: Any, tmp_path: Path,
                                           settings: Any) -> None:  # fmt: skip
    settings.ZHENGWU_BASE_URL = live_server.url
    # pyHanko's synchronous signing calls asyncio.run(), which refuses to run inside the event
    # loop that Playwright's sync API keeps in this thread: issue the licence from another one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        licence = pool.submit(_issue).result()
    other_hosts: list[str] = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        live_server.url) else (other_hosts.append(route.request.url), route.abort()))  # fmt: skip
    page.set_viewport_size({"width": 375, "height": 740})

    page.goto(f"{live_server.url}{licence.verify_url}")
    expect(page.get_by_role("status")).to_have_text("有效")
    expect(page.get_by_text(licence.number)).to_be_visible()
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("link", name="核验证照PDF文件").click()
    original = tmp_path / "licence.pdf"
    original.write_bytes(pdf_bytes(licence))
    page.get_by_label("证照PDF文件").set_input_files(str(original))
    page.get_by_role("button", name="核验").click()
    expect(page.get_by_text("电子印章完好")).to_be_visible()

    tampered = bytearray(original.read_bytes())
    tampered[len(tampered) // 3] ^= 0x01
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(tampered))
    page.get_by_label("证照PDF文件").set_input_files(str(changed))
    page.get_by_role("button", name="核验").click()
    expect(page.get_by_role("status")).to_have_text("已被篡改")
    assert not other_hosts
