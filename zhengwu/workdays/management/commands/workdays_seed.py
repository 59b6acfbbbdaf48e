"""Seed the working-day calendar from chinese-calendar: every year it knows, or one year."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.core.errors import ValidationFailed
from zhengwu.workdays.actions import calendar_seed_all, calendar_year_seed


class Command(BaseCommand):
    help = (
        "Seed statutory holidays and make-up workdays from chinese-calendar. Idempotent; "
        "never overwrites days entered by an administrator."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, help="seed only this year")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["year"] is not None:
                results = [calendar_year_seed(actor=None, year=options["year"])]
            else:
                results = calendar_seed_all(actor=None)
        except ValidationFailed as error:
            raise CommandError(str(error.message)) from None
        changed = [r for r in results if r.changed]
        for r in changed:
            self.stdout.write(
                f"{r.year}: +{r.created} ~{r.updated} -{r.deleted} "
                f"(deadlines moved: {r.deadlines_moved})"
            )
        self.stdout.write(f"workdays_seed: {len(results)} years checked, {len(changed)} changed")
