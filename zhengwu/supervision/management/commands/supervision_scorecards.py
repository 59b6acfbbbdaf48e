"""Compute (or recompute, idempotently) the departments' monthly scorecards.

    manage.py supervision_scorecards --month 2026-10
    manage.py supervision_scorecards                    # last month (cron: early each month)
    manage.py supervision_scorecards --month 2026-10 --current-rule

A month that already has cards is recomputed with the rule version it was computed with, unless
``--current-rule`` is given.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhengwu.core.errors import ApplicationError
from zhengwu.supervision import scorecards


class Command(BaseCommand):
    help = "Compute the departments' monthly scorecards (default: last month)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", default="", help="YYYY-MM (default: last month)")
        parser.add_argument(
            "--current-rule",
            action="store_true",
            help="use the current scoring rule even if the month was computed with an older one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = (
                scorecards.month_parse(options["month"])
                if options["month"]
                else scorecards.month_previous(timezone.localdate().replace(day=1))
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        rule = scorecards.current_rule() if options["current_rule"] else None
        cards = scorecards.scorecards_compute(month=month, rule=rule)
        self.stdout.write(
            f"{month:%Y-%m}: {len(cards)} scorecards"
            + (f" (rule v{cards[0].rule_id})" if cards else "")
        )
