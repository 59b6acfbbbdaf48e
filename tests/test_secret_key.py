"""The embedded installation generates its own secret key; the published one is refused."""

import os
import stat
import subprocess
import sys
from pathlib import Path

from config.settings import _PUBLISHED_SECRET, BASE_DIR, _embedded_secret_key


def test_a_missing_key_is_generated_once_readable_by_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secret_key"
    first = _embedded_secret_key(path)
    assert len(first) >= 50 and first != _PUBLISHED_SECRET
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _embedded_secret_key(path) == first  # reused, not regenerated
    assert _embedded_secret_key(tmp_path / "other" / "secret_key") != first


def _start(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGWU_")}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"], cwd=BASE_DIR, env={**environment, **env},
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_the_key_published_in_the_source_is_refused_unless_debugging(tmp_path: Path) -> None:
    refused = _start(ZHENGWU_SECRET_KEY=_PUBLISHED_SECRET, ZHENGWU_VAR_DIR=str(tmp_path))
    assert refused.returncode != 0 and "published" in refused.stderr
    debugging = _start(ZHENGWU_SECRET_KEY=_PUBLISHED_SECRET, ZHENGWU_DEBUG="1",
                       ZHENGWU_VAR_DIR=str(tmp_path))  # fmt: skip
    assert debugging.returncode == 0, debugging.stderr
    production = _start(ZHENGWU_PRODUCTION="1", ZHENGWU_VAR_DIR=str(tmp_path))
    assert production.returncode != 0 and "must be set in production" in production.stderr
    embedded = _start(ZHENGWU_VAR_DIR=str(tmp_path))
    assert embedded.returncode == 0, embedded.stderr
    assert (tmp_path / "secret_key").exists()
