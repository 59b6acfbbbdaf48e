"""Workflow engine benchmark (issue 3, "Performance").

1. Inbox query for one user and completing one task, with 1,000 and then 100,000 open
   instances in the database: time per operation at 100,000 ≤ 1.5× the time at 1,000.
   The open instances are bulk-created as copies of an instance the engine really started
   (same engine state, task row, history events and deadline rows as the engine writes);
   the measured user always sees the same 60 tasks, the rest belong to other departments.
2. A 6-step process with one parallel split: per step, the engine's overhead ≤ 10× a bare
   single-row ORM update in the same transaction style (``transaction.atomic`` + UPDATE).
   "Engine overhead" is what running the BPMN engine adds to a step: load the instance's
   state, complete the task in SpiffWorkflow, run it on, serialise it back. The full step
   (locks, task rows, history, audit chain, deadlines, notifications) is printed too.

    .venv/bin/python bench/workflow.py [--quick]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zw_bench .venv/bin/python bench/workflow.py

Uses Django's test-database machinery (``test_zw_bench`` on PostgreSQL, /tmp on SQLite),
dropped at the end. ``--quick`` shrinks the sizes 10×, never the targets.
"""

import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Report, arguments, bench_database, median_time, setup_django

NAME = "workflow"
SUBJECT = "bench.subject"
BPMN = Path(__file__).resolve().parent / "bpmn"
VISIBLE = 60  # tasks the measured user sees, whatever the total
BATCH = 2000
STATE_SIZES: dict[str, float] = {}


class World:
    def __init__(self) -> None:
        from zhengwu.directory.actions import organisation_create
        from zhengwu.directory.models import Account, Region, Role, RoleAssignment
        from zhengwu.workflow import actions
        from zhengwu.workflow.registry import register_subject_type

        register_subject_type(SUBJECT, "基准事项")
        region, _ = Region.objects.get_or_create(code="990100", defaults={"name": "云泽市",
                                                                           "level": 2})  # fmt: skip
        city = organisation_create(actor=None, name="云泽市人民政府", kind="government",
                                   region=region, code="bench-city")  # fmt: skip
        self.departments = [
            organisation_create(
                actor=None,
                name=f"基准局{i:02d}",
                kind="department",
                region=region,
                parent=city,
                code=f"bench-{i:02d}",
            )
            for i in range(20)
        ]
        self.role = Role.objects.create(code="bench-clerk", name="基准承办人")
        self.me = Account.objects.create_user(
            "bench-me",
            "Xx-12345678",
            display_name="基准用户",
            kind="staff",
            organisation=self.departments[0],
        )
        RoleAssignment.objects.create(account=self.me, role=self.role,
                                      organisation=self.departments[0])  # fmt: skip
        for i, dept in enumerate(self.departments[1:], 1):
            other = Account.objects.create_user(
                f"bench-{i}",
                "Xx-12345678",
                kind="staff",
                display_name=f"承办{i}",
                organisation=dept,
            )
            RoleAssignment.objects.create(account=other, role=self.role, organisation=dept)
        for name in ("bench_inbox.bpmn", "bench_six.bpmn"):
            actions.definition_deploy(actor=None, bpmn_xml=(BPMN / name).read_bytes(),
                                      filename=name)  # fmt: skip
        from zhengwu.workdays.models import Deadline

        self.template = self.start("zw_bench_inbox", self.departments[0])
        self.template_row = self.template.tasks.get()
        self.template_deadline = Deadline.objects.get(
            owner_type="workflow.task", owner_id=str(self.template_row.pk)
        )
        self.counter = 0

    def start(self, key: str, org: object) -> object:
        from zhengwu.workflow import actions

        return actions.instance_start(actor=self.me, definition_key=key, owner_type=SUBJECT,
                                      owner_id="1", title="基准事项", organisation=org)  # fmt: skip

    def bulk(self, n: int, visible: int) -> None:
        """``n`` more open instances shaped like the engine's, ``visible`` of them in my pool."""
        from zhengwu.workdays.models import Deadline
        from zhengwu.workflow.models import ProcessInstance, TaskEvent, WorkTask

        t, row, deadline = self.template, self.template_row, self.template_deadline
        rng = random.Random(n)
        others = self.departments[1:]
        done = 0
        while done < n:
            size = min(BATCH, n - done)
            orgs = [self.departments[0] if done + i < visible else rng.choice(others)
                    for i in range(size)]  # fmt: skip
            instances = ProcessInstance.objects.bulk_create([
                ProcessInstance(definition_id=t.definition_id, owner_type=SUBJECT,
                                owner_id=str(self.counter + i), title=f"基准事项{self.counter + i}",
                                url="", organisation=org, initiator_id=t.initiator_id,
                                state=t.state, spec_map=t.spec_map, version=t.version)
                for i, org in enumerate(orgs)
            ])  # fmt: skip
            if instances[0].pk is None:  # backends without RETURNING on bulk insert
                instances = list(ProcessInstance.objects.order_by("-pk")[:size])[::-1]
            due = [row.due_date + timedelta(days=rng.randint(-5, 10)) for _ in instances]
            tasks = WorkTask.objects.bulk_create([
                WorkTask(instance=inst, spiff_task_id=row.spiff_task_id, element_id=row.element_id,
                         element_name=row.element_name, scope=row.scope, status="open",
                         candidate_role_id=row.candidate_role_id, candidate_organisation=org,
                         candidate_org_path=org.tree_path, limit_days=row.limit_days,
                         due_date=d)
                for inst, org, d in zip(instances, orgs, due, strict=True)
            ])  # fmt: skip
            if tasks[0].pk is None:
                tasks = list(WorkTask.objects.order_by("-pk")[:size])[::-1]
            TaskEvent.objects.bulk_create(
                [TaskEvent(instance=inst, kind="started", actor_id=t.initiator_id)
                 for inst in instances]
                + [TaskEvent(instance_id=task.instance_id, task=task, kind="created")
                   for task in tasks]
            )  # fmt: skip
            Deadline.objects.bulk_create([
                Deadline(owner_type="workflow.task", owner_id=str(task.pk), label=deadline.label,
                         start=deadline.start, working_days=deadline.working_days,
                         due_date=task.due_date if task.due_date >= deadline.start
                         else deadline.start)
                for task in tasks
            ])  # fmt: skip
            self.counter += size
            done += size
            visible = max(0, visible - size)

    def my_open_tasks(self) -> list:
        from zhengwu.workflow.models import WorkTask

        return list(WorkTask.objects.filter(
            status="open", candidate_organisation=self.departments[0], element_id="accept"
        ).order_by("pk"))  # fmt: skip


def inbox_op(me: object) -> None:
    from zhengwu.workflow import selectors

    list(selectors.inbox_todo(me, selectors.InboxFilters())[:20])
    selectors.inbox_counts(me)


def complete_ops(world: World, count: int) -> float:
    """Median seconds to complete one of my tasks (a different task each time)."""
    from zhengwu.workflow import actions

    tasks = world.my_open_tasks()[: count + 1]
    actions.task_complete(actor=world.me, task=tasks[0], decision="approve")  # warm-up
    samples = []
    for task in tasks[1:]:
        start = time.perf_counter()
        actions.task_complete(actor=world.me, task=task, decision="approve",
                              form_data={"amount": "12.5"})  # fmt: skip
        samples.append(time.perf_counter() - start)
    samples.sort()
    return samples[len(samples) // 2]


def analyze() -> None:
    from django.db import connection

    # PostgreSQL: planner statistics, as autovacuum would gather after a bulk load. SQLite is
    # left as Django leaves it (no sqlite_stat1): with statistics from this synthetic data,
    # where every task is a candidate task, it would estimate the personal-assignee branch as
    # the whole table and scan.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def six_step(world: World, rounds: int) -> tuple[float, float, float]:
    """Median per-step seconds: full step, engine part of a step, bare ORM update."""
    from django.db import transaction

    from zhengwu.workflow import actions, engine
    from zhengwu.workflow.models import WorkTask

    def run_once() -> tuple[float, int]:
        instance = world.start("zw_bench_six", world.departments[0])
        steps, elapsed = 0, 0.0
        while True:
            open_rows = list(instance.tasks.filter(status__in=["open", "claimed"]).order_by("pk"))
            if not open_rows:
                break
            for row in open_rows:
                start = time.perf_counter()
                actions.task_complete(actor=world.me, task=row, decision="approve")
                elapsed += time.perf_counter() - start
                steps += 1
        if steps != 6:
            raise RuntimeError(f"the six-step process ran {steps} steps")
        return elapsed / steps, instance.pk

    run_once()
    per_step = sorted(run_once()[0] for _ in range(rounds))[rounds // 2]

    # The engine's share of a step, on the same kind of state: load, complete, run, dump.
    instance = world.start("zw_bench_six", world.departments[0])
    row = instance.tasks.get(status="open")

    def engine_step() -> None:
        wf = engine.load(instance.state)
        engine.complete(wf, row.spiff_task_id, {"decision": "approve"})
        engine.dump(wf)

    engine_time = median_time(engine_step, rounds * 6, warmup=3)

    # Before the slim state (fourth session) every state carried its specs inline: the same
    # step on such a state, and both sizes, for comparison (printed, no target).
    inline_state = engine.dump(engine.load(instance.state), store=False)

    def engine_step_inline() -> None:
        wf = engine.load(inline_state)
        engine.complete(wf, row.spiff_task_id, {"decision": "approve"})
        engine.dump(wf, store=False)

    inline_time = median_time(engine_step_inline, rounds * 6, warmup=3)
    STATE_SIZES.update(slim=len(instance.state), inline=len(inline_state),
                       engine_inline=inline_time)  # fmt: skip
    target = WorkTask.objects.filter(pk=row.pk)

    def bare_update() -> None:
        with transaction.atomic():
            target.update(opinion="基准")

    bare = median_time(bare_update, rounds * 30, warmup=10)
    return per_step, engine_time, bare


def main() -> int:
    args = arguments(__doc__.splitlines()[0])
    setup_django()
    from django.db import connection

    scale = 10 if args.quick else 1
    small, large = 1000 // scale, 100_000 // scale
    report = Report(NAME)
    with bench_database("zw_bench"):
        report.info(f"database={connection.vendor} small={small} large={large}")
        world = World()
        world.bulk(small - 1, VISIBLE - 1)
        analyze()
        inbox_small = median_time(lambda: inbox_op(world.me), 30, warmup=5)
        complete_small = complete_ops(world, 15)
        # Back to the same number of tasks I see, then grow to the large size.
        world.bulk(large - small, VISIBLE - len(world.my_open_tasks()))
        analyze()
        inbox_large = median_time(lambda: inbox_op(world.me), 30, warmup=5)
        complete_large = complete_ops(world, 15)
        report.info(f"inbox_ms_at_{small}={inbox_small * 1000:.2f} "
                    f"inbox_ms_at_{large}={inbox_large * 1000:.2f}")  # fmt: skip
        report.metric("inbox_ratio_large_vs_small", inbox_large / inbox_small, "<=", 1.5)
        report.info(f"complete_ms_at_{small}={complete_small * 1000:.2f} "
                    f"complete_ms_at_{large}={complete_large * 1000:.2f}")  # fmt: skip
        report.metric("complete_ratio_large_vs_small", complete_large / complete_small, "<=",
                      1.5)  # fmt: skip
        per_step, engine_time, bare = six_step(world, 3 if args.quick else 7)
        report.info(f"six_step_full_step_ms={per_step * 1000:.2f} "
                    f"engine_ms_per_step={engine_time * 1000:.2f} "
                    f"bare_update_ms={bare * 1000:.3f} "
                    f"full_step_vs_bare={per_step / bare:.1f}x")  # fmt: skip
        report.info(
            f"state_bytes_slim={STATE_SIZES['slim']:.0f} "
            f"state_bytes_inline_before={STATE_SIZES['inline']:.0f} "
            f"engine_ms_per_step_inline_before={STATE_SIZES['engine_inline'] * 1000:.2f}"
        )
        report.metric("engine_overhead_per_step_vs_bare_update", engine_time / bare, "<=", 10)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
