"""Demo loader: supervisor permissions, the supervision processes, clocks, cards and flags."""

from typing import Any

from django.contrib.auth.models import Permission

from zhengwu.directory.models import Role

ROLE_PERMS = {
    "supervisor": ["supervise", "view_clock"],
    "leader": ["receive_cards", "add_extension"],
    "clerk": ["add_extension"],
    "reviewer": ["add_extension"],
}


def load(stdout: Any = None) -> list[tuple[str, str, str]]:
    from zhengwu.supervision.actions import processes_deploy, rules_run
    from zhengwu.supervision.clocks import clocks_tick

    for code, codenames in ROLE_PERMS.items():
        role = Role.objects.filter(code=code).first()
        if role is None:
            continue
        role.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="supervision", codename__in=codenames
            )
        )
    processes_deploy(actor=None)
    clocks_tick()
    # The rules open explanation tasks, whose time limits are clocks too: sync them in the same
    # run, so that a second `demo` finds nothing to do.
    if rules_run():
        clocks_tick()
    return []
