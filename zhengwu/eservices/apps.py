from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EservicesConfig(AppConfig):
    name = "zhengwu.eservices"
    verbose_name = _("Online services")

    def ready(self) -> None:
        from zhengwu.core.registry import MenuItem, Shortcut, register_demo_loader, workbench
        from zhengwu.eservices import demo, search_source
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
        from zhengwu.eservices import revisions

        register_subject_type(
            revisions.SUBJECT_TYPE,
            _("service item revision"),
            resolve=revisions.resolve,
            on_step=revisions.revision_step,
        )
        # Blank forms and samples are public once the item is published (served by the guide's
        # own download view); through files:download any staff member may read them.
        register_read_rule(FORM_PURPOSE, _staff_reads_forms)
        register_demo_loader("eservices", demo.load, order=30)
        search_source.register()
        self._ready_cases()

    def _ready_cases(self) -> None:
        """Applications (办件): workflow subject, file read rule, deadlines, workbench menu."""
        from zhengwu.core.registry import MenuItem, Shortcut, register_demo_loader, workbench
        from zhengwu.eservices import cases, demo_cases
        from zhengwu.eservices.models import APPLICATION_OWNER_TYPE
        from zhengwu.files.registry import register_read_rule
        from zhengwu.workdays.actions import on_deadlines_changed
        from zhengwu.workflow.registry import register_subject_type

        workbench.register_menu(
            MenuItem(
                "eservices.cases",
                _("Cases"),
                "cases:list",
                order=41,
                permissions=(cases.HANDLE_PERM,),
            )
        )
        workbench.register_shortcut(
            Shortcut(
                "eservices.counter",
                _("Counter registration"),
                "cases:counter",
                description=_("Register an application handed in at the counter."),
                order=41,
                permissions=(cases.HANDLE_PERM,),
            )
        )
        register_subject_type(
            APPLICATION_OWNER_TYPE, _("application"), resolve=_resolve_case, on_step=cases.case_step
        )
        register_read_rule(cases.MATERIAL_PURPOSE, _reads_material)
        from zhengwu.eservices import extensions

        register_subject_type(
            extensions.SUBJECT_TYPE,
            _("case time limit extension"),
            resolve=extensions.resolve,
            on_step=extensions.extension_step,
        )
        on_deadlines_changed(cases.deadlines_moved)
        register_demo_loader("eservices_cases", demo_cases.load, order=35)


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


def _resolve_case(owner_id: str) -> tuple[str, str] | None:
    from django.urls import reverse

    from zhengwu.eservices.models import Application

    app = (
        Application.objects.filter(pk=int(owner_id)).select_related("item").first()
        if owner_id.isdigit()
        else None
    )
    if app is None:
        return None
    return f"{app.number} {app.item.name}", reverse("cases:detail", args=[app.pk])


def _reads_material(actor: Any, stored_file: Any) -> bool:
    """Applicants read their own files (the uploader rule); staff of the handling (or a joint)
    department read the materials of its cases."""
    from zhengwu.eservices.cases import may_handle_case
    from zhengwu.eservices.models import ApplicationMaterial

    row = (
        ApplicationMaterial.objects.filter(file=stored_file)
        .select_related("application__handling_organisation")
        .first()
    )
    if row is None:
        return False
    app = row.application
    if app.applicant_id is not None and app.applicant_id == actor.pk:
        return True
    return may_handle_case(actor, app)
