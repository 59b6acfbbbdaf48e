"""``manage.py eservices_setup``: what a fresh installation needs before departments can publish
items — the standard topics and life events, and the review process deployed and assigned."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhengwu.core.errors import ApplicationError
from zhengwu.eservices.actions import review_process_setup
from zhengwu.eservices.taxonomy import taxonomy_ensure


class Command(BaseCommand):
    help = "Seed the catalogue taxonomies and deploy the item review process (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--review-role",
            default=None,
            help="Role code of the reviewers (default: ZHENGWU_ESERVICES_REVIEW_ROLE).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        created = taxonomy_ensure()
        try:
            definition = review_process_setup(actor=None, role_code=options["review_role"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(
            f"taxonomy entries created: {created}; review process "
            f"{definition.key} v{definition.version}"
        )
