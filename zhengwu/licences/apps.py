from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicencesConfig(AppConfig):
    name = "zhengwu.licences"
    verbose_name = _("Electronic licences")

    def ready(self) -> None:
        from zhengwu.core.registry import MenuItem, register_demo_loader, workbench
        from zhengwu.files.registry import register_read_rule
        from zhengwu.licences import demo
        from zhengwu.licences.actions import PDF_PURPOSE
        from zhengwu.licences.selectors import may_read_pdf

        workbench.register_menu(MenuItem(
            "licences.list", _("Electronic licences"), "licences_manage:list", order=420,
            permissions=("licences.view_licence",),
        ))  # fmt: skip
        register_read_rule(PDF_PURPOSE, may_read_pdf)
        # After directory and signing (20), before the domains that issue licences.
        register_demo_loader("licences", demo.load, order=25)
