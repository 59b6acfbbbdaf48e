from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "zhengwu.exchange"
    verbose_name = _("Document exchange")

    def ready(self) -> None:
        from zhengwu.core.registry import MenuItem, register_demo_loader, workbench
        from zhengwu.exchange import demo, receiving
        from zhengwu.workflow.registry import register_subject_type

        workbench.register_menu(
            MenuItem(
                "exchange.inbox",
                _("Incoming documents"),
                "exchange:inbox",
                order=55,
                permissions=("exchange.handle_delivery",),
            )
        )
        workbench.register_menu(
            MenuItem(
                "exchange.received",
                _("Received documents"),
                "exchange:received_list",
                order=56,
                permissions=("exchange.register_received",),
            )
        )
        workbench.register_menu(
            MenuItem(
                "exchange.dispatches",
                _("Sent documents"),
                "exchange:dispatch_list",
                order=57,
                permissions=("exchange.track_dispatch",),
            )
        )
        workbench.register_menu(
            MenuItem(
                "exchange.archive",
                _("Archive catalogue"),
                "exchange:archive_list",
                order=58,
                permissions=("exchange.manage_archive",),
            )
        )
        register_subject_type(
            receiving.SUBJECT_TYPE,
            _("received document"),
            resolve=receiving.resolve,
            on_step=receiving.on_step,
        )
        register_demo_loader("exchange", demo.load, order=demo.ORDER)
