from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "zhengwu.workdays"
    verbose_name = _("Working-day calendar")

    def ready(self) -> None:
        from zhengwu.core.registry import MenuItem, Shortcut, register_demo_loader, workbench

        workbench.register_menu(
            MenuItem(
                key="workdays",
                label=_("Working-day calendar"),
                url_name="workdays:year",
                order=900,
                permissions=("workdays.view_calendarday",),
            )
        )
        workbench.register_shortcut(
            Shortcut(
                key="workdays.calculator",
                label=_("Due date calculator"),
                url_name="workdays:calculator",
                description=_("Count working days from a start date, holidays explained."),
                order=900,
                permissions=("workdays.view_calendarday",),
            )
        )

        register_demo_loader("workdays", _demo_calendar, order=5)


def _demo_calendar(stdout: Any) -> list[tuple[str, str, str]]:
    """The demo world's calendar: every year chinese-calendar knows (idempotent)."""
    from django.utils.translation import gettext

    from zhengwu.workdays.actions import calendar_seed_all

    changed = [r.year for r in calendar_seed_all(actor=None) if r.changed]
    if changed:
        stdout.write(
            gettext("  Working-day calendar: %(count)s years seeded from chinese-calendar")
            % {"count": len(changed)}
        )
    return []
