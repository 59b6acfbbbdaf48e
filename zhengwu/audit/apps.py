from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "zhengwu.audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from zhengwu.core.registry import MenuItem, workbench

        workbench.register_menu(
            MenuItem(
                key="audit",
                label=_("Audit trail"),
                url_name="audit:entry_list",
                order=900,
                permissions=("audit.view_auditentry",),
            )
        )
