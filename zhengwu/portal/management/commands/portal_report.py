"""python manage.py portal_report freshness|links [--external] [--timeout S] [--xlsx FILE]

Prints the column-freshness or broken-link report (one line per problem) or writes it as Excel.
Exit status 0 when nothing was found, 1 when the report lists problems (for a monitoring job).
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.core.spreadsheet import xlsx_table
from zhengwu.portal import reports


class Command(BaseCommand):
    help = "Column freshness or broken-link report of the portal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", choices=["freshness", "links"])
        parser.add_argument("--external", action="store_true",
                            help="links: also request every external link (network).")
        parser.add_argument("--timeout", type=float, default=reports.EXTERNAL_TIMEOUT_SECONDS,
                            help="seconds per external request")
        parser.add_argument("--xlsx", help="write the report to this Excel file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["report"] == "freshness":
            table = reports.freshness_table(reports.column_freshness())
        else:
            rows = reports.broken_links()
            if options["external"]:
                rows += reports.broken_external_links(timeout=options["timeout"])
            table = reports.links_table(rows)
        headers, rows = table
        if options["xlsx"]:
            try:
                Path(options["xlsx"]).write_bytes(xlsx_table(options["report"], headers, rows))
            except OSError as error:
                raise CommandError(str(error)) from error
        for row in rows:
            self.stdout.write("\t".join("" if v is None else str(v) for v in row))
        self.stderr.write(f"{len(rows)} problem(s)")
        if rows:
            raise SystemExit(1)
