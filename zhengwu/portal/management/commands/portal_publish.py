"""(Re)write the whole static export of the portal; exit non-zero if any page failed."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhengwu.portal import publish


class Command(BaseCommand):
    help = "Write every public portal page as static HTML to PORTAL_PUBLISH_DIR."

    def handle(self, *args: Any, **options: Any) -> None:
        report = publish.publish_all()
        self.stdout.write(f"portal_publish: {report.written} pages written to "
                          f"{publish.publish_dir()}, {len(report.removed)} stale files removed")
        if report.failed:
            for line in report.failed:
                self.stderr.write(f"failed: {line}")
            raise CommandError(f"{len(report.failed)} pages could not be written")
