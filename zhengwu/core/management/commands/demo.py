"""``python manage.py demo``: load (or top up) the demo world and print its accounts once.

The command knows no module: it runs every loader registered with
``zhengwu.core.registry.register_demo_loader`` in order, each in its own transaction, and then
prints the user names and passwords the loaders returned as one table. A password that no
longer opens its account (someone changed it since) is not printed: the table says so instead.
"""

import os
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from zhengwu.core.registry import DemoCredential, demo_loaders


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def credentials_table(rows: list[DemoCredential]) -> str:
    headings = (pgettext("demo", "User name"), pgettext("demo", "Password"),
                pgettext("demo", "Description"))  # fmt: skip
    widths = [
        max(display_width(str(row[i])) for row in [headings, *rows]) for i in range(2)
    ]
    lines = [f"{pad(headings[0], widths[0])}  {pad(headings[1], widths[1])}  {headings[2]}"]
    lines.append("-" * (widths[0] + widths[1] + 4 + max(display_width(r[2]) for r in rows)))
    lines.extend(f"{pad(u, widths[0])}  {pad(p, widths[1])}  {d}" for u, p, d in rows)
    return "\n".join(lines)


def hide_changed_passwords(
    rows: list[DemoCredential], created_since: Any
) -> list[DemoCredential]:
    """Replace the password of every account whose stored password is no longer the derived
    one by "(changed)": the table must not hand out a password that was replaced on purpose
    (nor suggest that it still works). Accounts created by this run are known to match; the
    others are checked in parallel threads (PBKDF2 releases the GIL), without saving anything.
    """
    stored = dict(
        get_user_model()
        .objects.filter(username__in=[row[0] for row in rows], date_joined__lt=created_since)
        .values_list("username", "password")
    )

    def still_valid(row: DemoCredential) -> bool:
        encoded = stored.get(row[0])
        return encoded is None or check_password(row[1], encoded)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        valid = list(pool.map(still_valid, rows))
    changed = _("(changed)")
    return [row if ok else (row[0], changed, row[2]) for row, ok in zip(rows, valid, strict=True)]


class Command(BaseCommand):
    help = "Load the Yunze demo world idempotently and print every demo account once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only", action="append", default=[], metavar="KEY",
            help="run only the loader(s) with this key (repeatable)",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            self.run(options["only"])

    def run(self, only: list[str]) -> None:
        started = timezone.now()
        loaders = demo_loaders.ordered()
        if only:
            loaders = [(key, loader) for key, loader in loaders if key in only]
        credentials: dict[str, DemoCredential] = {}
        for key, loader in loaders:
            self.stdout.write(_("Demo data: %(key)s") % {"key": key})
            with transaction.atomic():
                for row in loader(self.stdout):
                    credentials[row[0]] = row  # a later loader may describe an account better
        if not credentials:
            self.stdout.write(_("No demo accounts."))
            return
        rows = hide_changed_passwords(list(credentials.values()), started)
        self.stdout.write("")
        self.stdout.write(_("Demo accounts (passwords are shown only here; an account that "
                            "already exists keeps its password):"))  # fmt: skip
        self.stdout.write(credentials_table(rows))
