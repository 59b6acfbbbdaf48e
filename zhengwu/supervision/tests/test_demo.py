"""The demo loader grants the supervision permissions and runs twice without changing anything."""

from typing import Any

import pytest

from zhengwu.supervision import demo
from zhengwu.supervision.models import Clock, Flag
from zhengwu.workflow.models import ProcessDefinition

pytestmark = pytest.mark.django_db


def test_demo_loader_is_idempotent(world: Any) -> None:
    demo.load(None)
    state = (
        Clock.objects.count(),
        Flag.objects.count(),
        ProcessDefinition.objects.filter(key__startswith="supervision_").count(),
        sorted(world.supervisor_role.permissions.values_list("codename", flat=True)),
    )
    demo.load(None)
    assert state == (
        Clock.objects.count(),
        Flag.objects.count(),
        ProcessDefinition.objects.filter(key__startswith="supervision_").count(),
        sorted(world.supervisor_role.permissions.values_list("codename", flat=True)),
    )
    assert "supervise" in state[3]
    assert world.leader.has_perm("supervision.receive_cards")
