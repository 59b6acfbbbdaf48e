"""``python manage.py audit_verify``: check the audit chain; exit 1 naming the first broken row."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zhengwu.audit.chain import verify_database


def _anchor(value: str) -> tuple[int, str]:
    seq, sep, digest = value.partition(":")
    if not (sep and seq.isdigit() and len(digest) == 64):
        raise CommandError(_("An anchor looks like SEQ:HASH (64 hexadecimal digits)."))
    return int(seq), digest.lower()


class Command(BaseCommand):
    help = _(
        "Verify the hash chain of the audit trail. Exits 0 when it is intact and 1 naming the "
        "first altered, missing or reordered entry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=2000, help=_("Rows read per query."))
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="SEQ:HASH",
            help=_(
                "A sequence and hash recorded earlier outside the database (e.g. from a previous "
                "run); the entry must still have that hash. May be given more than once."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError(_("The batch size must be at least 1."))
        anchors = dict(_anchor(a) for a in options["anchor"])
        result = verify_database(batch_size=options["batch_size"], anchors=anchors)
        if result.first_break is None:
            self.stdout.write(
                _(
                    "Audit trail intact: %(count)s entries in total, last sequence %(seq)s, "
                    "head hash %(hash)s."
                )
                % {"count": result.count, "seq": result.last_seq, "hash": result.last_hash}
            )
            return
        self.stderr.write(
            _("Audit trail BROKEN. First broken entry: %(problem)s.")
            % {"problem": result.first_break.describe()}
        )
        self.stderr.write(
            _("%(breaks)s problem(s) found while checking %(count)s entries.")
            % {"breaks": result.break_count, "count": result.count}
        )
        sys.exit(1)
