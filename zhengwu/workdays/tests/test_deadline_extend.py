"""Extending a deadline (延长, 行政许可法 Art. 42): the limit grows, the reason is kept."""

from datetime import date
from typing import Any

import pytest

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import NotFound, ValidationFailed
from zhengwu.workdays import actions

pytestmark = pytest.mark.django_db

OWNER = {"owner_type": "eservices.application", "owner_id": "42"}


def test_extension_moves_the_due_date_and_keeps_the_reason(
    seeded: None, listener_calls: list[list[Any]]
) -> None:
    deadline = actions.deadline_open(
        **OWNER, label="法定时限", start=date(2026, 9, 22), working_days=20
    )
    assert deadline.due_date == date(2026, 10, 27)
    extended = actions.deadline_extend(
        actor=None,
        **OWNER,
        label="法定时限",
        extra_working_days=10,
        reason="经本机关负责人批准延长",
    )
    assert extended.working_days == 30
    assert extended.due_date == date(2026, 11, 10)
    assert [d.pk for d in listener_calls[-1]] == [deadline.pk]
    entry = AuditEntry.objects.filter(action="workdays.deadline.extend").get()
    assert entry.reason == "经本机关负责人批准延长"


def test_extension_counts_completed_suspensions(seeded: None) -> None:
    actions.deadline_open(**OWNER, label="法定时限", start=date(2026, 9, 22), working_days=20)
    actions.deadline_suspend(**OWNER, on=date(2026, 9, 29), reason="专家评审")
    actions.deadline_resume(**OWNER, on=date(2026, 10, 9))
    extended = actions.deadline_extend(
        actor=None, **OWNER, label="法定时限", extra_working_days=1, reason="延长"
    )
    assert extended.due_date == date(2026, 11, 2)  # 10-30 + 1 working day


@pytest.mark.parametrize("days", [0, -1, "3", True])
def test_bad_extensions_are_refused(seeded: None, days: Any) -> None:
    actions.deadline_open(**OWNER, label="法定时限", start=date(2026, 9, 22), working_days=20)
    with pytest.raises(ValidationFailed):
        actions.deadline_extend(
            actor=None, **OWNER, label="法定时限", extra_working_days=days, reason="x"
        )
    with pytest.raises(ValidationFailed):
        actions.deadline_extend(
            actor=None, **OWNER, label="法定时限", extra_working_days=2, reason="  "
        )


def test_extending_nothing_open_is_not_found(seeded: None) -> None:
    with pytest.raises(NotFound):
        actions.deadline_extend(
            actor=None, **OWNER, label="法定时限", extra_working_days=2, reason="延长"
        )
