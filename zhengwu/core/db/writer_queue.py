"""A queue for SQLite's one writer, shared by every process on the machine.

SQLite admits one write transaction at a time. A second process asking for the write lock
(``BEGIN IMMEDIATE``) is not woken when the lock is free: its busy handler sleeps 1, 2, 5, 10, 15,
20, 25 … ms between attempts. With two web workers writing, a transaction of 15 ms typically
waits 18 or 33 ms for a lock that was free after 15, and two workers together commit fewer
transactions per second than one (measured: 28 vs 36 submissions/s, bench/services.py).

Each transaction therefore first takes an exclusive ``flock`` on ``<database>-writer.lock``,
waiting in steps of half a millisecond, and gives it back when it commits, rolls back or its
connection closes. The lock is advisory: SQLite's own locking still guarantees correctness, so a
writer that waited ``timeout`` seconds (the connection's busy timeout) goes ahead without it and
SQLite decides, as before. Writes outside a transaction (autocommit) do not queue.
"""

import fcntl
import os
import time
from pathlib import Path

STEP_SECONDS = 0.0005


class WriterQueue:
    def __init__(self, database: str | Path, timeout: float) -> None:
        self.path = f"{database}-writer.lock"
        self.timeout = timeout
        self._fd: int | None = None
        self.held = False

    def acquire(self) -> bool:
        """Wait for the lock (at most ``timeout`` seconds); whether it is held."""
        if self.held:
            return True
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(STEP_SECONDS)
            else:
                self.held = True
                return True

    def release(self) -> None:
        if self.held and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self.held = False

    def close(self) -> None:
        self.release()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
