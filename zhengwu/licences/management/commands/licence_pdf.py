"""``manage.py licence_pdf LICENCE_NUMBER OUT.pdf`` or ``licence_pdf --latest OUT.pdf``.

Writes an issued licence's stored, signed PDF unchanged (for operators re-sending a licence and
for independent validation, e.g. ``pdfsig OUT.pdf``). Exits non-zero with a Chinese message when
the licence is unknown or its stored bytes no longer match the recorded SHA-256.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_record
from zhengwu.licences import selectors
from zhengwu.signing.services import pdf_sha256


class Command(BaseCommand):
    help = "Write an issued licence's signed PDF to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", nargs="+", metavar="[LICENCE_NUMBER] OUT.pdf")
        parser.add_argument("--latest", action="store_true",
                            help="the most recently issued licence")  # fmt: skip

    def handle(self, *args: str, **options: Any) -> None:
        if options["latest"]:
            if len(args) != 1:
                raise CommandError(_("Usage: licence_pdf --latest OUT.pdf"))
            licence = selectors.latest_licence()
            if licence is None:
                raise CommandError(_("No licence has been issued yet."))
        else:
            if len(args) != 2:
                raise CommandError(_("Usage: licence_pdf LICENCE_NUMBER OUT.pdf"))
            licence = selectors.licence_by_number(args[0].strip())
            if licence is None:
                raise CommandError(_("There is no licence with the number %(number)s.")
                                   % {"number": args[0]})  # fmt: skip
        try:
            with licence.pdf.file.open("rb") as handle:
                data = handle.read()
        except OSError:
            raise CommandError(_("The PDF of licence %(number)s is missing from storage.")
                               % {"number": licence.number}) from None  # fmt: skip
        if pdf_sha256(data) != licence.pdf_sha256:
            raise CommandError(_("The stored PDF of licence %(number)s has been altered or "
                                 "damaged.") % {"number": licence.number})  # fmt: skip
        out = Path(args[-1])
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise CommandError(_("Cannot write %(path)s: %(error)s")
                               % {"path": out, "error": exc.strerror}) from None  # fmt: skip
        with transaction.atomic():
            audit_record(actor="system:licence_pdf", action="licences.licence.export_pdf",
                         target=licence, is_read=True, changes={"path": str(out)})  # fmt: skip
        self.stdout.write(_("Licence %(number)s written to %(path)s (%(size)s bytes).")
                          % {"number": licence.number, "path": out, "size": len(data)})  # fmt: skip
