"""``manage.py eservices_sweep``: the periodic jobs of cases (办件), meant for cron.

- 行政许可法 第32条: submitted cases without a decision on acceptance within 5 working days are
  accepted by law from receipt (``cases.deemed_acceptance_sweep``).

Idempotent: a case is marked once, so running the command twice (or two overlapping runs, each
case being locked) changes nothing the second time. Exit status: 0 done, 1 a job failed (the
message is on stderr; the other jobs still ran), 2 bad arguments (argparse).
"""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhengwu.eservices.cases import deemed_acceptance_sweep


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = "Run the periodic jobs of online-service cases (deemed acceptance); idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--today",
            type=_day,
            default=None,
            help="Run as of this date (YYYY-MM-DD; default today).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        failed = []
        jobs = (("deemed_acceptance", deemed_acceptance_sweep),)
        for name, job in jobs:
            try:
                done = job(today=options["today"])
            except Exception as exc:  # noqa: BLE001 - report, run the other jobs, exit 1
                failed.append(name)
                self.stderr.write(f"eservices_sweep: {name} failed: {exc!r}")
                continue
            self.stdout.write(f"{name}: {len(done)} case(s)")
        if failed:
            raise CommandError(f"failed: {', '.join(failed)}", returncode=1)
