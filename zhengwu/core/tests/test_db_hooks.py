"""Pre-commit hooks (core/db/hooks.py): what is collected in a transaction is flushed once, inside
it, just before it commits; rolled-back work leaves nothing to flush; a failed flush takes the
transaction down."""

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, connections, transaction
from django.utils import timezone

from zhengwu.core.db.hooks import PreCommitHooks, before_commit


class Recorder:
    def __init__(self) -> None:
        self.calls: list[list[Any]] = []
        self.in_transaction: list[bool] = []

    def __call__(self, items: list[Any]) -> None:
        self.calls.append(items)
        self.in_transaction.append(not connection.get_autocommit())


def _session(key: str) -> None:
    Session.objects.create(session_key=key, session_data="", expire_date=timezone.now())


def test_the_backends_carry_the_hooks() -> None:
    assert isinstance(connections["default"], PreCommitHooks)


@pytest.mark.django_db(transaction=True)
def test_items_are_flushed_once_inside_the_transaction_before_it_commits() -> None:
    flush = Recorder()
    with transaction.atomic():
        before_commit("t", 1, flush)
        with transaction.atomic():
            before_commit("t", 2, flush)
        before_commit("t", 3, flush)
        assert flush.calls == []
    assert flush.calls == [[1, 2, 3]]
    assert flush.in_transaction == [True]


@pytest.mark.django_db(transaction=True)
def test_items_of_a_rolled_back_savepoint_or_transaction_are_dropped() -> None:
    flush = Recorder()
    with transaction.atomic():
        before_commit("t", "kept", flush)
        try:
            with transaction.atomic():
                before_commit("t", "dropped", flush)
                raise RuntimeError
        except RuntimeError:
            pass
    assert flush.calls == [["kept"]]
    with pytest.raises(RuntimeError), transaction.atomic():
        before_commit("t", "never", flush)
        raise RuntimeError
    assert flush.calls == [["kept"]]


@pytest.mark.django_db(transaction=True)
def test_a_failing_flush_rolls_the_transaction_back() -> None:
    def broken(items: list[Any]) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError), transaction.atomic():
        _session("lost")
        before_commit("t", 1, broken)
    assert not Session.objects.filter(session_key="lost").exists()
    _session("after")  # the connection is usable again, in autocommit
    assert Session.objects.filter(session_key="after").exists()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_item_is_flushed_at_once_in_a_transaction() -> None:
    flush = Recorder()
    before_commit("t", 1, flush)
    assert flush.calls == [[1]] and flush.in_transaction == [True]


@pytest.mark.django_db
def test_under_a_test_transaction_the_outermost_block_of_the_code_flushes() -> None:
    flush = Recorder()
    with transaction.atomic():
        with transaction.atomic():
            before_commit("t", 1, flush)
        assert flush.calls == []
    assert flush.calls == [[1]]
    before_commit("t", 2, flush)  # directly under the test's transaction: at once
    assert flush.calls == [[1], [2]]
