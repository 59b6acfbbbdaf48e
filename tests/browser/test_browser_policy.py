"""A missing chromium fails the browser tests; only ZHENGWU_SKIP_BROWSER_TESTS=1 skips them."""

from pathlib import Path
from typing import Any

import pytest


def test_a_missing_browser_is_a_failure(
    require_chromium: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ZHENGWU_SKIP_BROWSER_TESTS", raising=False)
    with pytest.raises(pytest.fail.Exception, match="ZHENGWU_SKIP_BROWSER_TESTS=1"):
        require_chromium(str(tmp_path / "chromium"))
    monkeypatch.setenv("ZHENGWU_SKIP_BROWSER_TESTS", "yes")  # only "1" counts
    with pytest.raises(pytest.fail.Exception):
        require_chromium(str(tmp_path / "chromium"))


def test_skipping_must_be_asked_for(
    require_chromium: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ZHENGWU_SKIP_BROWSER_TESTS", "1")
    with pytest.raises(pytest.skip.Exception):
        require_chromium(str(tmp_path / "chromium"))
    present = tmp_path / "chromium-present"
    present.touch()
    require_chromium(str(present))  # a browser that is there is used, whatever the variable
