"""Queries of the unified inbox (待办 / 已办 / 我发起的 / 抄送) and of instance history."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from zhengwu.core.errors import NotFound
from zhengwu.directory.models import RoleAssignment
from zhengwu.workdays.selectors import add_working_days
from zhengwu.workflow.actions import holds_candidate_role, may_handle
from zhengwu.workflow.external import external_counts, external_tasks
from zhengwu.workflow.models import (
    ProcessDefinition,
    ProcessInstance,
    TaskCopy,
    TaskEvent,
    TaskEventAttachment,
    WorkTask,
)

DUE_SOON_WORKING_DAYS = 2
SUPERVISE_PERM = "workflow.view_processinstance"
TERMINATE_PERM = "workflow.terminate_processinstance"  # = actions.TERMINATE_PERM


@dataclass(frozen=True)
class InboxFilters:
    due: str = ""  # "", "soon" (within DUE_SOON_WORKING_DAYS working days) or "overdue"
    owner_type: str = ""
    organisation_id: int | None = None
    search: str = ""


def _today() -> date:
    return timezone.localdate()


def _due_soon_limit(today: date) -> date:
    try:
        return add_working_days(today, DUE_SOON_WORKING_DAYS)
    except Exception:  # noqa: BLE001 - a calendar gap must not break the inbox
        return today + timedelta(days=DUE_SOON_WORKING_DAYS + 2)


def todo_condition(account: Any) -> Q:
    """Tasks ``account`` should act on, as one condition over indexed columns.

    The account's role assignments (a handful of rows) are read first; the inbox itself is then
    a single query whose OR branches each hit an index: assignee, claimed_by,
    (candidate_role, candidate_organisation) or (candidate_role, candidate_org_path prefix)
    for roles that cover the subtree.
    """
    if not getattr(account, "is_authenticated", False) or not account.is_active:
        return Q(pk__in=[])
    active = [WorkTask.Status.OPEN, WorkTask.Status.CLAIMED]
    condition = Q(assignee=account, claimed_by__isnull=True, status__in=active) | Q(
        claimed_by=account, status=WorkTask.Status.CLAIMED
    )
    pool = Q(pk__in=[])
    assignments = RoleAssignment.objects.filter(
        account=account, organisation__is_active=True
    ).values_list("role_id", "organisation_id", "covers_subtree", "organisation__tree_path")
    for role_id, org_id, covers, path in assignments:
        if covers:
            pool |= Q(candidate_role_id=role_id, candidate_org_path__startswith=path)
        else:
            pool |= Q(candidate_role_id=role_id, candidate_organisation_id=org_id)
    condition |= pool & Q(status=WorkTask.Status.OPEN, assignee__isnull=True)
    return condition


def _apply_filters(qs: QuerySet[WorkTask], filters: InboxFilters | None) -> QuerySet[WorkTask]:
    if filters is None:
        return qs
    today = _today()
    if filters.due == "overdue":
        qs = qs.filter(due_date__lt=today)
    elif filters.due == "soon":
        qs = qs.filter(due_date__gte=today, due_date__lte=_due_soon_limit(today))
    if filters.owner_type:
        qs = qs.filter(instance__owner_type=filters.owner_type)
    if filters.organisation_id:
        qs = qs.filter(instance__organisation_id=filters.organisation_id)
    if filters.search:
        qs = qs.filter(instance__title__icontains=filters.search[:100])
    return qs


def inbox_todo(account: Any, filters: InboxFilters | None = None) -> QuerySet[WorkTask]:
    qs = WorkTask.objects.filter(todo_condition(account))
    return (
        _apply_filters(qs, filters)
        .select_related("instance", "instance__definition", "instance__organisation")
        # The engine state (~12 KB per instance) and the diagram are never shown in a list.
        .defer(
            "instance__state",
            "instance__definition__bpmn_xml",
            "instance__definition__user_tasks",
            "instance__definition__timers",
        )
        .order_by("due_date", "created_at", "pk")
    )


def inbox_external(account: Any, filters: InboxFilters | None = None) -> list[Any]:
    """The account's open tasks in other systems (``zhengwu.workflow.external``), filtered."""
    tasks = external_tasks(account, filters)
    if filters is not None and filters.due:
        today = _today()
        if filters.due == "overdue":
            tasks = [t for t in tasks if t.due_date and t.due_date < today]
        else:
            soon = _due_soon_limit(today)
            tasks = [t for t in tasks if t.due_date and today <= t.due_date <= soon]
    return tasks


def inbox_done(account: Any, filters: InboxFilters | None = None) -> QuerySet[WorkTask]:
    qs = WorkTask.objects.filter(completed_by=account, status=WorkTask.Status.COMPLETED)
    return (
        _apply_filters(qs, filters)
        .select_related("instance", "instance__definition")
        .defer(
            "instance__state",
            "instance__definition__bpmn_xml",
            "instance__definition__user_tasks",
            "instance__definition__timers",
        )
        .order_by("-completed_at", "-pk")
    )


def inbox_started_by_me(
    account: Any, filters: InboxFilters | None = None
) -> QuerySet[ProcessInstance]:
    qs = ProcessInstance.objects.filter(initiator=account)
    if filters is not None:
        if filters.owner_type:
            qs = qs.filter(owner_type=filters.owner_type)
        if filters.search:
            qs = qs.filter(title__icontains=filters.search[:100])
    return (
        qs.select_related("definition")
        .defer("state", "definition__bpmn_xml", "definition__user_tasks", "definition__timers")
        .order_by("-started_at", "-pk")
    )


def inbox_cc(account: Any, filters: InboxFilters | None = None) -> QuerySet[TaskCopy]:
    qs = TaskCopy.objects.filter(recipient=account)
    if filters is not None and filters.search:
        qs = qs.filter(instance__title__icontains=filters.search[:100])
    return qs.select_related("instance", "sender").order_by("-created_at", "-pk")


def inbox_counts(account: Any) -> dict[str, int]:
    """To-do, overdue, due-soon and unread CC counts.

    The role assignments are read first (see ``todo_condition``); the three task counts are then
    ONE aggregate with conditional counts, the unread copies a scalar subquery inside it (before:
    four COUNT queries). The calendar's cache check in ``_due_soon_limit`` may add one.
    """
    today = _today()
    soon = _due_soon_limit(today)
    cc_unread = (
        TaskCopy.objects.filter(recipient_id=getattr(account, "pk", None), read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    counts = WorkTask.objects.filter(todo_condition(account)).aggregate(
        todo=Count("pk"),
        overdue=Count("pk", filter=Q(due_date__lt=today)),
        due_soon=Count("pk", filter=Q(due_date__gte=today, due_date__lte=soon)),
        # The uncorrelated subquery is one value; MAX makes it legal in the aggregate, and when
        # the to-do list is empty (no row to take the MAX over) COALESCE falls back to it.
        cc_unread=Coalesce(Max(Subquery(cc_unread)), Subquery(cc_unread), 0),
    )
    result = {key: int(counts[key] or 0) for key in ("todo", "overdue", "due_soon", "cc_unread")}
    # Tasks of other systems (zhengwu.workflow.external), e.g. the CMS's moderation reviews.
    for key, n in external_counts(account, today, soon).items():
        result[key] += n
    return result


# --------------------------------------------------------------------------- access


def may_view_instance(account: Any, instance: ProcessInstance) -> bool:
    """Initiator, anyone who handled or may handle one of its tasks, CC recipients,
    supervisors holding ``workflow.view_processinstance`` and administrators who may terminate."""
    if not getattr(account, "is_authenticated", False) or not account.is_active:
        return False
    if (instance.initiator_id == account.pk or account.has_perm(SUPERVISE_PERM)
            or account.has_perm(TERMINATE_PERM)):  # fmt: skip
        return True
    tasks = instance.tasks.all()
    if tasks.filter(Q(assignee=account) | Q(claimed_by=account) | Q(completed_by=account)
                    | Q(delegated_by=account)).exists():  # fmt: skip
        return True
    if TaskCopy.objects.filter(instance=instance, recipient=account).exists():
        return True
    return any(holds_candidate_role(account, t) for t in tasks.filter(status=WorkTask.Status.OPEN))


def access_instance(account: Any, pk: int) -> ProcessInstance:
    instance = (
        ProcessInstance.objects.select_related("definition", "organisation", "initiator")
        .filter(pk=pk)
        .first()
    )
    if instance is None or not may_view_instance(account, instance):
        raise NotFound()
    return instance


def access_task(account: Any, pk: int) -> WorkTask:
    """A task the account may act on or could see through its instance; NotFound otherwise."""
    task = (
        WorkTask.objects.select_related(
            "instance",
            "instance__definition",
            "instance__organisation",
            "assignee",
            "claimed_by",
            "completed_by",
            "candidate_role",
            "candidate_organisation",
        )
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise NotFound()
    # A holder of the step's candidate role keeps seeing it once a colleague handled it, so a
    # second clerk posting on a stale page gets "已由X办理" rather than a 404.
    if (may_handle(account, task) or holds_candidate_role(account, task)
            or may_view_instance(account, task.instance)):  # fmt: skip
        return task
    raise NotFound()


def instance_history(instance: ProcessInstance) -> QuerySet[TaskEvent]:
    """Every history line with its attachments (``event.attachments.all``, files joined):
    one query for the lines and one for all their attachments, however many there are."""
    return (
        instance.events.select_related("task", "actor", "target")
        .prefetch_related(
            Prefetch("attachments",
                     queryset=TaskEventAttachment.objects.select_related("file").order_by("pk"))
        )
        .order_by("at", "pk")
    )  # fmt: skip


def may_read_attachment(actor: Any, stored_file: Any) -> bool:
    """files read rule ``workflow_attachment``: whoever may view the step's instance."""
    instance = (
        ProcessInstance.objects.filter(events__attachments__file=stored_file).distinct().first()
    )
    return instance is not None and may_view_instance(actor, instance)


def definition_list() -> QuerySet[ProcessDefinition]:
    return ProcessDefinition.objects.filter(is_latest=True).order_by("key")
