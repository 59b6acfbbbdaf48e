"""Two clerks sign for the same delivery at the same moment (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from zhengwu.core.errors import Conflict
from zhengwu.exchange import actions
from zhengwu.exchange.models import Delivery, ReceivedDocument
from zhengwu.exchange.tests.conftest import World


@pytest.mark.django_db(transaction=True)
def test_two_clerks_sign_for_at_once_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises writers; see test_exchange)")
    world = World()
    delivery = world.send().deliveries.get()
    barrier = threading.Barrier(2)
    results: list[str] = []

    def clerk(account: Any) -> None:
        from django.db import connections

        try:
            barrier.wait()
            actions.delivery_sign_for(actor=account, delivery=Delivery.objects.get(pk=delivery.pk))
            results.append("ok")
        except Conflict as exc:
            results.append(str(exc.message))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk, args=(a,)) for a in (world.clerk, world.clerk2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1 and len(results) == 2
    loser = next(r for r in results if r != "ok")
    assert "已由" in loser and "签收" in loser
    assert ReceivedDocument.objects.count() == 1
