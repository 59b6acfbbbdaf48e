"""When a timer of a running process is due, in calendar time or in working days.

The diagram's timer (``ProcessDefinition.timers``, read by diagram.py) says when it fires:

* ``after``: an ISO 8601 duration from the moment the task (or the wait) began; with
  ``workdays`` its days are working days (``P3D`` = three working days later, same time);
* ``at``: a fixed date and time;
* ``before_due`` = N: at ``WORKFLOW_TIMER_HOUR`` o'clock on the N-th working day before the
  task's due date (0 = on the due date) — needs a task with a time limit;
* ``after_due`` = N: at midnight starting the (N+1)-th working day after the due date, i.e.
  once the due date (plus N working days of grace) has passed.

Reminders repeat every ``repeat`` (working days too, with ``workdays``) up to ``times``.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from zhengwu.workdays.selectors import add_working_days
from zhengwu.workflow.diagram import MAX_REMINDERS, parse_duration


def fire_hour() -> int:
    return int(getattr(settings, "WORKFLOW_TIMER_HOUR", 9))


def _local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def add_duration(start: datetime, duration: str, *, workdays: bool) -> datetime:
    """``start`` plus an ISO duration; with ``workdays`` the days skip non-working days."""
    parsed = parse_duration(duration)
    if parsed is None:  # checked at deploy; a stored definition is never wrong here
        raise ValueError(duration)
    days, seconds = parsed
    if workdays and days:
        local = timezone.localtime(start)
        moved = add_working_days(local.date(), days)
        start = _local(moved, local.time().replace(tzinfo=None))
        days = 0
    return start + timedelta(days=days, seconds=seconds)


def first_due(meta: dict[str, Any], *, start: datetime, due_date: date | None) -> datetime | None:
    """When a timer created at ``start`` first fires; None when it cannot be placed (a
    due-date timer on a task without a time limit)."""
    if meta.get("before_due") is not None:
        if due_date is None:
            return None
        day = add_working_days(due_date, -int(meta["before_due"]))
        return _local(day, time(fire_hour()))
    if meta.get("after_due") is not None:
        if due_date is None:
            return None
        return _local(add_working_days(due_date, int(meta["after_due"]) + 1), time(0))
    if meta.get("at"):
        at = datetime.fromisoformat(meta["at"])
        return at if timezone.is_aware(at) else timezone.make_aware(at)
    if meta.get("after"):
        return add_duration(start, meta["after"], workdays=bool(meta.get("workdays")))
    return None


def max_fires(meta: dict[str, Any]) -> int:
    if not meta.get("repeat"):
        return 1
    return min(int(meta["times"]), MAX_REMINDERS) if meta.get("times") else MAX_REMINDERS


def next_due(meta: dict[str, Any], *, previous: datetime, now: datetime) -> datetime | None:
    """The next firing of a repeating reminder after ``now`` (missed ones are not replayed:
    a scheduler that was down sends one reminder, not a burst)."""
    if not meta.get("repeat"):
        return None
    due = previous
    for _step in range(400):
        due = add_duration(due, meta["repeat"], workdays=bool(meta.get("workdays")))
        if due > now:
            return due
    return None
