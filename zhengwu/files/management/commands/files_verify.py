"""``manage.py files_verify [--orphans]``: recompute every stored file's SHA-256.

Exits non-zero when a file is missing or altered, naming each one; ``--orphans`` also lists bytes
in storage that no StoredFile row refers to (left by a transaction rolled back after upload).
"""

from collections.abc import Iterator
from typing import Any

from django.core.files.storage import Storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zhengwu.files.actions import file_verify
from zhengwu.files.models import StoredFile


def _walk(storage: Storage, directory: str) -> Iterator[str]:
    try:
        dirs, files = storage.listdir(directory)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in files:
        yield f"{directory}/{name}"
    for sub in dirs:
        yield from _walk(storage, f"{directory}/{sub}")


class Command(BaseCommand):
    help = "Verify the SHA-256 of every stored file and optionally list orphaned bytes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orphans", action="store_true", help="also list unreferenced files")

    def handle(self, *args: Any, **options: Any) -> None:
        broken = 0
        checked = 0
        for stored in StoredFile.objects.order_by("id").iterator():
            checked += 1
            if not file_verify(stored):
                broken += 1
                self.stdout.write(
                    _("BROKEN %(uuid)s %(path)s (%(name)s)")
                    % {"uuid": stored.uuid, "path": stored.file.name, "name": stored.original_name}
                )
        orphans = 0
        if options["orphans"]:
            storage = StoredFile._meta.get_field("file").storage
            known = set(StoredFile.objects.values_list("file", flat=True))
            for path in _walk(storage, "files"):
                if path not in known:
                    orphans += 1
                    self.stdout.write(_("ORPHAN %(path)s") % {"path": path})
        self.stdout.write(
            _("%(checked)s files checked, %(broken)s broken, %(orphans)s orphans")
            % {"checked": checked, "broken": broken, "orphans": orphans}
        )
        if broken:
            raise CommandError(
                _("%(broken)s stored files are missing or altered") % {"broken": broken}
            )
