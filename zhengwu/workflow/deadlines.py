"""Keep each task's copy of its due date in step with the calendar.

When an admin changes a holiday, zhengwu.workdays recomputes the open deadlines it spans and calls
its listeners inside the same transaction; the inbox filters on ``WorkTask.due_date``, so the copy
is updated there too (one UPDATE per moved deadline, only for workflow-owned ones), and the
pending due-date timers of those tasks (``beforeDue`` reminders, ``afterDue`` timeouts, working-day
``after`` timers) are re-placed in the same transaction.
"""

from collections.abc import Iterable
from typing import Any

DEADLINE_OWNER = "workflow.task"


def sync_task_due_dates(deadlines: Iterable[Any]) -> None:
    from zhengwu.workflow.actions import timers_follow_due_dates
    from zhengwu.workflow.models import WorkTask

    moved = []
    for deadline in deadlines:
        if deadline.owner_type == DEADLINE_OWNER:
            WorkTask.objects.filter(pk=deadline.owner_id).update(due_date=deadline.due_date)
            moved.append(int(deadline.owner_id))
    if moved:
        timers_follow_due_dates(moved)
