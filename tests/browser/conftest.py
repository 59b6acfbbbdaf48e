"""Playwright fixtures on Debian's chromium (`playwright install` cannot download here).

A missing chromium fails every browser test unless ``ZHENGWU_SKIP_BROWSER_TESTS=1`` is set (CI
always has it, so a broken install must not pass as "skipped").

Browser tests run against pytest-django's ``live_server`` and need
``@pytest.mark.django_db(transaction=True)`` so the server thread sees the test's data.
A failing test leaves a screenshot in ``test-results/``.
"""

import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = os.environ.get("ZHENGWU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[Any]:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _require_chromium(path: str) -> None:
    """Fail when the browser is missing; skip only when ZHENGWU_SKIP_BROWSER_TESTS=1 says so.

    CI always installs chromium: a missing browser must fail there, not pass as "skipped".
    """
    if Path(path).exists():
        return
    if os.environ.get("ZHENGWU_SKIP_BROWSER_TESTS") == "1":
        pytest.skip(f"{path} is missing and ZHENGWU_SKIP_BROWSER_TESTS=1")
    pytest.fail(
        f"{path} is missing: install Debian's chromium (make setup does), point "
        "ZHENGWU_CHROMIUM at it, or set ZHENGWU_SKIP_BROWSER_TESTS=1 to skip browser tests",
        pytrace=False,
    )


@pytest.fixture
def require_chromium() -> Any:
    """The check ``browser`` runs first (a fixture so its own test can reach it)."""
    return _require_chromium


@pytest.fixture(scope="session")
def browser() -> Generator[Browser]:
    _require_chromium(CHROMIUM)
    # The sync Playwright API keeps an asyncio loop running in this thread; Django would then
    # refuse ORM calls from test code, although they are ordinary synchronous calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Generator[Page]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=True)
    context.close()
