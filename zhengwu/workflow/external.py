"""Task sources outside the engine (e.g. the CMS's moderation reviews) in the unified inbox.

A domain module registers a source in its ``AppConfig.ready()``: a function returning the open
tasks an account may act on there, each with its title, step, due date and the link to where it
is handled. The inbox lists them beside the engine's tasks and adds them to its counts; this
module knows no source by name. A failing source is logged and skipped: it must never break the
inbox.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExternalTask:
    source: str  # the source's key, e.g. "portal.review"
    title: str
    step: str
    url: str  # where the task is handled
    due_date: date | None = None
    created_at: datetime | None = None


# account -> the open tasks the account may act on in that system
TaskLister = Callable[[Any], list[ExternalTask]]


@dataclass(frozen=True)
class ExternalTaskSource:
    key: str
    label: Any  # a lazy translation
    tasks: TaskLister


_SOURCES: dict[str, ExternalTaskSource] = {}


def register_task_source(key: str, label: Any, tasks: TaskLister) -> ExternalTaskSource:
    source = ExternalTaskSource(key, label, tasks)
    _SOURCES[key] = source
    return source


def unregister_task_source(key: str) -> None:
    _SOURCES.pop(key, None)


def task_sources() -> list[ExternalTaskSource]:
    return sorted(_SOURCES.values(), key=lambda s: s.key)


def external_tasks(account: Any, filters: Any = None) -> list[ExternalTask]:
    """Every registered source's open tasks for ``account``, earliest due first.

    ``filters`` is the inbox's ``InboxFilters``: type (a source key), search and the due
    window (``due_window(today, soon)`` decided by the caller) apply; organisation does not.
    """
    if not getattr(account, "is_authenticated", False) or not account.is_active:
        return []
    found: list[ExternalTask] = []
    for source in task_sources():
        if filters is not None and filters.owner_type and filters.owner_type != source.key:
            continue
        try:
            found += source.tasks(account)
        except Exception:  # one broken source must not break the inbox
            logger.exception("external task source %s failed", source.key)
    if filters is not None and filters.search:
        found = [t for t in found if filters.search.lower() in t.title.lower()]
    return sorted(found, key=lambda t: (
        t.due_date or date.max, t.created_at.timestamp() if t.created_at else float("inf")))


def external_counts(account: Any, today: date, soon: date) -> dict[str, int]:
    """To-do, overdue and due-soon counts of the external tasks (same meaning as the inbox's)."""
    tasks = external_tasks(account)
    return {
        "todo": len(tasks),
        "overdue": sum(1 for t in tasks if t.due_date and t.due_date < today),
        "due_soon": sum(1 for t in tasks if t.due_date and today <= t.due_date <= soon),
    }
