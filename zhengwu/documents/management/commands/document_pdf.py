"""Write a sent document's sealed PDF by its 发文字号 (operators re-issue, validators check)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.documents.models import OfficialDocument


class Command(BaseCommand):
    help = (
        'Write the sealed PDF of a document: document_pdf "云政办发〔2026〕12号" OUT.pdf '
        "| --latest OUT.pdf"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", nargs="+", metavar="[DOC_NUMBER] OUT")
        parser.add_argument(
            "--latest", action="store_true", help="the most recently sealed document"
        )

    def handle(self, *args: str, **options: Any) -> None:
        sealed = OfficialDocument.objects.filter(pdf__isnull=False).select_related("pdf")
        if options["latest"]:
            if len(args) != 1:
                raise CommandError("usage: document_pdf --latest OUT.pdf")
            out = args[0]
            doc = sealed.order_by("-updated_at", "-pk").first()
            if doc is None:
                raise CommandError("没有已用印的公文。")
        else:
            if len(args) != 2:
                raise CommandError('usage: document_pdf "云政办发〔2026〕12号" OUT.pdf')
            number, out = args
            doc = sealed.filter(doc_number=number.strip()).first()
            if doc is None:
                raise CommandError(f"找不到已用印的公文“{number}”。")
        with doc.pdf.file.open("rb") as fh:
            data = fh.read()
        Path(out).write_bytes(data)
        self.stdout.write(f"{doc.doc_number} {len(data)} bytes -> {out}")
