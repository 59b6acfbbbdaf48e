"""The only module that touches SpiffWorkflow.

Everything else in Zhengwu (including ``actions.py``) sees workflows through the small
functions below: build a workflow from deployed diagrams, load/save its JSON state, list the
human tasks that are ready, complete one, reset to an earlier step, cancel. Conditions and
scripts run in a restricted Python environment (``RestrictedEnvironment``).
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import (
    MultiInstanceTask,
    ParallelMultiInstanceTask,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from zhengwu.workflow.diagram import SAFE_BUILTINS, DiagramError, check_expression, parse_xml

# Completion conditions of multi-person steps when the diagram gives none: in 会签 (all) and
# 依次 (sequence) one refusal ends the step as refused; in 或签 (any) the first answer decides.
DEFAULT_COMPLETION = {"all": 'decision == "reject"', "sequence": 'decision == "reject"',
                      "any": "True"}  # fmt: skip


class EngineError(Exception):
    """The process cannot go on (a condition failed, no gateway path matched …)."""

    def __init__(self, message: str, *, element_id: str = "", element_name: str = "") -> None:
        self.message = message
        self.element_id = element_id
        self.element_name = element_name
        super().__init__(message)


class RestrictedEnvironment(TaskDataEnvironment):
    """Task data plus a few harmless builtins; expressions are checked before they run."""

    def __init__(self) -> None:
        super().__init__({"__builtins__": SAFE_BUILTINS})

    def _guard(self, source: str, mode: str) -> None:
        problem = check_expression(source, mode=mode)
        if problem:
            raise ValueError(problem)

    def evaluate(self, expression: str, context: dict, external_context: Any = None) -> Any:
        self._guard(expression, "eval")
        return super().evaluate(expression, context, external_context)

    def execute(self, script: str, context: dict, external_context: Any = None) -> bool:
        self._guard(script, "exec")
        return super().execute(script, context, external_context)


SCRIPT_ENGINE = PythonScriptEngine(environment=RestrictedEnvironment())


class _SpecCachingConverter(BpmnWorkflowConverter):
    """The stored state keeps its specs (an instance stays readable whatever is deployed
    later), but rebuilding them on every load was most of a step's engine time: restored specs
    are cached by content, and their serialised form by object. Specs are never changed once
    built (the same objects are already shared by ``_specs``)."""

    _restored: dict[str, tuple[Any, dict[str, Any]]] = {}
    _converted: dict[int, tuple[Any, dict[str, Any]]] = {}
    _encoded: dict[int, tuple[dict[str, Any], str]] = {}

    @classmethod
    def spec_json(cls, converted: dict[str, Any]) -> str:
        hit = cls._encoded.get(id(converted))
        if hit is not None and hit[0] is converted:
            return hit[1]
        text = json.dumps(converted, cls=SERIALIZER._encoder_cls)
        if len(cls._encoded) > 512:
            cls._encoded.clear()
        cls._encoded[id(converted)] = (converted, text)
        return text

    def _convert_spec(self, spec: Any) -> dict[str, Any]:
        hit = self._converted.get(id(spec))
        if hit is not None and hit[0] is spec:
            return hit[1]
        converted = self.registry.convert(spec)
        if len(self._converted) > 512:
            self._converted.clear()
        self._converted[id(spec)] = (spec, converted)
        return converted

    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["spec"] = self._convert_spec(workflow.spec)
        dct["subprocess_specs"] = {
            name: self._convert_spec(sub) for name, sub in workflow.subprocess_specs.items()
        }
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> Any:
        spec_dct, sub_dct = dct.pop("spec"), dct.pop("subprocess_specs", {})
        if isinstance(spec_dct, dict) and SPEC_REF in spec_dct:
            # A slim state: the specs are stored once (EngineSpec), named by their hash.
            key = "sha256:" + spec_dct[SPEC_REF]
            specs = self._restored.get(key)
            if specs is None:
                blob = json.loads(_fetch_specs(spec_dct[SPEC_REF]),
                                  cls=SERIALIZER.json_decoder_cls)  # fmt: skip
                spec_dct, sub_dct = blob["spec"], blob["subprocess_specs"]
        else:
            key = json.dumps([spec_dct, sub_dct])  # parsed in stored order: equal text, equal key
            specs = self._restored.get(key)
        if specs is None:
            specs = (self.registry.restore(spec_dct), self.mapping_from_dict(sub_dct))
            if len(self._restored) > 256:
                self._restored.clear()
            self._restored[key] = specs
            for spec in (specs[0], *specs[1].values()):
                self._converted[id(spec)] = (spec, json.loads(json.dumps(
                    self.registry.convert(spec))))  # fmt: skip
        workflow = self.target_class(specs[0], dict(specs[1]), deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


SERIALIZER = BpmnWorkflowSerializer(
    BpmnWorkflowSerializer.configure({**DEFAULT_CONFIG, BpmnWorkflow: _SpecCachingConverter})
)


@dataclass(frozen=True)
class Diagram:
    """A deployed definition as the engine needs it."""

    pk: int
    key: str
    bpmn_xml: str
    # element id -> multi-person mode of its multi-instance user tasks
    multi_modes: dict[str, str]


@dataclass
class HumanTask:
    """A READY user task, as the rest of the module sees it."""

    id: UUID
    element_id: str
    element_name: str
    scope: str  # the (sub)process spec name, i.e. a process key or embedded sub-process id
    data: dict[str, Any]
    multi_parent: UUID | None


def _validation_message(exc: ValidationException) -> DiagramError:
    name = getattr(exc, "name", "") or ""
    ident = getattr(exc, "id", "") or ""
    where = f"“{name}”（{ident}）" if name else (f"（{ident}）" if ident else "")
    return DiagramError(
        _("The diagram is not executable at %(where)s: %(error)s")
        % {"where": where or _("an unnamed element"), "error": str(exc)},
        element_id=ident,
        element_name=name,
    )


def _parser(diagrams: Iterable[Diagram]) -> BpmnParser:
    parser = BpmnParser()
    for d in diagrams:
        parser.add_bpmn_xml(parse_xml(d.bpmn_xml), filename=f"{d.key}.bpmn")
    return parser


def check_executable(bpmn_xml: str, key: str, called: Iterable[Diagram] = ()) -> None:
    """Let SpiffWorkflow's parser build the process (and what it calls); raise DiagramError."""
    try:
        parser = _parser([Diagram(0, key, bpmn_xml, {}), *called])
        parser.get_spec(key)
        parser.get_subprocess_specs(key, require_call_activity_specs=True)
    except ValidationException as exc:
        raise _validation_message(exc) from None
    except DiagramError:
        raise
    except Exception as exc:  # noqa: BLE001 - report any parser failure as a refusal
        raise DiagramError(_("The diagram is not executable: %(error)s") % {"error": exc}) from None


_SPEC_CACHE: dict[tuple[Any, ...], tuple[Any, dict[str, Any]]] = {}


def _specs(top: Diagram, called: list[Diagram]) -> tuple[Any, dict[str, Any]]:
    # Specs are immutable once built and definitions never change, so they are cached per set
    # of definitions (id and content: a database restored or rebuilt may reuse ids).
    cache_key = tuple(
        (d.pk, d.key, hash(d.bpmn_xml)) for d in (top, *sorted(called, key=lambda c: c.pk))
    )
    if cache_key in _SPEC_CACHE:
        return _SPEC_CACHE[cache_key]
    parser = _parser([top, *called])
    spec = parser.get_spec(top.key)
    subprocess_specs = parser.get_subprocess_specs(top.key)
    modes: dict[str, str] = {}
    for d in (top, *called):
        modes.update(d.multi_modes)
    for s in (spec, *subprocess_specs.values()):
        for task_spec in s.task_specs.values():
            _pin_timer(task_spec)
            if isinstance(task_spec, MultiInstanceTask) and task_spec.condition is None:
                mode = modes.get(task_spec.bpmn_id)
                if mode:
                    task_spec.condition = DEFAULT_COMPLETION[mode]
    if len(_SPEC_CACHE) > 256:
        _SPEC_CACHE.clear()
    _SPEC_CACHE[cache_key] = (spec, subprocess_specs)
    return spec, subprocess_specs


# The scheduler (actions.timers_tick) is the clock: timers fire when it says so, counted in
# working days where the diagram asks. The engine's own timer would fire by wall time, so each
# timer's expression is replaced by one that never runs out; ``fire_timer`` trips it.
PINNED_TIMER = "'P36500D'"


def _pin_timer(task_spec: Any) -> None:
    definition = getattr(task_spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition) and definition.expression != PINNED_TIMER:
        task_spec.event_definition = DurationTimerEventDefinition(
            definition.name, PINNED_TIMER, description=definition.description
        )


def _engine_error(exc: Exception) -> EngineError:
    task = getattr(exc, "task", None)
    spec = getattr(task, "task_spec", None) or getattr(exc, "task_spec", None)
    ident = getattr(spec, "bpmn_id", "") or ""
    name = getattr(spec, "bpmn_name", "") or ""
    where = f"“{name}”（{ident}）" if name else f"（{ident}）"
    detail = str(getattr(exc, "exception", None) or exc)
    return EngineError(
        _("The process cannot continue at %(where)s: %(error)s")
        % {"where": where, "error": detail},
        element_id=ident,
        element_name=name,
    )


def _run(wf: BpmnWorkflow) -> None:
    try:
        wf.do_engine_steps()
    except (SpiffWorkflowException, ValueError, KeyError, TypeError, NameError) as exc:
        raise _engine_error(exc) from None


def start(top: Diagram, called: list[Diagram], variables: dict[str, Any]) -> BpmnWorkflow:
    spec, subprocess_specs = _specs(top, called)
    wf = BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE)
    for task in wf.get_tasks(state=TaskState.READY):
        task.data.update(variables)
    _run(wf)
    return wf


# --------------------------------------------------------------------------- slim states
# The specs (~12 KB) are the same for every instance of a version: ``dump`` stores them once in
# ``EngineSpec`` (content-addressed by SHA-256) and writes ``{"zw_spec_ref": sha}`` in their
# place; ``load`` accepts that and, for states written before, specs inline.
SPEC_REF = "zw_spec_ref"
_BLOBS: dict[tuple[Any, ...], tuple[tuple[Any, ...], str, str]] = {}


def _fetch_specs(sha: str) -> str:
    from zhengwu.workflow.models import EngineSpec

    text = EngineSpec.objects.filter(sha256=sha).values_list("spec", flat=True).first()
    if text is None:
        raise EngineError(_("The engine state refers to process specs that are not stored."))
    return text


def _spec_blob(spec: dict[str, Any], subs: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """(sha256, JSON text) of the converted specs, cached by the identity of the converted
    dicts (they are cached per spec object by the converter, so a step re-uses them)."""
    objects = (spec, *[subs[name] for name in sorted(subs)])
    key = (id(spec), *[(name, id(subs[name])) for name in sorted(subs)])
    hit = _BLOBS.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], objects, strict=True)):
        return hit[1], hit[2]
    encode = _SpecCachingConverter.spec_json
    subs_json = ", ".join(f"{json.dumps(name)}: {encode(subs[name])}" for name in sorted(subs))
    text = f'{{"spec": {encode(spec)}, "subprocess_specs": {{{subs_json}}}}}'
    sha = hashlib.sha256(text.encode()).hexdigest()
    if len(_BLOBS) > 256:
        _BLOBS.clear()
    _BLOBS[key] = (objects, sha, text)
    return sha, text


def _store_specs(sha: str, text: str) -> None:
    """Store the specs unless they are: a plain look-up by key first, because every new instance
    of a version comes here and the row (~12 KB) is almost always there already."""
    from django.db import connection

    from zhengwu.workflow.models import EngineSpec

    with connection.cursor() as cursor:
        cursor.execute(_SPEC_EXISTS_SQL, [sha])
        if cursor.fetchone() is not None:
            return
    EngineSpec.objects.bulk_create([EngineSpec(sha256=sha, spec=text)], ignore_conflicts=True)


_SPEC_EXISTS_SQL = "SELECT 1 FROM workflow_enginespec WHERE sha256 = %s"


def load(state: str) -> BpmnWorkflow:
    dct = json.loads(state, cls=SERIALIZER.json_decoder_cls)
    ref = dct.get("spec")
    sha = ref.get(SPEC_REF) if isinstance(ref, dict) else None
    SERIALIZER.migrate(dct)
    wf = SERIALIZER.from_dict(dct)
    wf.script_engine = SCRIPT_ENGINE
    wf._zw_spec_sha = sha  # dump() need not store specs that this state already names
    return wf


# An unguessable placeholder: the top spec's JSON (the same text for every step of every
# instance of a version) is encoded once and spliced in, not re-encoded on each save.
_SPEC_SLOT = f"zw-spec-{uuid4().hex}"


def dump(wf: BpmnWorkflow, *, store: bool = True) -> str:
    """The state to save. With ``store`` (the default) the specs go to ``EngineSpec`` once
    and the state names them by hash (inside the caller's transaction, so a rolled-back step
    leaves nothing behind); ``store=False`` keeps them inline (self-contained, writes nothing:
    used by checks that only need to know the state serialises)."""
    registry = SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = SERIALIZER.to_dict(wf)
        dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
        if store:
            sha, text = _spec_blob(dct["spec"], dct["subprocess_specs"])
            if getattr(wf, "_zw_spec_sha", None) != sha:
                _store_specs(sha, text)
                wf._zw_spec_sha = sha  # stored in this transaction: the next dump skips it
            dct["spec"], dct["subprocess_specs"] = {SPEC_REF: sha}, {}
            return json.dumps(dct, cls=SERIALIZER._encoder_cls)
        spec_json = _SpecCachingConverter.spec_json(dct["spec"])
        dct["spec"] = _SPEC_SLOT
        text = json.dumps(dct, cls=SERIALIZER._encoder_cls)
    finally:
        registry._encoder_mode = False
    return text.replace(f'"{_SPEC_SLOT}"', spec_json, 1)


def is_completed(wf: BpmnWorkflow) -> bool:
    return bool(wf.completed)


def ready_human_tasks(wf: BpmnWorkflow) -> list[HumanTask]:
    result = []
    for t in wf.get_tasks(state=TaskState.READY):
        if not t.task_spec.manual:
            continue
        parent = t.parent
        # A step right after a multi-instance step also has it as parent in the task tree; only
        # the instances themselves (the child spec it names) belong to it.
        multi_parent = (
            parent.id
            if parent
            and isinstance(parent.task_spec, MultiInstanceTask)
            and parent.task_spec.task_spec == t.task_spec.name
            else None
        )
        result.append(
            HumanTask(
                id=t.id,
                element_id=t.task_spec.bpmn_id,
                element_name=t.task_spec.bpmn_name or t.task_spec.bpmn_id,
                scope=t.workflow.spec.name,
                data=t.data,
                multi_parent=multi_parent,
            )
        )
    return result


def task_data(wf: BpmnWorkflow, task_id: UUID) -> dict[str, Any]:
    task = wf.get_task_from_id(task_id)
    return dict(task.data) if task is not None else {}


def complete(wf: BpmnWorkflow, task_id: UUID, updates: dict[str, Any]) -> None:
    task = wf.get_task_from_id(task_id)
    if task is None or task.state != TaskState.READY:
        raise EngineError(_("This step is no longer waiting to be done."))
    task.data.update(updates)
    parent_spec = task.parent.task_spec if task.parent is not None else None
    if isinstance(parent_spec, MultiInstanceTask) and parent_spec.input_item is not None:
        # The item was only this signer's input; merged back it would clash with the next one.
        task.data.pop(parent_spec.input_item.bpmn_id, None)
    try:
        task.run()
    except (SpiffWorkflowException, ValueError, KeyError, TypeError, NameError) as exc:
        raise _engine_error(exc) from None
    _run(wf)


def _is_before(wf: BpmnWorkflow, target: Any, current: Any) -> bool:
    """Is ``target`` on the path that led to ``current`` (climbing out of sub-processes)?"""
    task = current
    while task is not None:
        if task.is_descendant_of(target):
            return True
        parent_id = task.workflow.parent_task_id
        task = wf.get_task_from_id(parent_id) if parent_id is not None else None
    return False


def reset_to(wf: BpmnWorkflow, current_id: UUID, target_element: str) -> bool:
    """Send the process back from ``current_id`` to the last run of ``target_element``.

    Everything after that step is dropped from the tree (including sibling branches of a
    parallel split in progress), so no orphan tasks remain. False if the step is not earlier.
    """
    current = wf.get_task_from_id(current_id)
    if current is None:
        return False
    candidates = [
        t for t in wf.get_tasks(state=TaskState.COMPLETED)
        if t.task_spec.bpmn_id == target_element and t.task_spec.name == target_element
        and t.task_spec.manual is not None and _is_before(wf, t, current)
    ]  # fmt: skip
    if not candidates:
        return False
    target = max(candidates, key=lambda t: t.last_state_change)
    try:
        wf.reset_from_task_id(target.id)
    except SpiffWorkflowException as exc:
        raise _engine_error(exc) from None
    _prune_events(wf)
    _run(wf)
    return True


def _prune_events(wf: BpmnWorkflow) -> None:
    """Forget waiting events (boundary timers) whose tasks were dropped from the tree:
    SpiffWorkflow's reset leaves them registered, and refreshing them would fail."""
    manager = wf.event_manager
    for task_id, task in list(manager.tasks.items()):
        if task_id not in task.workflow.tasks:
            manager.remove_task(task)


def cancel(wf: BpmnWorkflow) -> None:
    wf.cancel()


def completed_elements(wf: BpmnWorkflow) -> list[str]:
    """BPMN ids of the elements run so far, in order (the path taken, for the history view)."""
    tasks = [t for t in wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id]
    return [t.task_spec.bpmn_id for t in sorted(tasks, key=lambda t: t.last_state_change)]


# --------------------------------------------------------------------------- migration
# Added for instance migration (migration.py): SpiffWorkflow's spec diff + migrate_workflow.


@dataclass(frozen=True)
class MigrationProblem:
    """Why a running workflow cannot move to another version.

    ``code``: ``active_missing`` (a waiting step has no element of that id in the new version),
    ``active_kind`` (it is another kind of element there), ``active_multi`` (a multi-person
    step is in progress), ``process_missing`` (a running sub-process is gone), ``done_missing``
    (an element already run no longer exists, so the history could not be read back),
    ``tasks_changed`` (the waiting steps would not stay the same) or ``state`` (the engine
    refused the result).
    """

    code: str
    element_id: str = ""
    element_name: str = ""
    detail: str = ""


def _spec_name(spec: Any) -> tuple[str, str]:
    ident = getattr(spec, "bpmn_id", None) or getattr(spec, "name", "") or ""
    return ident, getattr(spec, "bpmn_name", None) or ident


def migrate(wf: BpmnWorkflow, top: Diagram, called: list[Diagram]) -> list[MigrationProblem]:
    """Move a loaded workflow onto the specs of ``top`` (and what it calls), in place.

    Returns the problems found; when there are any, ``wf`` is half-moved and must be thrown
    away (the caller reloads the stored state). The READY human tasks keep their ids, so the
    task rows (and their handlers and deadlines) stay valid.
    """
    from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow

    spec, deps = _specs(top, called)
    problems: list[MigrationProblem] = []
    seen: set[tuple[str, str]] = set()

    def add(code: str, spec_or_id: Any = None, detail: str = "") -> None:
        ident, name = _spec_name(spec_or_id) if spec_or_id is not None else ("", "")
        if (code, ident) not in seen:
            seen.add((code, ident))
            problems.append(MigrationProblem(code, ident, name, detail))

    def target_of(workflow: Any) -> Any:
        return spec if workflow is wf else deps.get(workflow.spec.name)

    before = {(t.id, t.element_id) for t in ready_human_tasks(wf)}
    for task in wf.get_tasks(state=TaskState.READY | TaskState.STARTED):
        if isinstance(task.task_spec, MultiInstanceTask) or (
            task.parent is not None and isinstance(task.parent.task_spec, MultiInstanceTask)
        ):
            owner = task.task_spec if task.task_spec.bpmn_id else task.parent.task_spec
            add("active_multi", owner)
            continue
        if task.state != TaskState.READY or not task.task_spec.manual:
            continue
        target = target_of(task.workflow)
        if target is None:
            add("process_missing", task.workflow.spec)
            continue
        new = target.task_specs.get(task.task_spec.name)
        if new is None:
            add("active_missing", task.task_spec)
        elif type(new) is not type(task.task_spec):
            add("active_kind", task.task_spec)
    if problems:
        return problems

    top_diff, sub_diffs = diff_workflow(SERIALIZER.registry, wf, spec, deps)
    for sp_id, sub in wf.subprocesses.items():
        if sub_diffs.get(sp_id) is None and not sub.completed:
            add("process_missing", sub.spec)
    if problems:
        return problems
    try:
        migrate_workflow(top_diff, wf, spec)
        for sp_id, sub in wf.subprocesses.items():
            sub_spec = deps.get(sub.spec.name)
            if sub_diffs.get(sp_id) is not None and sub_spec is not None:
                migrate_workflow(sub_diffs[sp_id], sub, sub_spec)
        wf.subprocess_specs = deps
    except Exception as exc:  # noqa: BLE001 - any failure means "cannot move", never a crash
        add("state", None, str(exc))
        return problems
    # Every task left in the tree must point at a spec of its workflow's new version, or the
    # stored state could not be read back (the serializer looks specs up by name).
    for workflow in (wf, *wf.subprocesses.values()):
        for task in workflow.tasks.values():
            if workflow.spec.task_specs.get(task.task_spec.name) is not task.task_spec:
                add("done_missing", task.task_spec)
    if problems:
        return problems
    try:
        _run(wf)
    except EngineError as exc:
        add("state", None, exc.message)
        return problems
    after = {(t.id, t.element_id) for t in ready_human_tasks(wf)}
    if after != before:
        add("tasks_changed")
        return problems
    try:
        load(dump(wf, store=False))
    except Exception as exc:  # noqa: BLE001
        add("state", None, str(exc))
    return problems


# --------------------------------------------------------------------------- timers


@dataclass(frozen=True)
class WaitingTimer:
    """A timer event the engine waits on: a boundary timer of a user task or a timed wait."""

    id: UUID
    element_id: str
    scope: str
    # the engine task the boundary timer is attached to (a multi-instance task's parent)
    attached_id: UUID | None


def waiting_timers(wf: BpmnWorkflow) -> list[WaitingTimer]:
    result = []
    for t in wf.get_tasks(state=TaskState.WAITING):
        if not isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition):
            continue
        attached = None
        if isinstance(t.task_spec, BoundaryEvent) and t.parent is not None:
            attached = next(
                (c.id for c in t.parent.children if not isinstance(c.task_spec, BoundaryEvent)),
                None,
            )
        result.append(WaitingTimer(t.id, t.task_spec.bpmn_id, t.workflow.spec.name, attached))
    return result


def fire_timer(wf: BpmnWorkflow, timer_id: UUID) -> bool:
    """Trip a waiting timer (the scheduler decided it is due) and run the engine on."""
    task = wf.get_task_from_id(timer_id)
    if task is None or task.state != TaskState.WAITING:
        return False
    task._set_internal_data(event_fired=True)
    try:
        wf.refresh_timers()
    except (SpiffWorkflowException, ValueError, KeyError, TypeError, NameError) as exc:
        raise _engine_error(exc) from None
    _run(wf)
    return True


# --------------------------------------------------------------------------- co-signers


def _parallel_multi(wf: BpmnWorkflow, multi_id: UUID) -> Any:
    task = wf.get_task_from_id(multi_id)
    if (task is None or not isinstance(task.task_spec, ParallelMultiInstanceTask)
            or task.state != TaskState.STARTED):  # fmt: skip
        raise EngineError(_("This multi-person step is no longer in progress."))
    return task


def multi_add(wf: BpmnWorkflow, multi_id: UUID, item: Any) -> None:
    """加签: one more instance of a parallel multi-person step, for ``item`` (an account id)."""
    task = _parallel_multi(wf, multi_id)
    spec = task.task_spec
    key = None
    if spec.data_input is not None and spec.data_input.exists(task):
        items = spec.data_input.get(task)
        if isinstance(items, list):
            items.append(item)
            key = len(items) - 1
    try:
        spec.create_child(task, item, key)
    except (SpiffWorkflowException, ValueError, KeyError, TypeError) as exc:
        raise _engine_error(exc) from None
    _run(wf)


def multi_remove(wf: BpmnWorkflow, child_id: UUID) -> None:
    """减签: drop one waiting instance; if the others are all done, the step completes."""
    child = wf.get_task_from_id(child_id)
    if child is None or child.state != TaskState.READY or child.parent is None:
        raise EngineError(_("This step is no longer waiting to be done."))
    task = _parallel_multi(wf, child.parent.id)
    spec = task.task_spec
    # The instance is removed from the tree, not cancelled: a cancelled instance would keep
    # the parallel join waiting for ever.
    child.workflow._remove_task(child.id)
    _prune_events(wf)
    instances = list(spec._instances(task))
    if not instances:
        raise EngineError(_("A multi-person step needs at least one signer."))
    if spec.children_complete(task) or spec.check_completion_condition(task):
        for other in instances:
            if other.state != TaskState.COMPLETED:
                other.cancel()
        task._set_state(TaskState.READY)
    _run(wf)
