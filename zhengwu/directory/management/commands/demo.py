"""``python manage.py demo``: load (or top up) the demo world and print its accounts once.

The command knows no module: it runs every loader registered with
``zhengwu.core.registry.register_demo_loader`` in order, each in its own transaction, and then
prints the user names and passwords the loaders returned as one table.
"""

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from zhengwu.core.registry import DemoCredential, demo_loaders


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def credentials_table(rows: list[DemoCredential]) -> str:
    headings = ("用户名", "密码", "说明")
    widths = [
        max(display_width(str(row[i])) for row in [headings, *rows]) for i in range(2)
    ]
    lines = [f"{pad(headings[0], widths[0])}  {pad(headings[1], widths[1])}  {headings[2]}"]
    lines.append("-" * (widths[0] + widths[1] + 4 + max(display_width(r[2]) for r in rows)))
    lines.extend(f"{pad(u, widths[0])}  {pad(p, widths[1])}  {d}" for u, p, d in rows)
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Load the 云泽市 demo world idempotently and print every demo account once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only", action="append", default=[], metavar="KEY",
            help="run only the loader(s) with this key (repeatable)",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        loaders = demo_loaders.ordered()
        if options["only"]:
            loaders = [(key, loader) for key, loader in loaders if key in options["only"]]
        credentials: dict[str, DemoCredential] = {}
        for key, loader in loaders:
            self.stdout.write(f"演示数据：{key}")
            with transaction.atomic():
                for row in loader(self.stdout):
                    credentials[row[0]] = row  # a later loader may describe an account better
        if not credentials:
            self.stdout.write("没有演示账号。")
            return
        self.stdout.write("")
        self.stdout.write("演示账号（密码只在此处显示；账号已存在时不会重置密码）：")
        self.stdout.write(credentials_table(list(credentials.values())))
