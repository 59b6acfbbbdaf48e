"""Moving running instances to another version of their process (dry run, then in bulk).

A running instance keeps the version it started on (``ProcessInstance.definition``). An admin
may move instances to another version of the same process after a dry run
(:func:`migration_plan`) that says, for every running instance, whether it can move and why
not. The rules (checked by ``engine.migrate`` on a copy of the instance's state, with
SpiffWorkflow's spec diff and ``migrate_workflow``):

- every step the instance is waiting at exists in the new version under the same id, as the
  same kind of element (a user task stays a user task, not multi-instance in one version only);
- no multi-person step (会签/或签/依次) is in progress: its signers' data lives in the engine
  tasks of that step and would be lost;
- every sub-process it is running in exists in the new version;
- every element already run still exists (otherwise the history could not be read back);
- the waiting steps stay exactly the same tasks, so their rows — handler, claim, deadline —
  stay valid;
- the new version has nobody-assigned steps → nothing can move (the next step would stall).

:func:`instances_migrate` moves the chosen instances, each in its own transaction: it locks the
instance row, re-checks the plan under the lock (someone may have completed a step since the dry
run) and writes the new state with the version check of ``actions._save``. Instances not chosen
keep their version.
"""

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import transaction
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_record
from zhengwu.core.errors import (
    ApplicationError,
    Conflict,
    PermissionDenied,
    ValidationFailed,
)
from zhengwu.workflow import engine
from zhengwu.workflow.actions import (
    _called_definitions,
    _diagram,
    _lock_instance,
    timers_resync,
    unassigned_steps,
)
from zhengwu.workflow.models import ProcessDefinition, ProcessInstance, TaskEvent, WorkTask

MIGRATE_PERM = "workflow.migrate_processinstance"
MAX_BATCH = 5000


class PlanRow(NamedTuple):
    """One line of the dry run: the instance, whether it can move, and why (Chinese)."""

    instance: ProcessInstance
    can_move: bool
    reason: str


@dataclass
class MigrationResult:
    moved: list[ProcessInstance] = field(default_factory=list)
    # (instance id, reason) of the chosen instances that were not moved
    refused: list[tuple[int, str]] = field(default_factory=list)


def _label(definition: ProcessDefinition) -> str:
    return f"{definition.name} v{definition.version}"


def _element(element_id: str, name: str) -> str:
    return f"“{name or element_id}”（{element_id}）" if element_id else _("an unnamed element")


def _check_pair(definition_from: ProcessDefinition, definition_to: ProcessDefinition) -> None:
    if definition_from.key != definition_to.key:
        raise ValidationFailed(_("Instances can only move to another version of the same process."))
    if definition_from.pk == definition_to.pk:
        raise ValidationFailed(_("Choose two different versions."))


@dataclass
class _Target:
    """What an instance moving to ``definition`` needs: called definitions, new spec map and a
    reason that blocks every instance (the version is not ready to run)."""

    definition: ProcessDefinition
    called: list[ProcessDefinition]
    spec_map: dict[str, int]
    blocked: str = ""


def _target(definition_to: ProcessDefinition) -> _Target:
    try:
        called = list(_called_definitions(definition_to.called_keys).values())
    except ValidationFailed as exc:
        return _Target(definition_to, [], {}, str(exc.message))
    missing = []
    for d in (definition_to, *called):
        missing += [_element(eid, name) for eid, name in unassigned_steps(d)]
    blocked = ""
    if missing:
        blocked = _(
            "Version %(version)s still has steps nobody is assigned to (%(steps)s); assign them "
            "before moving instances."
        ) % {"version": definition_to.version, "steps": "、".join(missing)}
    spec_map: dict[str, int] = {}
    for d in (definition_to, *called):
        spec_map[d.key] = d.pk
        for sub in d.subprocess_ids:
            spec_map[sub] = d.pk
    return _Target(definition_to, called, spec_map, blocked)


def _reason(problem: engine.MigrationProblem, version: int) -> str:
    el = _element(problem.element_id, problem.element_name)
    messages = {
        "active_missing": _("It waits at step %(el)s, which does not exist in version %(v)s."),
        "active_kind": _(
            "It waits at step %(el)s, which is a different kind of element in version %(v)s."
        ),
        "active_multi": _(
            "The multi-person step %(el)s (会签/或签/依次) is in progress; move it after that "
            "step has ended."
        ),
        "process_missing": _("It is running in sub-process %(el)s, which version %(v)s lacks."),
        "done_missing": _(
            "Step %(el)s, already run, does not exist in version %(v)s: its history would be lost."
        ),
        "tasks_changed": _("Moving it would change the steps it is waiting at."),
        "state": _("The workflow engine cannot move it: %(error)s"),
    }
    template = messages.get(problem.code, messages["state"])
    return template % {"el": el, "v": version, "error": problem.detail}


def _try(instance: ProcessInstance, target: _Target) -> tuple[Any, str]:
    """Move a copy of the instance's engine state; (workflow, "") or (None, reason)."""
    if target.blocked:
        return None, target.blocked
    if instance.status != ProcessInstance.Status.RUNNING:
        return None, _("The process has already ended.")
    wf = engine.load(instance.state)
    problems = engine.migrate(wf, _diagram(target.definition), [_diagram(d) for d in target.called])
    if problems:
        return None, "；".join(_reason(p, target.definition.version) for p in problems[:3])
    return wf, ""


def _waiting_at(instance: ProcessInstance) -> str:
    names = list(
        dict.fromkeys(
            instance.tasks.filter(status__in=WorkTask.ACTIVE)
            .order_by("pk")
            .values_list("element_name", flat=True)
        )
    )
    return "、".join(f"“{n}”" for n in names)


def migration_plan(
    *, definition_from: ProcessDefinition, definition_to: ProcessDefinition
) -> list[PlanRow]:
    """Dry run: every running instance of ``definition_from``, can it move, and why (not).

    Nothing is written. The instances are checked one by one on a copy of their state.
    """
    _check_pair(definition_from, definition_to)
    target = _target(definition_to)
    rows = []
    instances = ProcessInstance.objects.filter(
        definition=definition_from, status=ProcessInstance.Status.RUNNING
    ).select_related("organisation", "initiator").order_by("pk")  # fmt: skip
    for instance in instances:
        wf, reason = _try(instance, target)
        if wf is not None:
            reason = _("It waits at %(steps)s; the same steps exist in version %(v)s.") % {
                "steps": _waiting_at(instance) or "—",
                "v": definition_to.version,
            }
        rows.append(PlanRow(instance, wf is not None, reason))
    return rows


def _clean_ids(instance_ids: Any) -> list[int]:
    ids: list[int] = []
    for raw in instance_ids or []:
        text = str(raw).strip()
        if isinstance(raw, bool) or not text.isdigit():
            raise ValidationFailed(_("“%(id)s” is not an instance number.") % {"id": text[:20]})
        ids.append(int(text))
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ValidationFailed(_("Choose at least one instance to move."))
    if len(ids) > MAX_BATCH:
        raise ValidationFailed(
            _("At most %(max)d instances can be moved at once.") % {"max": MAX_BATCH}
        )
    return ids


@transaction.atomic
def _migrate_one(
    *, actor: Any, pk: int, definition_from: ProcessDefinition, target: _Target
) -> ProcessInstance:
    instance = _lock_instance(pk)
    if instance.definition_id != definition_from.pk:
        if instance.definition_id == target.definition.pk:
            raise Conflict(_("It has already been moved to version %(v)s.")
                           % {"v": target.definition.version})  # fmt: skip
        raise ValidationFailed(_("It does not run on version %(v)s.")
                               % {"v": definition_from.version})  # fmt: skip
    # Re-checked under the row lock: a step may have been completed since the dry run.
    wf, reason = _try(instance, target)
    if wf is None:
        raise ValidationFailed(reason)
    version = instance.version
    old_map = dict(instance.spec_map)
    updated = ProcessInstance.objects.filter(pk=instance.pk, version=version).update(
        definition=target.definition, spec_map=target.spec_map, state=engine.dump(wf),
        version=version + 1,
    )  # fmt: skip
    if updated != 1:
        raise Conflict()
    instance.refresh_from_db()
    definitions = {d.pk: d for d in (target.definition, *target.called)}
    renamed = []
    for row in instance.tasks.filter(status__in=WorkTask.ACTIVE):
        definition = definitions.get(target.spec_map.get(row.scope, 0))
        meta = definition.user_tasks.get(row.element_id, {}) if definition else {}
        name = (meta.get("name") or row.element_name)[:200]
        if name != row.element_name:
            renamed.append([row.element_name, name])
            row.element_name = name
            row.save(update_fields=["element_name"])
    timers = timers_resync(instance)
    TaskEvent.objects.create(
        instance=instance, kind=TaskEvent.Kind.MIGRATED,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        opinion=_("From version %(old)s to version %(new)s.")
        % {"old": definition_from.version, "new": target.definition.version},
    )  # fmt: skip
    audit_record(
        actor=actor, action="workflow.instance.migrate", target=instance,
        changes={"definition": [_label(definition_from), _label(target.definition)],
                 "spec_map": [old_map, target.spec_map], "steps_renamed": renamed,
                 "timers_replaced": timers},
    )  # fmt: skip
    return instance


def instances_migrate(
    *,
    actor: Any,
    definition_from: ProcessDefinition,
    definition_to: ProcessDefinition,
    instance_ids: list[int] | list[str],
) -> MigrationResult:
    """Move the chosen running instances from one version to another, each in its own
    transaction (a refusal or conflict on one leaves the others alone). Audited per instance.
    """
    if actor is not None and not actor.has_perm(MIGRATE_PERM):
        raise PermissionDenied()
    _check_pair(definition_from, definition_to)
    ids = _clean_ids(instance_ids)
    target = _target(definition_to)
    if target.blocked:
        raise ValidationFailed(target.blocked)
    result = MigrationResult()
    for pk in ids:
        try:
            result.moved.append(
                _migrate_one(actor=actor, pk=pk, definition_from=definition_from, target=target)
            )
        except ApplicationError as exc:
            result.refused.append((pk, str(exc.message)))
    return result
