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
