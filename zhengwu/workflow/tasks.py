"""django-tasks wrapper of the timer scheduler.

django-tasks (0.12, as pinned) ships only the immediate and dummy backends and no periodic
scheduling, so the clock is cron running ``manage.py workflow_tick`` every minute (see
docs/modules/workflow.md). This task lets a worker backend, once one is configured, run the
same tick: ``workflow_tick_task.enqueue()``.
"""

from django_tasks import task

from zhengwu.workflow.actions import timers_tick


@task()
def workflow_tick_task(limit: int = 500) -> dict[str, int]:
    return timers_tick(limit=limit)
