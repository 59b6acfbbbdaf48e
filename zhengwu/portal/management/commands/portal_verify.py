"""Check the static export against its SHA-256 manifest, restore what changed, alert.

Exit status: 0 when the export matched; 1 when files had been changed, deleted or planted
(restored, alert raised); 2 when something could not be restored. Schedule it every few minutes
(docs/operations.md).
"""

import sys
from typing import Any

from django.core.management.base import BaseCommand

from zhengwu.portal import publish


class Command(BaseCommand):
    help = "Verify the static export against the manifest and restore tampered files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-restore", action="store_true", help="Only report.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = publish.verify(restore=not options["no_restore"])
        for label, paths in (("changed", report.changed), ("missing", report.missing),
                             ("unexpected", report.unexpected), ("restored", report.restored),
                             ("failed", report.failed)):  # fmt: skip
            for path in paths:
                self.stdout.write(f"{label}: {path}")
        if report.failed:
            self.stderr.write("portal_verify: some files could not be restored")
            sys.exit(2)
        if report.tampered:
            self.stderr.write("portal_verify: the export had been tampered with (alert raised)")
            sys.exit(1)
        self.stdout.write("portal_verify: the export matches the manifest")
