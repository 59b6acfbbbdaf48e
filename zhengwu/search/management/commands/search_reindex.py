from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.search.actions import search_reindex
from zhengwu.search.registry import sources


class Command(BaseCommand):
    help = "Rebuild the site search index from its registered sources."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source",
            action="append",
            dest="source_keys",
            metavar="KEY",
            help=f"only this source (repeatable); known: {', '.join(sorted(sources())) or '-'}",
        )

    def handle(self, *args: Any, source_keys: list[str] | None = None, **options: Any) -> None:
        def progress(key: str, count: int) -> None:
            self.stdout.write(f"  {key}: {count} entries…")

        try:
            counts = search_reindex(source_keys, progress=progress)
        except KeyError as error:
            raise CommandError(f"unknown source: {error.args[0]}") from None
        for key, count in counts.items():
            self.stdout.write(self.style.SUCCESS(f"{key}: {count} entries indexed"))
