from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Wagtail's permission to open its admin; also required by the workbench menu entry.
CMS_PERMISSION = "wagtailadmin.access_admin"


class PortalConfig(AppConfig):
    name = "zhengwu.portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from zhengwu.core.registry import MenuItem, register_demo_loader, workbench
        from zhengwu.portal import demo_content, review_tasks, search_source, signals

        workbench.register_menu(MenuItem(
            key="portal.cms", label=_("Content management"), url_name="wagtailadmin_home",
            order=60, permissions=(CMS_PERMISSION,),
        ))  # fmt: skip
        signals.connect()
        search_source.register()
        review_tasks.register()
        register_demo_loader("portal.content", demo_content.load, order=70)
