"""``manage.py workflow_deploy FILE.bpmn``: deploy a BPMN file as the next version."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zhengwu.core.errors import ApplicationError
from zhengwu.workflow.actions import definition_deploy, unassigned_steps


class Command(BaseCommand):
    help = "Validate a BPMN 2.0 file and deploy it as the next version of its process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to a .bpmn file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s")
                               % {"path": path, "error": exc.strerror}) from None  # fmt: skip
        try:
            definition = definition_deploy(actor=None, bpmn_xml=content, filename=path.name)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        if getattr(definition, "was_created", True):
            self.stdout.write(_("Deployed %(key)s version %(version)d.")
                              % {"key": definition.key, "version": definition.version})  # fmt: skip
        else:
            self.stdout.write(_("Unchanged: %(key)s version %(version)d is already deployed.")
                              % {"key": definition.key, "version": definition.version})  # fmt: skip
        for element_id, name in unassigned_steps(definition):
            self.stdout.write(_("Unassigned step: %(name)s (%(id)s)")
                              % {"name": name, "id": element_id})  # fmt: skip
