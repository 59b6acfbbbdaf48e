from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    name = "zhengwu.workbench"
    verbose_name = _("Workbench")

    def ready(self) -> None:
        from zhengwu.core.registry import MenuItem, Shortcut, workbench

        workbench.register_menu(MenuItem("workbench.home", _("Home"), "workbench:home", order=0))
        workbench.register_menu(
            MenuItem("workbench.notices", _("Notices"), "workbench:notice_list", order=20)
        )
        workbench.register_shortcut(
            Shortcut(
                "workbench.notice_publish",
                _("Publish a notice"),
                "workbench:notice_publish",
                description=_("Announce something to all staff on their workbench."),
                order=50,
                permissions=("workbench.add_notice",),
            )
        )
        workbench.register_shortcut(
            Shortcut(
                "notify.inbox",
                _("My messages"),
                "notify:inbox",
                description=_("Read the messages sent to you."),
                order=10,
            )
        )
