from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EservicesConfig(AppConfig):
    name = "zhengwu.eservices"
    verbose_name = _("Online services")

    def ready(self) -> None:
        from zhengwu.core.registry import MenuItem, Shortcut, register_demo_loader, workbench
        from zhengwu.eservices import demo
        from zhengwu.eservices.actions import FORM_PURPOSE, SUBJECT_TYPE, review_step
        from zhengwu.files.registry import register_read_rule
        from zhengwu.workflow.registry import register_subject_type

        workbench.register_menu(
            MenuItem(
                "eservices.items",
                _("Service catalogue"),
                "eservices_manage:item_list",
                order=40,
                permissions=("eservices.view_serviceitem",),
            )
        )
        workbench.register_shortcut(
            Shortcut(
                "eservices.item_create",
                _("New service item"),
                "eservices_manage:item_create",
                description=_("Add an item to your department's service catalogue."),
                order=40,
                permissions=("eservices.change_serviceitem",),
            )
        )
        register_subject_type(
            SUBJECT_TYPE, _("service item"), resolve=_resolve_item, on_step=review_step
        )
        # Blank forms and samples are public once the item is published (served by the guide's
        # own download view); through files:download any staff member may read them.
        register_read_rule(FORM_PURPOSE, _staff_reads_forms)
        register_demo_loader("eservices", demo.load, order=30)


def _resolve_item(owner_id: str) -> tuple[str, str] | None:
    from django.urls import reverse

    from zhengwu.eservices.models import ServiceItem

    item = (
        ServiceItem.objects.filter(pk=int(owner_id)).only("name").first()
        if owner_id.isdigit()
        else None
    )
    if item is None:
        return None
    return item.name, reverse("eservices_manage:item_detail", args=[item.pk])


def _staff_reads_forms(actor: Any, stored_file: Any) -> bool:
    return getattr(actor, "kind", "") == "staff"
