"""Fixtures: a city, two units, a small PDF."""

from typing import Any

import pytest
import weasyprint

from zhengwu.directory.actions import organisation_create
from zhengwu.directory.models import Region
from zhengwu.signing import pdf as pdf_module


@pytest.fixture(autouse=True)
def _fresh_caches(settings: Any) -> Any:
    # Each test database has its own keys; the per-process caches must not leak between tests.
    settings.ZHENGWU_SIGNING_KEY = "test-signing-secret"
    pdf_module.caches_clear()
    yield
    pdf_module.caches_clear()


class Units:
    def __init__(self) -> None:
        region = Region.objects.create(code="990100", name="云泽市", level=2)
        self.city = organisation_create(
            actor=None, name="云泽市人民政府", kind="government", region=region,
            code="sg-city", credit_code="11990100MB0000019L",
        )  # fmt: skip
        self.bureau = organisation_create(
            actor=None, name="市市场监督管理局", kind="department", region=region,
            parent=self.city, code="sg-scjg",
        )  # fmt: skip


@pytest.fixture
def units(db: Any) -> Units:
    return Units()


_PDF_CACHE: dict[str, bytes] = {}


def make_pdf(pages: int = 1, text: str = "云泽市市场监督管理局 通知") -> bytes:
    key = f"{pages}:{text}"
    if key not in _PDF_CACHE:
        body = "".join(
            f"<section style='page-break-after: always'><h1>{text}</h1><p>第{i + 1}页。"
            f"成文日期：2026年3月1日</p></section>"
            for i in range(pages)
        )
        _PDF_CACHE[key] = weasyprint.HTML(string=f"<html><body>{body}</body></html>").write_pdf()
    return _PDF_CACHE[key]


@pytest.fixture
def small_pdf() -> bytes:
    return make_pdf()
