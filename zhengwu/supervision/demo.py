"""Demo loader: supervisor permissions, the supervision processes, clocks, cards and flags, and
the departments' scorecards for the last few months."""

from typing import Any

from django.contrib.auth.models import Permission

from zhengwu.directory.models import Role

ROLE_PERMS = {
    "supervisor": ["supervise", "view_clock", "view_ranking"],
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
    scorecards_load()
    return []


SCORECARD_MONTHS = 3


def scorecards_load() -> None:
    """Scorecards for the last complete months; a month that already has cards is left as it is
    (so a second run changes nothing; ``manage.py supervision_scorecards`` recomputes)."""
    from django.utils import timezone

    from zhengwu.supervision import scorecards
    from zhengwu.supervision.models import Scorecard

    month = timezone.localdate().replace(day=1)
    for _i in range(SCORECARD_MONTHS):
        month = scorecards.month_previous(month)
        if not Scorecard.objects.filter(month=month).exists():
            scorecards.scorecards_compute(month=month)
