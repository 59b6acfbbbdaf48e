from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "zhengwu.supervision"
    verbose_name = _("Electronic supervision")

    def ready(self) -> None:
        from zhengwu.core.registry import MenuItem, register_demo_loader, workbench
        from zhengwu.supervision import actions, demo
        from zhengwu.supervision.registry import register_clock_owner
        from zhengwu.supervision.rules import register_default_rules
        from zhengwu.workflow.registry import register_subject_type

        workbench.register_menu(
            MenuItem(
                "supervision.dashboard",
                _("Electronic supervision"),
                "supervision:dashboard",
                order=60,
                permissions=("supervision.supervise",),
            )
        )
        register_subject_type(
            actions.EXTENSION_SUBJECT,
            _("time limit extension"),
            resolve=_resolve_extension,
            on_step=actions.extension_step,
        )
        register_subject_type(
            actions.FLAG_SUBJECT,
            _("supervision task"),
            resolve=_resolve_flag,
            on_step=actions.flag_step,
        )
        register_subject_type(
            actions.COMPLAINT_SUBJECT,
            _("complaint"),
            resolve=_resolve_complaint,
            on_step=actions.complaint_step,
        )
        from zhengwu.eservices.registry import register_case_public_link

        register_case_public_link("complaint", _("Complain"), _complaint_link)
        register_clock_owner("workflow.task", _("workflow step"), _resolve_tasks)
        register_clock_owner("eservices.application", _("application"), _resolve_cases)
        register_default_rules()
        register_demo_loader("supervision", demo.load, order=90)


def _resolve_extension(owner_id: str) -> tuple[str, str] | None:
    from django.urls import reverse

    from zhengwu.supervision.models import Extension

    ext = (
        Extension.objects.filter(pk=int(owner_id)).select_related("clock").first()
        if owner_id.isdigit()
        else None
    )
    if ext is None:
        return None
    return str(ext.clock), reverse("supervision:clock", args=[ext.clock_id])


def _resolve_flag(owner_id: str) -> tuple[str, str] | None:
    from django.urls import reverse

    from zhengwu.supervision.models import Flag

    flag = Flag.objects.filter(pk=int(owner_id)).first() if owner_id.isdigit() else None
    if flag is None:
        return None
    return flag.title, reverse("supervision:flag", args=[flag.pk])


def _resolve_tasks(owner_ids: list[str]) -> dict[str, Any]:
    from django.urls import reverse

    from zhengwu.supervision.registry import OwnerInfo
    from zhengwu.workflow.models import WorkTask

    ids = [int(i) for i in owner_ids if i.isdigit()]
    found = {}
    for task in (
        WorkTask.objects.filter(pk__in=ids)
        .select_related("instance")
        .only(
            "pk",
            "element_name",
            "assignee_id",
            "claimed_by_id",
            "candidate_organisation_id",
            "instance__title",
            "instance__organisation_id",
        )
    ):
        handler = task.claimed_by_id or task.assignee_id
        found[str(task.pk)] = OwnerInfo(
            organisation_id=task.instance.organisation_id,
            title=f"{task.instance.title} · {task.element_name}",
            url=reverse("workflow:task", args=[task.pk]),
            handler_ids=[handler] if handler else [],
        )
    return found


def _resolve_cases(owner_ids: list[str]) -> dict[str, Any]:
    """Cases (办件): the handling department, the item as category, the open step's handler."""
    from django.urls import reverse

    from zhengwu.eservices.models import Application
    from zhengwu.supervision.registry import OwnerInfo
    from zhengwu.workflow.models import WorkTask

    ids = [int(i) for i in owner_ids if i.isdigit()]
    cases = list(
        Application.objects.filter(pk__in=ids)
        .select_related("item")
        .only("pk", "number", "handling_organisation_id", "workflow_instance_id", "item__name")
    )
    handlers: dict[int, list[int]] = {}
    for instance_id, assignee, claimed in WorkTask.objects.filter(
        instance_id__in=[c.workflow_instance_id for c in cases if c.workflow_instance_id],
        status__in=["open", "claimed"],
    ).values_list("instance_id", "assignee_id", "claimed_by_id"):
        if claimed or assignee:
            handlers.setdefault(instance_id, []).append(claimed or assignee)
    return {
        str(c.pk): OwnerInfo(
            organisation_id=c.handling_organisation_id,
            title=f"{c.number or c.pk} · {c.item.name}",
            url=reverse("cases:detail", args=[c.pk]),
            handler_ids=handlers.get(c.workflow_instance_id or 0, []),
            category=f"{c.item_id}:{c.item.name}",
        )
        for c in cases
    }


def _resolve_complaint(owner_id: str) -> tuple[str, str] | None:
    from django.urls import reverse

    from zhengwu.supervision.models import Complaint

    c = Complaint.objects.filter(pk=int(owner_id)).first() if owner_id.isdigit() else None
    if c is None:
        return None
    return str(c), reverse("supervision:complaint", args=[c.pk])


def _complaint_link(application: Any) -> str | None:
    from urllib.parse import urlencode

    from django.urls import reverse

    if not application.number:
        return None
    return reverse("supervision_public:new") + "?" + urlencode({"number": application.number})
