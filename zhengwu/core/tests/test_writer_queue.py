"""SQLite's writer queue (core/db/writer_queue.py): a transaction on a database file waits in a
kernel lock for the one before it, instead of in SQLite's sleeping busy handler, and gives the
lock back however it ends."""

import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from zhengwu.core.db.writer_queue import WriterQueue

pytestmark = pytest.mark.skipif(
    connections["default"].vendor != "sqlite", reason="the queue is SQLite's"
)


def _in_thread(fn: Any) -> tuple[threading.Thread, list[Any]]:
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(fn()), daemon=True)
    thread.start()
    return thread, result


def test_a_second_writer_waits_until_the_first_lets_go(tmp_path: Path) -> None:
    first, second = WriterQueue(tmp_path / "db", 10), WriterQueue(tmp_path / "db", 10)
    assert first.acquire() and first.held
    thread, got = _in_thread(second.acquire)
    thread.join(0.2)
    assert thread.is_alive() and not got  # still queued behind the first
    first.release()
    thread.join(10)
    assert got == [True] and second.held
    second.close()
    assert first.acquire()  # close gave it back
    first.close()


def test_a_writer_that_waited_its_timeout_goes_on_without_the_queue(tmp_path: Path) -> None:
    first, second = WriterQueue(tmp_path / "db", 10), WriterQueue(tmp_path / "db", 0.01)
    assert first.acquire()
    assert second.acquire() is False and not second.held  # SQLite's busy timeout decides
    first.close()
    second.close()


def _wrapper(name: Path) -> Any:
    default = connections["default"]
    settings_dict = {**default.settings_dict, "NAME": str(name)}
    return type(default)(settings_dict, alias="writer_queue_test")


def test_the_backend_queues_each_transaction_on_a_database_file(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():  # a database of its own, not the test database
        _two_writers(tmp_path / "q.sqlite3")


def _two_writers(name: Path) -> None:
    a, b = _wrapper(name), _wrapper(name)
    for wrapper in (a, b):
        wrapper.ensure_connection()
    with a.cursor() as cursor:
        cursor.execute("CREATE TABLE t (n integer)")
    a._start_transaction_under_autocommit()
    with a.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
    assert a._writer_queue is not None and a._writer_queue.held

    def second() -> int:
        b._start_transaction_under_autocommit()  # queued behind a's transaction
        with b.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM t")
            seen = cursor.fetchone()[0]
        b.rollback()
        return seen

    b.inc_thread_sharing()
    thread, got = _in_thread(second)
    thread.join(0.2)
    assert thread.is_alive() and not got
    a.commit()
    assert not a._writer_queue.held
    thread.join(10)
    assert got == [1]  # it began after a's commit and saw its row
    assert b._writer_queue is not None and not b._writer_queue.held  # the rollback let go
    b.dec_thread_sharing()
    a.close()
    b.close()
    assert a._writer_queue is None and b._writer_queue is None


def test_an_in_memory_database_has_no_queue() -> None:
    wrapper = _wrapper(Path(":memory:"))
    wrapper.settings_dict["NAME"] = ":memory:"
    assert wrapper._writers() is None
