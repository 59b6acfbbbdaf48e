"""Shared helpers of the benchmarks in bench/ (see DESIGN.md "Habits").

Each benchmark prints one line per metric, ``NAME: <metric>=<value> target <op> <value>
PASS|FAIL``, values being ratios against a reference measured in the same run, and ends with
``NAME: all targets PASS`` or ``NAME: N targets FAIL``.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def arguments(description: str, *, only: bool = False) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="sizes shrunk 10x (targets unchanged); under a minute"
    )
    if only:
        parser.add_argument("--only", default="", help="run only the metrics whose name has this")
    return parser.parse_args()


@contextmanager
def bench_database(name: str) -> Iterator[None]:
    """A throw-away database through Django's test-database machinery: ``test_<name>`` on
    PostgreSQL (DATABASE_URL), a file under /tmp on SQLite. Dropped afterwards."""
    from django.db import connection

    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        settings_dict.setdefault("TEST", {})["NAME"] = f"/tmp/{name}.sqlite3"  # noqa: S108
    else:
        settings_dict.setdefault("TEST", {})["NAME"] = f"test_{name}"
    old_name = settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)


def median_time(fn: Callable[[], Any], repeat: int, warmup: int = 1) -> float:
    """Median seconds per call (the machine is shared and noisy: the median, not the mean)."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


class Report:
    def __init__(self, name: str) -> None:
        self.name = name
        self.failed = 0

    def info(self, text: str) -> None:
        print(f"{self.name}: {text}", flush=True)

    def metric(self, metric: str, value: float, op: str, target: float) -> bool:
        ok = value <= target if op == "<=" else value >= target
        self.failed += 0 if ok else 1
        print(f"{self.name}: {metric}={value:.2f} target {op} {target:g} "
              f"{'PASS' if ok else 'FAIL'}", flush=True)  # fmt: skip
        return ok

    def finish(self) -> int:
        if self.failed:
            print(f"{self.name}: {self.failed} targets FAIL", flush=True)
            return 1
        print(f"{self.name}: all targets PASS", flush=True)
        return 0
