"""Fire due workflow timers (reminders, timeouts, timed waits). Run it every minute from cron:

    * * * * * cd /srv/zhengwu && .venv/bin/python manage.py workflow_tick

Idempotent and safe to run from several hosts at once: each timer fires in its own transaction
with its instance row locked (locked rows are skipped and picked up by the next run).
"""

from typing import Any

from django.core.management.base import BaseCommand

from zhengwu.workflow.actions import timers_tick


class Command(BaseCommand):
    help = "Fire the workflow timers that are due (reminders, timeouts, timed waits)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=500,
                            help="At most this many timers per run (default 500).")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        counts = timers_tick(limit=max(1, options["limit"]))
        self.stdout.write(
            f"fired={counts['fired']} skipped={counts['skipped']} failed={counts['failed']}"
        )
