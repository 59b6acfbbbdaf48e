"""The demo loader grants the supervision permissions and runs twice without changing anything."""

from typing import Any

import pytest

from zhengwu.supervision import demo
from zhengwu.supervision.models import Clock, Flag, Scorecard
from zhengwu.workflow.models import ProcessDefinition

pytestmark = pytest.mark.django_db


def test_demo_loader_is_idempotent(world: Any) -> None:
    import datetime as dt

    import time_machine

    from zhengwu.supervision.tests.conftest import CASE
    from zhengwu.workdays import actions as workdays

    # A time limit concluded last month, so that the loader has a scorecard to make.
    last_month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=3)
    with time_machine.travel(dt.datetime.combine(last_month, dt.time(10)), tick=False):
        workdays.deadline_open(
            owner_type=CASE, owner_id="d1", label="承诺时限", start=last_month, working_days=5
        )
        workdays.deadline_close(owner_type=CASE, owner_id="d1")
    demo.load(None)
    assert Scorecard.objects.filter(organisation=world.dept).count() == 1
    state = (
        Clock.objects.count(),
        Flag.objects.count(),
        ProcessDefinition.objects.filter(key__startswith="supervision_").count(),
        sorted(world.supervisor_role.permissions.values_list("codename", flat=True)),
        list(Scorecard.objects.order_by("pk").values_list("pk", "score")),
    )
    demo.load(None)
    assert state == (
        Clock.objects.count(),
        Flag.objects.count(),
        ProcessDefinition.objects.filter(key__startswith="supervision_").count(),
        sorted(world.supervisor_role.permissions.values_list("codename", flat=True)),
        list(Scorecard.objects.order_by("pk").values_list("pk", "score")),
    )
    assert "supervise" in state[3] and "view_ranking" in state[3]
    assert world.leader.has_perm("supervision.receive_cards")
