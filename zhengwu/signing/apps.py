from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "zhengwu.signing"
    verbose_name = _("Signatures and seals")

    def ready(self) -> None:
        from zhengwu.core.registry import MenuItem, Shortcut, register_demo_loader, workbench
        from zhengwu.files.registry import register_read_rule
        from zhengwu.signing import demo

        workbench.register_menu(MenuItem(
            "signing.units", _("Certificates and seals"), "signing:unit_list", order=850,
            permissions=("signing.view_certificate",),
        ))  # fmt: skip
        workbench.register_shortcut(Shortcut(
            "signing.verify", _("Verify a signed PDF"), "signing:verify",
            description=_("Check the signatures and seals of a PDF document."), order=850,
        ))  # fmt: skip
        register_read_rule("seal", _may_read_seal)
        register_demo_loader("signing", demo.load, order=20)


def _may_read_seal(actor: Any, stored_file: Any) -> bool:
    return bool(
        getattr(actor, "kind", None) == "staff" and actor.has_perm("signing.view_certificate")
    )
