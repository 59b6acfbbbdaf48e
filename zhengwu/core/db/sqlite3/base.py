from typing import Any

from django.db.backends.sqlite3 import base

from zhengwu.core.db.hooks import PreCommitHooks
from zhengwu.core.db.writer_queue import WriterQueue


class DatabaseWrapper(PreCommitHooks, base.DatabaseWrapper):
    """Django's SQLite backend with pre-commit hooks and, for a database file, the machine-wide
    writer queue (core/db/writer_queue.py) in front of each transaction."""

    _writer_queue: WriterQueue | None = None

    def _writers(self) -> WriterQueue | None:
        if self._writer_queue is None:
            name = self.settings_dict["NAME"]
            if not name or self.creation.is_in_memory_db(name):
                return None
            timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
            self._writer_queue = WriterQueue(name, timeout)
        return self._writer_queue

    def _start_transaction_under_autocommit(self) -> None:
        queue = self._writers()
        if queue is not None:
            queue.acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._writers_release()
            raise

    def _writers_release(self) -> None:
        if self._writer_queue is not None:
            self._writer_queue.release()

    def _commit(self) -> Any:
        try:
            return super()._commit()
        finally:
            self._writers_release()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()
        finally:
            self._writers_release()

    def _close(self) -> Any:
        try:
            return super()._close()
        finally:
            if self._writer_queue is not None:
                self._writer_queue.close()
                self._writer_queue = None
