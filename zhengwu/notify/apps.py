from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "zhengwu.notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from zhengwu.core.registry import MenuItem, workbench

        # Every staff member has an inbox: no permission needed.
        workbench.register_menu(MenuItem("notify.inbox", _("Messages"), "notify:inbox", order=10))
