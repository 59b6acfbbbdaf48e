"""Settings the code reads are defined in config/settings.py, from the environment, with defaults.

A setting read with ``getattr(settings, NAME, default)`` but never defined cannot be configured
per deployment; these are read directly and documented in docs/operations.md.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = (
    "import json, config.settings as s; print(json.dumps({"
    "'base_url': s.ZHENGWU_BASE_URL, 'link_hosts': s.ZHENGWU_NOTIFY_LINK_HOSTS, "
    "'cache': s.ZHENGWU_WORKDAYS_CACHE_SECONDS, 'region': s.ZHENGWU_SITE['region_code'], "
    "'handlers': s.FILE_UPLOAD_HANDLERS}))"
)
VARIABLES = (
    "ZHENGWU_BASE_URL",
    "ZHENGWU_NOTIFY_LINK_HOSTS",
    "ZHENGWU_WORKDAYS_CACHE_SECONDS",
    "ZHENGWU_SITE_REGION_CODE",
)


def _settings_with(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_defaults() -> None:
    values = _settings_with()
    assert values["base_url"] == ""
    assert values["link_hosts"] == []
    assert values["cache"] == 10
    assert values["region"] == "990100"
    assert values["handlers"][0] == "zhengwu.files.handlers.UploadLimitHandler"


def test_each_comes_from_the_environment() -> None:
    values = _settings_with(
        ZHENGWU_BASE_URL="https://www.yunze.gov.example",
        ZHENGWU_NOTIFY_LINK_HOSTS="scjg.yunze.gov.example, www.yunze.gov.example",
        ZHENGWU_WORKDAYS_CACHE_SECONDS="60",
        ZHENGWU_SITE_REGION_CODE="990102",
    )
    assert values["base_url"] == "https://www.yunze.gov.example"
    assert values["link_hosts"] == ["scjg.yunze.gov.example", "www.yunze.gov.example"]
    assert values["cache"] == 60
    assert values["region"] == "990102"


def test_operations_documents_them() -> None:
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for variable in VARIABLES:
        assert f"`{variable}`" in operations, variable
