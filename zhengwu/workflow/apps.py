from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "zhengwu.workflow"
    verbose_name = _("Workflow")

    def ready(self) -> None:
        from zhengwu.core.registry import MenuItem, workbench

        # Every staff member has an inbox: no permission needed.
        workbench.register_menu(MenuItem("workflow.inbox", _("Tasks"), "workflow:inbox", order=5))
        workbench.register_home_panel("workflow.todo", "workflow/panel_todo.html", home_panel, 10)
        # Process admin (admin_views.py): definitions, editor, assignment rules, migration.
        from zhengwu.core.registry import register_demo_loader
        from zhengwu.workflow.admin_demo import grant_admin_permissions

        workbench.register_menu(MenuItem(
            "workflow.admin", _("Process definitions"), "workflow:admin_processes", order=850,
            permissions=("workflow.view_processdefinition",),
        ))  # fmt: skip
        register_demo_loader("workflow.admin", grant_admin_permissions, order=20)

        from zhengwu.workdays.actions import on_deadlines_changed
        from zhengwu.workflow.deadlines import sync_task_due_dates

        on_deadlines_changed(sync_task_due_dates)

        # Step attachments: exactly whoever may view the instance may download them.
        from zhengwu.files.registry import register_read_rule
        from zhengwu.workflow.actions import ATTACHMENT_PURPOSE
        from zhengwu.workflow.selectors import may_read_attachment

        register_read_rule(ATTACHMENT_PURPOSE, may_read_attachment)


def home_panel(request: Any) -> dict[str, Any]:
    """The account's to-dos on the workbench home, with counts."""
    from django.urls import reverse

    from zhengwu.workflow.selectors import inbox_counts, inbox_todo

    user = request.user
    return {
        "counts": inbox_counts(user),
        "tasks": list(inbox_todo(user)[:8]),
        "more_url": reverse("workflow:inbox"),
    }
