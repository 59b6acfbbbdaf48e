"""Finish dispatches a crash left in ``sending`` (creates only the missing deliveries)."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from zhengwu.exchange.actions import dispatch_resume
from zhengwu.exchange.models import Dispatch


class Command(BaseCommand):
    help = "Resume dispatches left in status 'sending' after a crash (no unit twice, none skipped)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="dispatch ids (default: all stuck)")
        parser.add_argument(
            "--older-than", type=int, default=5, metavar="MINUTES",
            help="only dispatches created at least this long ago (default 5), so a send "
                 "still running is left alone; ignored when ids are given",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        qs = Dispatch.objects.filter(status=Dispatch.Status.SENDING).order_by("pk")
        if options["ids"]:
            qs = qs.filter(pk__in=options["ids"])
        else:
            qs = qs.filter(
                created_at__lte=timezone.now() - timedelta(minutes=options["older_than"])
            )
        total = 0
        for dispatch in qs:
            created = dispatch_resume(actor=None, dispatch=dispatch)
            total += created
            self.stdout.write(f"dispatch {dispatch.pk}: {created} deliveries created")
        self.stdout.write(f"{total} deliveries created in total")
