"""Every user-visible string has a Simplified Chinese translation (DESIGN.md)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

APPS_DIR = Path(settings.BASE_DIR) / "zhengwu"
APP_DIRS = sorted(p for p in APPS_DIR.iterdir() if (p / "apps.py").exists())
MANAGE = Path(settings.BASE_DIR) / "manage.py"


def _catalogue(app: Path) -> Path:
    return app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("app", APP_DIRS, ids=[p.name for p in APP_DIRS])
def test_every_extracted_string_is_translated(app: Path, tmp_path: Path) -> None:
    copy = tmp_path / app.name
    shutil.copytree(app, copy, ignore=shutil.ignore_patterns("locale", "tests", "migrations"))
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, str(MANAGE), "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v", "0"],
        cwd=copy,
        check=True,
    )
    fresh = _catalogue(copy)
    if not fresh.exists():
        return  # the app has no user-visible strings
    committed = _catalogue(app)
    assert committed.exists(), f"{app.name} has strings but no zh_Hans catalogue"
    result = subprocess.run(
        ["msgcmp", str(committed), str(fresh)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{app.name}: missing or untranslated strings:\n{result.stderr}"
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(committed)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "msgid" not in fuzzy.stdout, f"{app.name} has fuzzy translations:\n{fuzzy.stdout}"


def test_no_two_apps_translate_the_same_string_differently(tmp_path: Path) -> None:
    """Django merges every app's catalogue, so one msgid must mean one wording everywhere
    (use a different msgid or a msgctxt where the meaning differs)."""
    catalogues = [str(_catalogue(app)) for app in APP_DIRS if _catalogue(app).exists()]
    merged = subprocess.run(
        ["msgcat", "--no-wrap", *catalogues], capture_output=True, text=True, check=True
    ).stdout
    blocks = merged.split("\n\n")
    conflicts = [b for b in blocks if "#-#-#-#-#" in b and 'msgid ""\n' not in b]
    assert not conflicts, "Conflicting translations:\n" + "\n\n".join(conflicts[:10])
