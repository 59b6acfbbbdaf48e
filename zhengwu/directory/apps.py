from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "zhengwu.directory"
    verbose_name = _("Directory")

    def ready(self) -> None:
        from zhengwu.audit.sensitive import register_sensitive_fields
        from zhengwu.core.registry import Shortcut, register_demo_loader, workbench
        from zhengwu.directory import demo

        # Personal data never enters the audit trail in clear (个人信息保护法 §51).
        register_sensitive_fields("directory.person", {
            "id_number": "resident_id", "mobile": "mobile", "birth_date": "date",
        })  # fmt: skip
        register_sensitive_fields("directory.account", {"mobile": "mobile", "email": "email"})

        # First among the data loaders: every other module's demo data refers to these
        # organisations and accounts (the working-day calendar needs nothing and may go before).
        register_demo_loader("directory", demo.load, order=10)
        workbench.register_shortcut(
            Shortcut(
                "directory.account_add",
                _("Create a staff account"),
                "admin:directory_account_add",
                description=_("A new colleague gets an account, an organisation and roles."),
                order=80,
                permissions=("directory.add_account",),
            )
        )
        workbench.register_shortcut(
            Shortcut(
                "directory.organisations",
                _("Organisations"),
                "admin:directory_organisation_changelist",
                description=_("The organisation tree: departments, towns, village committees."),
                order=81,
                permissions=("directory.view_organisation",),
            )
        )
