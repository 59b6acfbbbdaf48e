"""Work done inside a transaction just before it commits.

``before_commit(key, item, flush)`` collects ``item`` under ``key``; just before the outermost
transaction commits, ``flush`` is called once with every item collected under that key, inside
the transaction, so that its writes commit (or fail) with the work they belong to. Items
recorded inside a savepoint that is rolled back are dropped, as Django drops ``on_commit``
callbacks. The audit trail uses it to append a transaction's entries with two statements instead
of two per entry, and to hold the chain head's lock only for the moment of commit.

Under a test's transaction (``TestCase``, pytest-django's ``db``), which never commits, the
collected items are flushed when the outermost block of the code under test ends instead.
Outside any transaction the item is flushed at once, in a transaction of its own.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

Flush = Callable[[list[Any]], None]


@dataclass
class _Pending:
    flush: Flush
    items: list[tuple[frozenset[str], Any]] = field(default_factory=list)


def before_commit(key: str, item: Any, flush: Flush, using: str = DEFAULT_DB_ALIAS) -> None:
    connection = connections[using]
    if isinstance(connection, PreCommitHooks):
        connection.before_commit(key, item, flush)
    else:  # another backend: no hook, so no batching
        with transaction.atomic(using=using, savepoint=False):
            flush([item])


class PreCommitHooks:
    """Mixed into the backends' ``DatabaseWrapper`` (``zhengwu.core.db.<vendor>.base``)."""

    @property
    def _pending(self) -> dict[str, _Pending]:
        return self.__dict__.setdefault("_zw_pending", {})

    def before_commit(self, key: str, item: Any, flush: Flush) -> None:
        if self.get_autocommit():  # type: ignore[attr-defined]
            with transaction.atomic(using=self.alias, savepoint=False):  # type: ignore[attr-defined]
                flush([item])
        elif self._ends_with_test_transaction():
            flush([item])  # at commit time, or directly under a test's transaction
        else:
            pending = self._pending.setdefault(key, _Pending(flush))
            pending.items.append((frozenset(self.savepoint_ids), item))  # type: ignore[attr-defined]

    def _ends_with_test_transaction(self) -> bool:
        """No block that will commit is open: either the outermost block is committing now, or
        only a test case's blocks (which roll back) remain."""
        return all(getattr(b, "_from_testcase", False) for b in self.atomic_blocks)  # type: ignore[attr-defined]

    def _run_before_commit(self) -> None:
        pending = self._pending
        while pending:
            key = next(iter(pending))
            entry = pending.pop(key)
            items = [item for _sids, item in entry.items]
            if items:
                entry.flush(items)

    def commit(self) -> None:
        try:
            self._run_before_commit()
        except BaseException:
            # Nothing of the transaction may commit without what had to be written with it.
            self.rollback()  # type: ignore[attr-defined]
            raise
        super().commit()  # type: ignore[misc]

    def savepoint_commit(self, sid: str) -> None:
        if self._ends_with_test_transaction():
            self._run_before_commit()  # still inside the savepoint: a failure rolls it back
        super().savepoint_commit(sid)  # type: ignore[misc]

    def savepoint_rollback(self, sid: str) -> None:
        super().savepoint_rollback(sid)  # type: ignore[misc]
        for entry in self._pending.values():
            entry.items = [(sids, item) for sids, item in entry.items if sid not in sids]

    def rollback(self) -> None:
        super().rollback()  # type: ignore[misc]
        self._pending.clear()

    def close(self) -> None:
        self._pending.clear()
        super().close()  # type: ignore[misc]
