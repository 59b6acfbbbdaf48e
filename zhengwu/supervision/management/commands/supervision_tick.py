"""cron: ``*/5 * * * * cd /srv/zhengwu && .venv/bin/python manage.py supervision_tick``."""

from typing import Any

from django.core.management.base import BaseCommand

from zhengwu.supervision.actions import rules_run
from zhengwu.supervision.clocks import clocks_tick


class Command(BaseCommand):
    help = "Sync clocks from deadlines, re-evaluate red/yellow cards, notify, run the rules."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-rules", action="store_true", help="skip the irregularity rules")

    def handle(self, *args: Any, **options: Any) -> None:
        result = clocks_tick()
        flags = 0 if options["no_rules"] else len(rules_run())
        self.stdout.write(
            f"synced={result['synced']} changed={result['changed']} "
            f"notified={result['notified']} flags={flags}"
        )
