"""The CMS's moderation reviews as a task source of the unified inbox (zhengwu.workflow.external):
each in-progress review step of a group the account belongs to, with its due date (the step's
``ReviewDeadline`` in working days from its start, else ``PORTAL_REVIEW_WORKING_DAYS``) and the
link to the page's review in the Wagtail admin."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, TaskState

from zhengwu.workdays.selectors import add_working_days
from zhengwu.workflow.external import ExternalTask, register_task_source

SOURCE = "portal.review"


def default_working_days() -> int:
    from zhengwu.portal.models import DEFAULT_REVIEW_WORKING_DAYS

    return int(getattr(settings, "PORTAL_REVIEW_WORKING_DAYS", DEFAULT_REVIEW_WORKING_DAYS))


def due_date(started_at: dt.datetime, working_days: int) -> dt.date:
    start = timezone.localdate(started_at)
    try:
        return add_working_days(start, working_days)
    except Exception:  # noqa: BLE001 - a calendar gap: count calendar days rather than fail
        return start + dt.timedelta(days=working_days)


def review_tasks(account: Any) -> list[ExternalTask]:
    """One query when there is nothing to review; three otherwise (pages, time limits)."""
    from zhengwu.portal.models import ReviewDeadline

    states = list(
        TaskState.objects.filter(
            status=TaskState.STATUS_IN_PROGRESS, task__active=True,
            task__groupapprovaltask__groups__user=account,
            workflow_state__status="in_progress",
        )
        .distinct()
        .values("pk", "task_id", "task__name", "started_at", "workflow_state__object_id",
                "workflow_state__base_content_type__app_label")
    )  # fmt: skip
    states = [s for s in states if s["workflow_state__base_content_type__app_label"] ==
              "wagtailcore"]  # fmt: skip
    if not states:
        return []
    page_ids = {int(s["workflow_state__object_id"]) for s in states}
    titles = dict(Page.objects.filter(pk__in=page_ids).values_list("pk", "draft_title"))
    limits = dict(ReviewDeadline.objects.filter(task_id__in={s["task_id"] for s in states})
                  .values_list("task_id", "working_days"))  # fmt: skip
    default = default_working_days()
    tasks = []
    for state in states:
        page_id = int(state["workflow_state__object_id"])
        if page_id not in titles:
            continue
        tasks.append(ExternalTask(
            source=SOURCE, title=titles[page_id], step=state["task__name"],
            url=reverse("wagtailadmin_pages:edit", args=(page_id,)),
            due_date=due_date(state["started_at"], limits.get(state["task_id"], default)),
            created_at=state["started_at"],
        ))  # fmt: skip
    return tasks


def register() -> None:
    register_task_source(SOURCE, _("Website review"), review_tasks)
