"""Concurrent writers on PostgreSQL: the locked head row serialises them into one clean chain."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from zhengwu.audit.actions import audit_record
from zhengwu.audit.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers by its file lock"
)


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_produce_one_unbroken_chain() -> None:
    # A transactional test flushes the table that migration 0004 filled; put the head back.
    AuditChainHead.objects.get_or_create(pk=1)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(10):
                audit_record(actor=None, action="test.thing.update", object_id=f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 41)
    )
    call_command("audit_verify")  # exits 0, i.e. returns
