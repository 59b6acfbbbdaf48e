"""Benchmark of electronic supervision (issue 7).

1. Re-evaluating every clock of 1,000,000 open time limits (about 1 % change colour): time of
   ``clocks_evaluate`` ≤ 50× a plain ``SELECT count(*)`` over the clock table, same run.
2. Dashboard over 1,000,000 cases' time limits (half concluded): each aggregate query of the
   dashboard (by department and colour, on-time rate, average/P90 per item, monthly trend) ≤ 5×
   ``SELECT count(*)`` over the same table. The target is for PostgreSQL; SQLite is printed too.

Rows are generated with SQL (generate_series / a recursive CTE). ``--quick`` shrinks to 100,000.
Run: ``.venv/bin/python bench/supervision.py [--quick]``; PostgreSQL:
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/supervision.py``.
"""

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Report, arguments, bench_database, median_time, setup_django

NAME = "supervision"
TODAY = date(2026, 10, 12)


def _series(vendor: str, n: int) -> str:
    if vendor == "postgresql":
        return f"SELECT g FROM generate_series(1, {int(n)}) AS g"
    return f"WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {int(n)}) SELECT g FROM s"  # noqa: E501


def _day(vendor: str, base: str, offset_sql: str) -> str:
    if vendor == "postgresql":
        return f"(DATE '{base}' + ({offset_sql})::int)"
    return f"date('{base}', '+' || ({offset_sql}) || ' days')"


def populate(n: int, org_first: int, orgs: int) -> None:
    """n deadlines and their clocks, all open; 1 % due to change colour on TODAY."""
    from django.db import connection, transaction

    from zhengwu.supervision.models import Clock
    from zhengwu.workdays.models import Deadline

    v = connection.vendor
    text = "g::text" if v == "postgresql" else "CAST(g AS TEXT)"
    now = "now()" if v == "postgresql" else "datetime('now')"
    start = _day(v, "2026-09-01", "g % 30")
    due = _day(v, "2026-09-01", "g % 30 + 40")
    d_table, c_table = Deadline._meta.db_table, Clock._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {d_table} (owner_type, owner_id, label, start, working_days, due_date, "
            f"is_open, suspended_working_days, opened_at, updated_at) "
            f"SELECT 'eservices.application', {text}, 'promised', {start}, 28, {due}, "
            f"TRUE, 0, {now}, {now} FROM ({_series(v, n)}) AS s"
        )
        # 1 % change on TODAY (half of them to red), the rest change later.
        next_change = (
            f"CASE WHEN d.id % 100 = 0 THEN {_day(v, '2026-10-11', '0')} "
            f"ELSE {_day(v, '2026-10-13', 'd.id % 30')} END"
        )
        red_on = (
            f"CASE WHEN d.id % 200 = 0 THEN {_day(v, '2026-10-10', '0')} "
            f"ELSE {_day(v, '2026-10-20', 'd.id % 30')} END"
        )
        cur.execute(
            f"INSERT INTO {c_table} (deadline_id, owner_type, owner_id, label, organisation_id, "
            f"title, url, category, start, working_days, due_date, yellow_on, red_on, "
            f"next_change_on, colour, colour_since, is_open, is_paused, deadline_updated_at) "
            f"SELECT d.id, d.owner_type, d.owner_id, d.label, {org_first} + d.id % {orgs}, "
            f"'办件' || d.owner_id, '', 'item' || (d.id % 50) || ':事项' || (d.id % 50), "
            f"d.start, d.working_days, d.due_date, {next_change}, {red_on}, {next_change}, "
            f"'green', d.start, TRUE, FALSE, d.updated_at FROM {d_table} AS d"
        )
    if v == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"VACUUM ANALYZE {c_table}")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


def conclude_half() -> None:
    from django.db import connection, transaction

    from zhengwu.supervision.models import Clock

    v = connection.vendor
    closed = _day(v, "2026-01-01", "id % 280 + 3")  # late when id % 7 < 3
    due = _day(v, "2026-01-01", "id % 280 + id % 7")
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"UPDATE {Clock._meta.db_table} SET is_open = FALSE, next_change_on = NULL, "
            f"closed_on = {closed}, due_date = {due}, elapsed_days = id % 41, "
            f"colour = CASE WHEN id % 7 > 3 THEN 'red' ELSE 'green' END WHERE id % 2 = 0"
        )
        # The open half: some yellow and red.
        cur.execute(
            f"UPDATE {Clock._meta.db_table} SET colour = CASE WHEN id % 11 = 1 THEN 'red' "
            f"WHEN id % 11 = 3 THEN 'yellow' ELSE 'green' END WHERE id % 2 = 1"
        )
    with connection.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {Clock._meta.db_table}" if v == "postgresql" else "ANALYZE")


def count_all() -> int:
    """The reference: ``SELECT count(*)`` over the clock table. SQLite answers a bare
    ``count(*)`` from the b-tree's page counts without reading a row (OP_Count, microseconds),
    which is no yardstick for a query that must read rows; there the reference is a count that
    reads every row (``WHERE colour <> ''``). PostgreSQL always scans: plain count(*)."""
    from django.db import connection

    from zhengwu.supervision.models import Clock

    where = "" if connection.vendor == "postgresql" else " WHERE colour <> ''"
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {Clock._meta.db_table}{where}")
        return cur.fetchone()[0]


def main() -> int:
    args = arguments(__doc__.splitlines()[0])
    setup_django()
    from django.db import connection, transaction

    report = Report(NAME)
    n = 100_000 if args.quick else 1_000_000
    with bench_database("zw_bench_sup"):
        from zhengwu.directory.actions import organisation_create
        from zhengwu.directory.models import Account, Region, Role, RoleAssignment
        from zhengwu.supervision import selectors
        from zhengwu.supervision.clocks import clocks_evaluate

        region = Region.objects.create(code="990100", name="云泽市", level=2)
        city = organisation_create(actor=None, name="云泽市人民政府", kind="government",
                                   region=region, code="b-city")  # fmt: skip
        depts = [organisation_create(actor=None, name=f"部门{i}", kind="department",
                                     region=region, parent=city, code=f"b-d{i}")
                 for i in range(20)]  # fmt: skip
        ids = [d.pk for d in depts]
        if ids != list(range(ids[0], ids[0] + 20)):
            raise SystemExit("organisation ids must be contiguous")
        role = Role.objects.create(code="supervisor", name="监察员")
        from django.contrib.auth.models import Permission

        role.permissions.set(Permission.objects.filter(codename="supervise"))
        supervisor = Account.objects.create_user("sup", "Xx-12345678", display_name="监察",
                                                 kind="staff", organisation=city)  # fmt: skip
        RoleAssignment.objects.create(account=supervisor, role=role, organisation=city,
                                      covers_subtree=True)  # fmt: skip

        report.info(f"database={connection.vendor} clocks={n}")
        populate(n, ids[0], 20)
        reference = median_time(count_all, repeat=5)

        changed: list[int] = []

        def evaluate() -> None:
            with transaction.atomic():
                changed.append(clocks_evaluate(today=TODAY))
                transaction.set_rollback(True)

        evaluation = median_time(evaluate, repeat=3)
        report.info(f"count(*)={reference * 1000:.1f}ms evaluate={evaluation * 1000:.1f}ms "
                    f"changed={changed[-1]} of {n}")  # fmt: skip
        report.metric("evaluate_vs_count", evaluation / reference, "<=", 50)

        conclude_half()
        reference = median_time(count_all, repeat=5)
        filters = selectors.ClockFilters()
        queries = {
            "by_department": lambda: selectors.counts_by_organisation(supervisor, filters),
            "on_time": lambda: selectors.on_time(supervisor, filters),
            "processing_time": lambda: selectors.processing_times(supervisor, filters),
            "monthly_trend": lambda: selectors.monthly_trend(supervisor, filters),
        }
        report.info(f"count(*)={reference * 1000:.1f}ms over {count_all()} clocks")
        for name, fn in queries.items():
            t = median_time(fn, repeat=3)
            report.info(f"{name}={t * 1000:.1f}ms")
            if connection.vendor == "postgresql":
                report.metric(f"{name}_vs_count", t / reference, "<=", 5)
            else:
                report.info(f"{name}_vs_count={t / reference:.2f} (target applies on PostgreSQL)")
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
