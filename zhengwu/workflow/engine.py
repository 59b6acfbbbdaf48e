"""The only module that touches SpiffWorkflow.

Everything else in Zhengwu (including ``actions.py``) sees workflows through the small
functions below: build a workflow from deployed diagrams, load/save its JSON state, list the
human tasks that are ready, complete one, reset to an earlier step, cancel. Conditions and
scripts run in a restricted Python environment (``RestrictedEnvironment``).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
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
SERIALIZER = BpmnWorkflowSerializer()


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
            if isinstance(task_spec, MultiInstanceTask) and task_spec.condition is None:
                mode = modes.get(task_spec.bpmn_id)
                if mode:
                    task_spec.condition = DEFAULT_COMPLETION[mode]
    if len(_SPEC_CACHE) > 256:
        _SPEC_CACHE.clear()
    _SPEC_CACHE[cache_key] = (spec, subprocess_specs)
    return spec, subprocess_specs


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


def load(state: str) -> BpmnWorkflow:
    wf = SERIALIZER.deserialize_json(state)
    wf.script_engine = SCRIPT_ENGINE
    return wf


def dump(wf: BpmnWorkflow) -> str:
    return SERIALIZER.serialize_json(wf)


def is_completed(wf: BpmnWorkflow) -> bool:
    return bool(wf.completed)


def ready_human_tasks(wf: BpmnWorkflow) -> list[HumanTask]:
    result = []
    for t in wf.get_tasks(state=TaskState.READY):
        if not t.task_spec.manual:
            continue
        parent = t.parent
        multi_parent = (
            parent.id if parent and isinstance(parent.task_spec, MultiInstanceTask) else None
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
    _run(wf)
    return True


def cancel(wf: BpmnWorkflow) -> None:
    wf.cancel()


def completed_elements(wf: BpmnWorkflow) -> list[str]:
    """BPMN ids of the elements run so far, in order (the path taken, for the history view)."""
    tasks = [t for t in wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id]
    return [t.task_spec.bpmn_id for t in sorted(tasks, key=lambda t: t.last_state_change)]
