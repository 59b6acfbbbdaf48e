"""Commands of the workflow engine: deploy, start, and every step on a human task.

Each command is one transaction: lock the instance row, check its status and version, run the
engine, write the new engine state and task rows, record the audit entry and the history
event, and write in-app notifications (``notify_send`` writes them in this transaction, so
they appear exactly when the step commits and never for a step rolled back).
"""

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, QuerySet, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_record
from zhengwu.core.db.prepared import PreparedQuery
from zhengwu.core.db.rows import insert
from zhengwu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhengwu.directory.models import Organisation, Role, RoleAssignment
from zhengwu.files import types as file_types
from zhengwu.files.actions import file_store
from zhengwu.files.models import StoredFile
from zhengwu.notify.actions import notify_send
from zhengwu.workdays.actions import deadline_close, deadline_open
from zhengwu.workdays.selectors import add_working_days
from zhengwu.workflow import engine, forms
from zhengwu.workflow.deadlines import DEADLINE_OWNER
from zhengwu.workflow.diagram import (
    IDENTIFIER,
    DiagramError,
    parse_org_scope,
    read_diagram,
)
from zhengwu.workflow.models import (
    ProcessDefinition,
    ProcessInstance,
    TaskAssignmentRule,
    TaskCopy,
    TaskEvent,
    TaskEventAttachment,
    TaskForm,
    TaskTimer,
    WorkTask,
)
from zhengwu.workflow.registry import get_subject_type, subject_step

DEPLOY_PERM = "workflow.add_processdefinition"
ASSIGN_PERM = "workflow.change_processdefinition"
DEADLINE_LABEL = "task"
OPINION_MAX = 2000
TITLE_MAX = 300
MAX_VARIABLES_BYTES = 64 * 1024
# Files handed in with a step (办理附件): office documents, PDF/OFD and images, through ``files``.
ATTACHMENT_PURPOSE = "workflow_attachment"
ATTACHMENT_TYPES = file_types.preset("documents") | file_types.preset("images")
ATTACHMENTS_MAX = 10

Status = WorkTask.Status


# --------------------------------------------------------------------------- helpers


def _who(account: Any) -> str:
    return getattr(account, "display_name", "") or str(account or _("the system"))


def _element(meta: dict[str, Any], element_id: str) -> str:
    return f"“{meta.get('name') or element_id}”（{element_id}）"


def _diagram(d: ProcessDefinition) -> engine.Diagram:
    modes = {eid: m["multi"] for eid, m in d.user_tasks.items() if m.get("multi")}
    return engine.Diagram(d.pk, d.key, d.bpmn_xml, modes)


# Read on every process start: compiled once (core.db.prepared).
_LATEST = PreparedQuery[ProcessDefinition](
    lambda key: ProcessDefinition.objects.filter(key=key, is_latest=True)[:1], key=str
)
_ROLE = PreparedQuery[Role](lambda code: Role.objects.filter(code=code)[:1], code=str)


def _holding_candidate_role(role: int, organisation: int, path: str) -> QuerySet[RoleAssignment]:
    """Assignments of the task's candidate role in its organisation, or in one above it (its
    tree path a prefix of the task's; "/" is no organisation's) that covers the subtree."""
    return (
        RoleAssignment.objects.annotate(task_path=Value(path))
        .filter(
            Q(organisation_id=organisation)
            | Q(covers_subtree=True, task_path__startswith=F("organisation__tree_path"))
            & ~Q(organisation__tree_path="/"),
            role_id=role,
        )
    )  # fmt: skip


_CANDIDATES = PreparedQuery[Any](
    lambda role, organisation, path: get_user_model().objects.filter(
        pk__in=_holding_candidate_role(role, organisation, path)
        .filter(account__is_active=True)
        .values("account_id")
    )[:200],
    role=int,
    organisation=int,
    path=str,
)


def _latest(key: str) -> ProcessDefinition | None:
    return _LATEST.first(key=key)


def _called_definitions(
    keys: list[str], seen: dict[str, ProcessDefinition] | None = None
) -> dict[str, ProcessDefinition]:
    """The latest deployed version of every process called, directly or further down."""
    seen = {} if seen is None else seen
    for key in keys:
        if key in seen:
            continue
        called = _latest(key)
        if called is None:
            raise ValidationFailed(
                _("The called process “%(key)s” has not been deployed; deploy it first.")
                % {"key": key}
            )
        seen[key] = called
        _called_definitions(called.called_keys, seen)
    return seen


def resolve_organisation(ref: str) -> Organisation | None:
    """A fixed organisation named by id, code or unified social credit code."""
    ref = (ref or "").strip()
    query = Q(code=ref) | Q(credit_code=ref)
    if ref.isdigit():
        query |= Q(pk=int(ref))
    return Organisation.objects.filter(query, is_active=True).first()


def _check_timer_targets(timers: dict[str, dict[str, Any]]) -> None:
    """Roles and fixed organisations a timeout escalates to must exist."""
    for element_id, meta in timers.items():
        if meta.get("action") != "escalate":
            continue
        scope = meta.get("organisation") or "handling"
        if not Role.objects.filter(code=meta["role"]).exists() or (
            scope.startswith("fixed:") and resolve_organisation(scope[6:]) is None
        ):
            raise ValidationFailed(
                _("Timeout %(el)s escalates to the role “%(role)s” in “%(org)s”, which does not "
                  "exist.") % {"el": _element(meta, element_id), "role": meta["role"],
                               "org": scope},
                data={"element_id": element_id, "element_name": meta.get("name", "")},
            )  # fmt: skip


def _check_assignment_targets(user_tasks: dict[str, dict[str, Any]]) -> None:
    """Roles and fixed organisations named in the diagram must exist."""
    codes = {m["assignment"]["role"] for m in user_tasks.values()
             if m.get("assignment") and m["assignment"]["kind"] == "role"}  # fmt: skip
    known = set(Role.objects.filter(code__in=codes).values_list("code", flat=True))
    for element_id, meta in user_tasks.items():
        assignment = meta.get("assignment")
        if not assignment or assignment["kind"] != "role":
            continue
        if assignment["role"] not in known:
            raise ValidationFailed(
                _("Step %(el)s names the role “%(role)s”, which does not exist.")
                % {"el": _element(meta, element_id), "role": assignment["role"]},
                data={"element_id": element_id, "element_name": meta.get("name", "")},
            )
        scope = assignment["organisation"]
        if scope.startswith("fixed:") and resolve_organisation(scope[6:]) is None:
            raise ValidationFailed(
                _("Step %(el)s names the organisation “%(org)s”, which does not exist.")
                % {"el": _element(meta, element_id), "org": scope[6:]},
                data={"element_id": element_id, "element_name": meta.get("name", "")},
            )


# --------------------------------------------------------------------------- definitions


@transaction.atomic
def definition_deploy(
    *, actor: Any, bpmn_xml: bytes | str, filename: str = ""
) -> ProcessDefinition:
    """Validate and store a BPMN file as the next version of its process.

    Deploying the same XML as the latest version returns that version (``was_created`` False).
    ``actor`` None is the command line (``manage.py workflow_deploy``).
    """
    if actor is not None and not actor.has_perm(DEPLOY_PERM):
        raise PermissionDenied()
    if isinstance(bpmn_xml, bytes):
        try:
            text = bpmn_xml.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(_("The file must be encoded in UTF-8.")) from None
    else:
        text = bpmn_xml
    try:
        diagram = read_diagram(text)
    except DiagramError as exc:
        raise ValidationFailed(
            exc.message, data={"element_id": exc.element_id, "element_name": exc.element_name}
        ) from None
    _check_assignment_targets(diagram.user_tasks)
    _check_timer_targets(diagram.timers)
    try:
        called = _called_definitions(diagram.called_keys)
    except ValidationFailed as exc:
        key = next(k for k in diagram.called_keys if k not in ProcessDefinition.objects.filter(
            is_latest=True).values_list("key", flat=True))  # fmt: skip
        node = diagram.call_activities[key]
        raise ValidationFailed(
            _("Call activity %(el)s calls “%(key)s”, which has not been deployed; deploy it first.")
            % {"el": _element({"name": node.get("name")}, node.get("id")), "key": key},
            data={"element_id": node.get("id"), "element_name": node.get("name") or ""},
        ) from exc
    try:
        engine.check_executable(text, diagram.key, [_diagram(d) for d in called.values()])
    except DiagramError as exc:
        raise ValidationFailed(
            exc.message, data={"element_id": exc.element_id, "element_name": exc.element_name}
        ) from None
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    previous = (
        ProcessDefinition.objects.select_for_update()
        .filter(key=diagram.key, is_latest=True)
        .first()
    )
    if previous is not None and previous.sha256 == sha:
        previous.was_created = False  # type: ignore[attr-defined]
        return previous
    top = ProcessDefinition.objects.filter(key=diagram.key).aggregate(v=Max("version"))["v"] or 0
    if previous is not None:
        previous.is_latest = False
        previous.save(update_fields=["is_latest"])
    try:
        with transaction.atomic():
            definition = ProcessDefinition.objects.create(
                key=diagram.key,
                name=diagram.name[:200],
                version=top + 1,
                bpmn_xml=text,
                sha256=sha,
                filename=(filename or "")[:255],
                user_tasks=diagram.user_tasks,
                called_keys=sorted(set(diagram.called_keys)),
                subprocess_ids=diagram.subprocess_ids,
                timers=diagram.timers,
                deployed_by=actor,
            )
    except IntegrityError:  # the same process deployed concurrently
        raise Conflict() from None
    carried = []
    if previous is not None:
        # Rules set for unassigned steps carry over to the new version while the step exists.
        for rule in previous.assignment_rules.all():
            meta = definition.user_tasks.get(rule.element_id)
            if meta is not None and not meta.get("assignment"):
                TaskAssignmentRule.objects.create(
                    definition=definition, element_id=rule.element_id, role=rule.role,
                    organisation_scope=rule.organisation_scope, limit_days=rule.limit_days,
                    created_by=actor,
                )  # fmt: skip
                carried.append(rule.element_id)
    audit_record(
        actor=actor if actor is not None else "system:workflow_deploy",
        action="workflow.definition.deploy",
        target=definition,
        changes={
            "key": definition.key,
            "version": definition.version,
            "sha256": sha,
            "filename": definition.filename,
            "rules_carried_over": carried,
        },
    )
    definition.was_created = True  # type: ignore[attr-defined]
    return definition


def unassigned_steps(definition: ProcessDefinition) -> list[tuple[str, str]]:
    """(element id, name) of user tasks assigned neither in the diagram nor by a rule."""
    if all(meta.get("assignment") for meta in definition.user_tasks.values()):
        return []  # all assigned in the diagram: no rule to look up
    ruled = set(definition.assignment_rules.values_list("element_id", flat=True))
    return [
        (eid, meta.get("name") or eid)
        for eid, meta in definition.user_tasks.items()
        if not meta.get("assignment") and eid not in ruled
    ]


@transaction.atomic
def assignment_rule_set(
    *,
    actor: Any,
    definition: ProcessDefinition,
    element_id: str,
    role_code: str,
    organisation_scope: str = "handling",
    limit_days: int | None = None,
) -> TaskAssignmentRule:
    """Say who does a step the diagram left unassigned."""
    if actor is not None and not actor.has_perm(ASSIGN_PERM):
        raise PermissionDenied()
    meta = definition.user_tasks.get(element_id)
    if meta is None:
        raise ValidationFailed(_("The process has no user task “%(id)s”.") % {"id": element_id})
    if meta.get("assignment"):
        raise ValidationFailed(
            _("Step %(el)s is assigned in the diagram; change the diagram instead.")
            % {"el": _element(meta, element_id)}
        )
    role = Role.objects.filter(code=(role_code or "").strip()).first()
    if role is None:
        raise ValidationFailed(_("The role “%(role)s” does not exist.") % {"role": role_code})
    scope = parse_org_scope(organisation_scope)
    if scope is None or (scope.startswith("fixed:") and resolve_organisation(scope[6:]) is None):
        raise ValidationFailed(
            _("“%(scope)s” is not a valid organisation.") % {"scope": organisation_scope}
        )
    if limit_days is not None and (not isinstance(limit_days, int) or not 0 <= limit_days <= 3650):
        raise ValidationFailed(_("The time limit must be a number of working days."))
    rule = TaskAssignmentRule.objects.filter(definition=definition, element_id=element_id).first()
    before = {}
    if rule is not None:
        before = {"role": rule.role.code, "organisation": rule.organisation_scope,
                  "limit_days": rule.limit_days}  # fmt: skip
    if rule is None:
        rule = TaskAssignmentRule(definition=definition, element_id=element_id, created_by=actor)
    rule.role = role
    rule.organisation_scope = scope
    rule.limit_days = limit_days
    rule.save()
    audit_record(
        actor=actor, action="workflow.assignment_rule.set", target=rule,
        changes={"before": before, "after": {"role": role.code, "organisation": scope,
                                             "limit_days": limit_days}},
    )  # fmt: skip
    return rule


# --------------------------------------------------------------------------- task rows


def _task_link(task: WorkTask) -> str:
    return reverse("workflow:task", args=[task.pk])


def _account(pk: Any) -> Any:
    if isinstance(pk, bool) or not isinstance(pk, int | str) or not str(pk).isdigit():
        return None
    return get_user_model().objects.filter(pk=int(pk), is_active=True, kind="staff").first()


class _Step:
    """What one command did to an instance, for the audit entry and the notifications."""

    def __init__(
        self,
        instance: ProcessInstance,
        actor: Any,
        definitions: list[ProcessDefinition] | None = None,
    ) -> None:
        self.instance = instance
        self.actor = actor
        self.created: list[WorkTask] = []
        self.cancelled: list[WorkTask] = []
        self._definitions: dict[int, ProcessDefinition] | None = (
            None if definitions is None else {d.pk: d for d in definitions}
        )

    def definition_for(self, scope: str) -> ProcessDefinition:
        if self._definitions is None:
            self._definitions = ProcessDefinition.objects.in_bulk(
                set(self.instance.spec_map.values())
            )
        return self._definitions[self.instance.spec_map[scope]]


def _assign(
    step: _Step, row: WorkTask, meta: dict[str, Any], data: dict[str, Any],
    definition: ProcessDefinition,
) -> None:  # fmt: skip
    """Fill the candidate role/organisation or the assignee of a new task row."""
    instance = step.instance
    assignment = meta.get("assignment")
    limit = meta.get("limit")
    if not assignment:
        rule = (
            TaskAssignmentRule.objects.filter(definition=definition, element_id=row.element_id)
            .select_related("role")
            .first()
        )
        if rule is None:
            raise ValidationFailed(
                _("Step %(el)s has nobody assigned; an administrator must assign it first.")
                % {"el": _element(meta, row.element_id)}
            )
        assignment = {
            "kind": "role",
            "role": rule.role.code,
            "organisation": rule.organisation_scope,
        }
        limit = rule.limit_days if rule.limit_days is not None else limit
    row.limit_days = limit

    def refuse(reason: str) -> ValidationFailed:
        return ValidationFailed(
            _("Nobody can be assigned to step %(el)s: %(reason)s")
            % {"el": _element(meta, row.element_id), "reason": reason}
        )

    kind = assignment["kind"]
    if kind == "initiator":
        if instance.initiator is None:
            raise refuse(_("the process has no initiator"))
        row.assignee = instance.initiator
        return
    if kind == "variable":
        account = _account(data.get(assignment["variable"]))
        if account is None:
            raise refuse(_("the variable “%(name)s” does not hold an active staff account")
                         % {"name": assignment["variable"]})  # fmt: skip
        row.assignee = account
        return
    role = _ROLE.first(code=assignment["role"])
    if role is None:
        raise refuse(_("the role “%(role)s” no longer exists") % {"role": assignment["role"]})
    scope = assignment["organisation"]
    org: Organisation | None
    if scope == "handling":
        org = instance.organisation
    elif scope == "handling_parent":
        org = instance.organisation.parent
        if org is None:
            raise refuse(_("the handling organisation has no parent organisation"))
    elif scope.startswith("fixed:"):
        org = resolve_organisation(scope[6:])
    else:
        ref = data.get(scope.removeprefix("variable:"))
        org = resolve_organisation(str(ref)) if isinstance(ref, int | str) else None
    if org is None or not org.is_active:
        raise refuse(_("the organisation “%(scope)s” does not exist") % {"scope": scope})
    row.candidate_role = role
    row.candidate_organisation = org
    row.candidate_org_path = org.tree_path


def _candidates(task: WorkTask) -> list[Any]:
    """Accounts who may claim a candidate task (for the notification)."""
    if task.candidate_role_id is None or task.candidate_organisation_id is None:
        return []
    return _CANDIDATES.all(
        role=task.candidate_role_id,
        organisation=task.candidate_organisation_id,
        path=task.candidate_org_path,
    )


def _notify_task(step: _Step, task: WorkTask, recipients: list[Any] | None = None) -> None:
    if recipients is None:
        recipients = [task.assignee] if task.assignee_id else _candidates(task)
    recipients = [
        r for r in recipients if r is not None and r.pk != getattr(step.actor, "pk", None)
    ]
    if not recipients:
        return
    notify_send(
        recipients=recipients,
        subject=_("To do: %(step)s — %(title)s")
        % {"step": task.element_name, "title": step.instance.title},
        body=_("Process: %(process)s. Due: %(due)s.")
        % {"process": step.instance.definition.name,
           "due": task.due_date.isoformat() if task.due_date else _("no time limit")},
        link=_task_link(task),
        category="workflow.task",
        actor=step.actor,
    )  # fmt: skip


def _cancel_row(step: _Step, row: WorkTask) -> None:
    row.status = Status.CANCELLED
    row.save(update_fields=["status"])
    TaskEvent.objects.create(instance=step.instance, task=row, kind=TaskEvent.Kind.CANCELLED,
                             actor=step.actor if _is_account(step.actor) else None)  # fmt: skip
    if row.limit_days is not None:
        deadline_close(owner_type=DEADLINE_OWNER, owner_id=row.pk, actor=step.actor)
    step.cancelled.append(row)


def _is_account(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _sync(step: _Step, wf: Any, *, send_back_to: dict[str, Any] | None = None) -> None:
    """Make the task rows match the engine: new READY user tasks get rows, gone ones cancel."""
    ready = engine.ready_human_tasks(wf)
    ready_ids = {t.id for t in ready}
    active = list(step.instance.tasks.filter(status__in=WorkTask.ACTIVE))
    for row in active:
        if row.spiff_task_id not in ready_ids:
            _cancel_row(step, row)
    have = {row.spiff_task_id for row in active}
    for human in ready:
        if human.id not in have:
            _open_row(step, _new_row(step, human, send_back_to))
    _sync_timers(step, wf)


def _new_row(
    step: _Step, human: engine.HumanTask, send_back_to: dict[str, Any] | None = None
) -> WorkTask:
    """The task row of a step the engine made ready: assigned and with its due date, unsaved."""
    definition = step.definition_for(human.scope)
    meta = definition.user_tasks.get(human.element_id, {"name": human.element_name})
    row = WorkTask(
        instance=step.instance,
        spiff_task_id=human.id,
        element_id=human.element_id,
        element_name=(meta.get("name") or human.element_name)[:200],
        scope=human.scope,
        multi_parent=human.multi_parent,
    )
    _assign(step, row, meta, human.data, definition)
    if send_back_to and human.element_id in send_back_to and not human.multi_parent:
        # 退回 goes back to the person who handled the step before.
        row.assignee = send_back_to[human.element_id]
    if row.limit_days is not None:
        row.due_date = add_working_days(timezone.localdate(), row.limit_days)
    return row


def _open_row(step: _Step, row: WorkTask, recipients: list[Any] | None = None) -> None:
    """Save a new task row with its deadline and event, and tell who may take it
    (``recipients`` when the caller looked them up already)."""
    insert(row)
    if row.limit_days is not None:
        deadline = deadline_open(
            owner_type=DEADLINE_OWNER, owner_id=row.pk, label=DEADLINE_LABEL,
            start=timezone.localdate(), working_days=row.limit_days, actor=step.actor,
        )  # fmt: skip
        if deadline.due_date != row.due_date:  # the calendar changed in between
            row.due_date = deadline.due_date
            row.save(update_fields=["due_date"])
    TaskEvent.objects.create(instance=step.instance, task=row, kind=TaskEvent.Kind.CREATED,
                             actor=step.actor if _is_account(step.actor) else None,
                             target=row.assignee)  # fmt: skip
    step.created.append(row)
    _notify_task(step, row, recipients)


def _engine_refusal(exc: engine.EngineError) -> ValidationFailed:
    return ValidationFailed(
        exc.message, data={"element_id": exc.element_id, "element_name": exc.element_name}
    )


def _save(step: _Step, wf: Any, expected_version: int) -> None:
    """Write the engine state; the version check catches a writer that slipped in between."""
    instance = step.instance
    fields: dict[str, Any] = {"state": engine.dump(wf), "version": expected_version + 1}
    if engine.is_completed(wf) and instance.status == ProcessInstance.Status.RUNNING:
        fields.update(status=ProcessInstance.Status.COMPLETED, ended_at=timezone.now())
        TaskEvent.objects.create(instance=instance, kind=TaskEvent.Kind.ENDED,
                                 actor=step.actor if _is_account(step.actor) else None)  # fmt: skip
        if instance.initiator_id and instance.initiator_id != getattr(step.actor, "pk", None):
            notify_send(
                recipients=[instance.initiator],
                subject=_("Completed: %(title)s") % {"title": instance.title},
                body=_("The process “%(process)s” has ended.")
                % {"process": instance.definition.name},
                link=reverse("workflow:instance", args=[instance.pk]),
                category="workflow.instance", actor=step.actor,
            )  # fmt: skip
    updated = ProcessInstance.objects.filter(pk=instance.pk, version=expected_version).update(
        **fields
    )
    if updated != 1:
        raise Conflict()
    for name, value in fields.items():
        setattr(instance, name, value)


def _lock_instance(pk: int) -> ProcessInstance:
    # Lock the bare row first, then read it with its relations. A locking SELECT with joins loses
    # the row on PostgreSQL when a concurrent transaction changed a joined key (e.g. a migration
    # moving the instance to another definition): the re-check pairs the new row with the old join.
    if not list(ProcessInstance.objects.select_for_update().filter(pk=pk).values_list("pk")):
        raise NotFound()
    return ProcessInstance.objects.select_related("definition", "organisation", "initiator").get(
        pk=pk
    )


def _lock_task(task: WorkTask) -> tuple[WorkTask, ProcessInstance]:
    """Lock the instance, then re-read the task: a stale object in the caller's hand is normal."""
    instance = _lock_instance(task.instance_id)
    fresh = (
        WorkTask.objects.select_for_update(of=("self",))
        .select_related("completed_by", "claimed_by", "assignee", "candidate_role")
        .get(pk=task.pk)
    )
    if fresh.status == Status.COMPLETED:
        raise Conflict(
            _("This task was already handled by %(who)s at %(when)s.")
            % {"who": _who(fresh.completed_by),
               "when": timezone.localtime(fresh.completed_at).strftime("%Y-%m-%d %H:%M")},
            data={"completed_by": fresh.completed_by_id},
        )  # fmt: skip
    if fresh.status == Status.CANCELLED or instance.status != ProcessInstance.Status.RUNNING:
        raise Conflict(_("This task is no longer open: the process moved on or was withdrawn."))
    fresh.instance = instance
    return fresh, instance


def holds_candidate_role(account: Any, task: WorkTask) -> bool:
    if task.candidate_role_id is None or not getattr(account, "is_active", False):
        return False
    return (
        _holding_candidate_role(
            task.candidate_role_id, task.candidate_organisation_id, task.candidate_org_path
        )
        .filter(account=account, organisation__is_active=True)
        .exists()
    )


def may_handle(account: Any, task: WorkTask) -> bool:
    """May ``account`` work on ``task`` now (complete, send back, transfer …)?"""
    if not _is_account(account) or task.status not in WorkTask.ACTIVE:
        return False
    if task.claimed_by_id:
        return task.claimed_by_id == account.pk
    if task.assignee_id:
        return task.assignee_id == account.pk
    return holds_candidate_role(account, task)


def _require_handler(actor: Any, task: WorkTask) -> None:
    if may_handle(actor, task):
        if task.multi_parent and WorkTask.objects.filter(
            instance_id=task.instance_id, multi_parent=task.multi_parent,
            completed_by=actor, status=Status.COMPLETED,
        ).exists():  # fmt: skip
            raise PermissionDenied(_("You have already signed this step once."))
        return
    if task.claimed_by_id and task.claimed_by_id != getattr(actor, "pk", None):
        raise Conflict(_("%(who)s has already claimed this task.") % {"who": _who(task.claimed_by)})
    raise PermissionDenied(_("This task is not yours to handle."))


def _event(step: _Step, task: WorkTask | None, kind: str, **fields: Any) -> TaskEvent:
    return insert(TaskEvent(
        instance=step.instance, task=task, kind=kind,
        actor=step.actor if _is_account(step.actor) else None, **fields,
    ))  # fmt: skip


def _clean_attachments(actor: Any, attachments: list[StoredFile] | None) -> list[StoredFile]:
    """Only files this actor has just stored for a step, each linked to one step only."""
    files = list(dict.fromkeys(attachments or []))
    if len(files) > ATTACHMENTS_MAX:
        raise ValidationFailed(
            _("At most %(max)d attachments per step.") % {"max": ATTACHMENTS_MAX},
            data={"field": "attachments"},
        )
    for f in files:
        if (not isinstance(f, StoredFile) or f.pk is None or f.purpose != ATTACHMENT_PURPOSE
                or f.uploaded_by_id != getattr(actor, "pk", None)):  # fmt: skip
            raise ValidationFailed(_("This attachment cannot be used for this step."),
                                   data={"field": "attachments"})  # fmt: skip
    if files and TaskEventAttachment.objects.filter(file__in=files).exists():
        raise ValidationFailed(_("This attachment cannot be used for this step."),
                               data={"field": "attachments"})  # fmt: skip
    return files


def attachments_store(*, actor: Any, uploads: list[Any]) -> list[StoredFile]:
    """Store the uploads of a step through ``files`` (type by content, size, audit).

    Call it in the same transaction as the step (``task_complete(attachments=...)``) so a
    refused step leaves no row behind; a refused file raises files' Chinese ValidationFailed.
    """
    if len(uploads) > ATTACHMENTS_MAX:
        raise ValidationFailed(
            _("At most %(max)d attachments per step.") % {"max": ATTACHMENTS_MAX},
            data={"field": "attachments"},
        )
    return [
        file_store(
            actor=actor, upload=upload, purpose=ATTACHMENT_PURPOSE, allowed_types=ATTACHMENT_TYPES
        )
        for upload in uploads
    ]


def _attach(event: TaskEvent, files: list[StoredFile]) -> list[dict[str, Any]]:
    """Link the files to the history line; what the audit entry records about them."""
    TaskEventAttachment.objects.bulk_create(
        [TaskEventAttachment(event=event, file=f) for f in files]
    )
    return [{"id": str(f.uuid), "name": f.original_name} for f in files]


def _clean_opinion(opinion: str) -> str:
    opinion = (opinion or "").strip()
    if len(opinion) > OPINION_MAX:
        raise ValidationFailed(
            _("The opinion may have at most %(max)d characters.") % {"max": OPINION_MAX},
            data={"field": "opinion"},
        )
    return opinion


# --------------------------------------------------------------------------- instances


def _clean_variables(variables: dict[str, Any] | None) -> dict[str, Any]:
    variables = dict(variables or {})
    for name in variables:
        if not isinstance(name, str) or not IDENTIFIER.match(name):
            raise ValidationFailed(_("“%(name)s” is not a valid variable name.") % {"name": name})
    try:
        size = len(json.dumps(variables))
    except (TypeError, ValueError):
        raise ValidationFailed(_("Process variables must be plain data (JSON).")) from None
    if size > MAX_VARIABLES_BYTES:
        raise ValidationFailed(_("Process variables are too large."))
    return variables


@dataclass
class PreparedStart:
    """A process start worked out before the caller's transaction (``instance_prepare``): the
    definitions, the engine run to its first steps, the instance and its task rows (assigned,
    with due dates) unsaved, and who to tell of each task. ``instance_start`` writes it."""

    definition_key: str
    actor: Any
    variables: dict[str, Any]
    instance: ProcessInstance
    definitions: list[ProcessDefinition]
    wf: Any
    state: str  # the engine's state as stored ("{}" for a process that ended at once)
    rows: list[tuple[WorkTask, list[Any]]] = field(default_factory=list)


def instance_prepare(
    *,
    actor: Any,
    definition_key: str,
    organisation: Organisation,
    variables: dict[str, Any] | None = None,
) -> PreparedStart:
    """Everything of starting a process that only reads: the definition, the engine's first
    steps, their assignment, due dates and candidates. Called before a transaction, it keeps
    that work out of it (on SQLite, out of the one write lock); what it read may be a moment old
    when the start is written, as if the process had been started a moment earlier."""
    if organisation is None or not organisation.is_active:
        raise ValidationFailed(_("The handling organisation is not active."))
    variables = _clean_variables(variables)
    definition = _latest(definition_key)
    if definition is None:
        raise ValidationFailed(
            _("No process “%(key)s” has been deployed.") % {"key": definition_key}
        )
    called = _called_definitions(definition.called_keys)
    definitions = [definition, *called.values()]
    missing = []
    for d in definitions:
        missing += [f"“{name}”（{eid}）" for eid, name in unassigned_steps(d)]
    if missing:
        raise ValidationFailed(
            _(
                "The process cannot start: nobody is assigned to the steps %(steps)s. An "
                "administrator must assign them first."
            )
            % {"steps": "、".join(missing)},
            data={"unassigned": missing},
        )
    spec_map: dict[str, int] = {}
    for d in definitions:
        spec_map[d.key] = d.pk
        for sub in d.subprocess_ids:
            spec_map[sub] = d.pk
    try:
        wf = engine.start(_diagram(definition), [_diagram(d) for d in called.values()], variables)
    except engine.EngineError as exc:
        raise _engine_refusal(exc) from None
    instance = ProcessInstance(
        definition=definition, organisation=organisation, spec_map=spec_map,
        initiator=actor if _is_account(actor) else None,
    )  # fmt: skip
    # Making the task rows reads the engine but does not change it, so the state stored with the
    # instance can be written out now.
    state = "{}" if engine.is_completed(wf) else engine.dump(wf)
    prepared = PreparedStart(definition_key, actor, variables, instance, definitions, wf, state)
    step = _Step(instance, actor, definitions=definitions)
    for human in engine.ready_human_tasks(wf):
        row = _new_row(step, human)
        prepared.rows.append((row, [row.assignee] if row.assignee_id else _candidates(row)))
    return prepared


@transaction.atomic
def instance_start(
    *,
    actor: Any,
    definition_key: str,
    owner_type: str,
    owner_id: str | int,
    title: str,
    organisation: Organisation,
    url: str = "",
    variables: dict[str, Any] | None = None,
    prepared: PreparedStart | None = None,
) -> ProcessInstance:
    """Start the latest version of a process about a domain subject. ``prepared``: worked out
    beforehand by ``instance_prepare``, used once; one of another actor, key, organisation or
    variables is worked out again."""
    if get_subject_type(owner_type) is None:
        raise ValidationFailed(
            _("Unknown subject type “%(type)s”.") % {"type": owner_type},
            data={"field": "owner_type"},
        )
    title = (title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise ValidationFailed(_("The process needs a title of at most 300 characters."),
                               data={"field": "title"})  # fmt: skip
    url = (url or "").strip()
    if len(url) > 500 or (url and not url.startswith(("/", "https://", "http://"))):
        raise ValidationFailed(_("The link must be a path on this site or a web address."),
                               data={"field": "url"})  # fmt: skip
    owner_id = str(owner_id or "").strip()
    if not owner_id or len(owner_id) > 64:
        raise ValidationFailed(_("The process needs the id of its subject."))
    if prepared is None or prepared.instance.pk is not None or (
        prepared.definition_key, prepared.instance.organisation_id, prepared.actor,
        prepared.variables,
    ) != (definition_key, organisation.pk, actor, _clean_variables(variables)):  # fmt: skip
        prepared = instance_prepare(actor=actor, definition_key=definition_key,
                                    organisation=organisation, variables=variables)  # fmt: skip
    wf = prepared.wf
    # The state is written with the instance, once; a process that ended at once is saved (and
    # ended) by ``_save``.
    ended = engine.is_completed(wf)
    instance = prepared.instance
    instance.owner_type, instance.owner_id, instance.title, instance.url = (
        owner_type, owner_id, title, url,
    )  # fmt: skip
    instance.state = prepared.state
    insert(instance)
    step = _Step(instance, actor, definitions=prepared.definitions)
    _event(step, None, TaskEvent.Kind.STARTED)
    for row, recipients in prepared.rows:
        _open_row(step, row, recipients)
    _sync_timers(step, wf)
    if ended:
        _save(step, wf, instance.version)
    definition = prepared.definitions[0]
    audit_record(
        actor=actor, action="workflow.instance.start", target=instance,
        changes={"definition": f"{definition.key} v{definition.version}",
                 "subject": f"{owner_type}#{owner_id}", "organisation": organisation.pk,
                 "tasks_created": [t.pk for t in step.created]},
    )  # fmt: skip
    return instance


@transaction.atomic
def instance_withdraw(
    *, actor: Any, instance: ProcessInstance, reason: str = ""
) -> ProcessInstance:
    """撤销: the initiator takes the process back before anyone else has handled a step."""
    instance = _lock_instance(instance.pk)
    if not _is_account(actor) or instance.initiator_id != actor.pk:
        raise PermissionDenied(_("Only the initiator may withdraw the process."))
    if instance.status != ProcessInstance.Status.RUNNING:
        raise Conflict(_("The process has already ended."))
    handled = (
        instance.tasks.filter(
            Q(status=Status.COMPLETED) & ~Q(completed_by=actor)
            | Q(status=Status.CLAIMED) & ~Q(claimed_by=actor)
        )
        .select_related("completed_by", "claimed_by")
        .first()
    )
    if handled is not None:
        raise Conflict(
            _("The process can no longer be withdrawn: %(who)s has already handled “%(step)s”.")
            % {"who": _who(handled.completed_by or handled.claimed_by),
               "step": handled.element_name}
        )  # fmt: skip
    version = instance.version
    wf = engine.load(instance.state)
    engine.cancel(wf)
    step = _Step(instance, actor)
    for row in instance.tasks.filter(status__in=WorkTask.ACTIVE):
        _cancel_row(step, row)
    _event(step, None, TaskEvent.Kind.WITHDRAWN, opinion=_clean_opinion(reason))
    updated = ProcessInstance.objects.filter(pk=instance.pk, version=version).update(
        state=engine.dump(wf), version=version + 1,
        status=ProcessInstance.Status.WITHDRAWN, ended_at=timezone.now(),
    )  # fmt: skip
    if updated != 1:
        raise Conflict()
    instance.refresh_from_db()
    subject_step(instance, None, actor)
    audit_record(actor=actor, action="workflow.instance.withdraw", target=instance,
                 changes={"status": ["running", "withdrawn"],
                          "tasks_cancelled": [t.pk for t in step.cancelled]},
                 reason=reason or "")  # fmt: skip
    return instance


TERMINATE_PERM = "workflow.terminate_processinstance"


@transaction.atomic
def instance_terminate(*, actor: Any, instance: ProcessInstance, reason: str) -> ProcessInstance:
    """终止 by an administrator: the process stops where it is, with a reason on record.

    Open tasks are cancelled (their deadlines closed), pending timers cancelled, the engine
    state cancelled and kept readable; the subject's domain hears about it through ``on_step``.
    """
    if not _is_account(actor) or not actor.has_perm(TERMINATE_PERM):
        raise PermissionDenied()
    reason = _clean_opinion(reason)
    if not reason:
        raise ValidationFailed(_("Give the reason for terminating the process."),
                               data={"field": "reason"})  # fmt: skip
    instance = _lock_instance(instance.pk)
    if instance.status != ProcessInstance.Status.RUNNING:
        raise Conflict(_("The process has already ended."))
    version = instance.version
    wf = engine.load(instance.state)
    engine.cancel(wf)
    step = _Step(instance, actor)
    for row in instance.tasks.filter(status__in=WorkTask.ACTIVE).order_by("pk"):
        _cancel_row(step, row)
    now = timezone.now()
    timers = list(
        instance.timers.filter(status=TaskTimer.Status.PENDING).values_list("pk", flat=True)
    )
    instance.timers.filter(pk__in=timers).update(status=TaskTimer.Status.CANCELLED, ended_at=now)
    _event(step, None, TaskEvent.Kind.TERMINATED, opinion=reason)
    updated = ProcessInstance.objects.filter(pk=instance.pk, version=version).update(
        state=engine.dump(wf), version=version + 1,
        status=ProcessInstance.Status.TERMINATED, ended_at=now,
    )  # fmt: skip
    if updated != 1:
        raise Conflict()
    instance.refresh_from_db()
    subject_step(instance, None, actor)
    audit_record(actor=actor, action="workflow.instance.terminate", target=instance,
                 changes={"status": ["running", "terminated"],
                          "tasks_cancelled": [t.pk for t in step.cancelled],
                          "timers_cancelled": timers},
                 reason=reason)  # fmt: skip
    recipients = [instance.initiator] if instance.initiator_id else []
    recipients += [r.claimed_by or r.assignee for r in step.cancelled
                   if (r.claimed_by_id or r.assignee_id)]  # fmt: skip
    people = list({p.pk: p for p in recipients if p is not None and p.pk != actor.pk}.values())
    if people:
        notify_send(
            recipients=people, category="workflow.instance", actor=actor,
            subject=_("Terminated: %(title)s") % {"title": instance.title},
            body=reason, link=reverse("workflow:instance", args=[instance.pk]),
        )  # fmt: skip
    return instance


# --------------------------------------------------------------------------- task steps


@transaction.atomic
def task_claim(*, actor: Any, task: WorkTask) -> WorkTask:
    """签收: take a candidate task so colleagues no longer see it as open."""
    task, instance = _lock_task(task)
    if task.status == Status.CLAIMED:
        if task.claimed_by_id == actor.pk:
            return task
        raise Conflict(_("%(who)s has already claimed this task.") % {"who": _who(task.claimed_by)})
    _require_handler(actor, task)
    task.status = Status.CLAIMED
    task.claimed_by = actor
    task.save(update_fields=["status", "claimed_by"])
    step = _Step(instance, actor)
    _event(step, task, TaskEvent.Kind.CLAIMED)
    _bump(instance)
    audit_record(actor=actor, action="workflow.task.claim", target=task,
                 changes={"status": ["open", "claimed"]})  # fmt: skip
    return task


def _bump(instance: ProcessInstance) -> None:
    """Steps that leave the engine state alone still move the version (optimistic lock)."""
    updated = ProcessInstance.objects.filter(pk=instance.pk, version=instance.version).update(
        version=instance.version + 1
    )
    if updated != 1:
        raise Conflict()
    instance.version += 1


@transaction.atomic
def task_release(*, actor: Any, task: WorkTask) -> WorkTask:
    """Give a claimed candidate task back to the pool."""
    task, instance = _lock_task(task)
    if task.status != Status.CLAIMED or task.claimed_by_id != actor.pk:
        raise PermissionDenied(_("Only the person who claimed the task may release it."))
    if task.candidate_role_id is None:
        raise ValidationFailed(_("This task was assigned to you personally; transfer it instead."))
    task.status = Status.OPEN
    task.claimed_by = None
    task.save(update_fields=["status", "claimed_by"])
    step = _Step(instance, actor)
    _event(step, task, TaskEvent.Kind.RELEASED)
    _bump(instance)
    audit_record(actor=actor, action="workflow.task.release", target=task,
                 changes={"status": ["claimed", "open"]})  # fmt: skip
    _notify_task(step, task)
    return task


def task_meta(task: WorkTask) -> dict[str, Any]:
    definition_id = task.instance.spec_map.get(task.scope)
    definition = ProcessDefinition.objects.filter(pk=definition_id).only("user_tasks").first()
    return (definition.user_tasks if definition else {}).get(task.element_id, {})


def step_form(task: WorkTask, meta: dict[str, Any] | None = None) -> forms.StepForm:
    """The form of the task's step: the admin's JSON Schema if set, else the diagram's fields;
    access (editable / read-only / hidden) from the diagram's zw:field map."""
    meta = task_meta(task) if meta is None else meta
    definition_id = task.instance.spec_map.get(task.scope)
    key = (
        ProcessDefinition.objects.filter(pk=definition_id).values_list("key", flat=True).first()
        or task.instance.definition.key
    )
    custom = (
        TaskForm.objects.filter(process_key=key, element_id=task.element_id)
        .values_list("schema", flat=True)
        .first()
    )
    return forms.step_form(meta, custom)


def clean_form(
    meta: dict[str, Any], form_data: dict[str, Any] | None, *, form: forms.StepForm | None = None
) -> dict[str, Any]:
    """Only the step's editable fields are taken (validated against its schema); protected
    fields posted anyway are dropped — ``task_complete`` audits the attempt."""
    cleaned, _ignored = forms.clean(form or forms.step_form(meta), form_data)
    return cleaned


@transaction.atomic
def task_complete(
    *,
    actor: Any,
    task: WorkTask,
    decision: str,
    opinion: str = "",
    form_data: dict[str, Any] | None = None,
    attachments: list[StoredFile] | None = None,
) -> WorkTask:
    """办理: decide (同意 approve / 不同意 reject / 退回 send_back as a routed decision).

    The decision is set as the process variable ``decision``; exclusive gateways route on it.
    A delegate (委派) answering returns the task to the person who delegated it instead.
    ``attachments``: files the actor stored with purpose ``ATTACHMENT_PURPOSE``, linked to this
    step's history line in the same transaction (nothing is linked if the step fails).
    """
    task, instance = _lock_task(task)
    _require_handler(actor, task)
    opinion = _clean_opinion(opinion)
    files = _clean_attachments(actor, attachments)
    meta = task_meta(task)
    step = _Step(instance, actor)
    if task.delegated_by_id and task.assignee_id == actor.pk:
        owner = task.delegated_by
        event = _event(step, task, TaskEvent.Kind.RESOLVED, opinion=opinion,
                       decision=decision or "", target=owner)  # fmt: skip
        attached = _attach(event, files)
        task.assignee = owner
        task.claimed_by = owner
        task.delegated_by = None
        task.status = Status.CLAIMED
        task.save(update_fields=["assignee", "claimed_by", "delegated_by", "status"])
        _bump(instance)
        audit_record(actor=actor, action="workflow.task.resolve", target=task,
                     changes={"returned_to": owner.pk, "attachments": attached})  # fmt: skip
        _notify_task(step, task, [owner])
        return task
    allowed = meta.get("decisions") or ["approve", "reject"]
    if decision not in allowed:
        raise ValidationFailed(_("Choose one of the decisions offered for this step."),
                               data={"field": "decision"})  # fmt: skip
    if decision != "approve" and not opinion:
        raise ValidationFailed(_("Give your opinion when you do not agree."),
                               data={"field": "opinion"})  # fmt: skip
    form = step_form(task, meta)
    cleaned, ignored = forms.clean(form, form_data)
    if ignored:
        # A hidden or read-only field posted anyway (a tampered form): ignored, on record.
        _event(step, task, TaskEvent.Kind.FIELD_REFUSED, opinion="、".join(ignored)[:2000])
        audit_record(actor=actor, action="workflow.task.field_refused", target=task,
                     changes={"fields": ignored})  # fmt: skip
    version = instance.version
    wf = engine.load(instance.state)
    try:
        engine.complete(wf, task.spiff_task_id, {**cleaned, "decision": decision})
    except engine.EngineError as exc:
        raise _engine_refusal(exc) from None
    task.status = Status.COMPLETED
    task.decision = decision
    task.opinion = opinion
    task.form_data = cleaned
    task.completed_by = actor
    task.completed_at = timezone.now()
    if task.claimed_by_id is None:
        task.claimed_by = actor
    task.save(update_fields=["status", "decision", "opinion", "form_data", "completed_by",
                             "completed_at", "claimed_by"])  # fmt: skip
    event = _event(step, task, TaskEvent.Kind.COMPLETED, decision=decision, opinion=opinion)
    attached = _attach(event, files)
    if task.limit_days is not None:
        deadline_close(owner_type=DEADLINE_OWNER, owner_id=task.pk, actor=actor)
    _sync(step, wf)
    _save(step, wf, version)
    subject_step(instance, task, actor)
    audit_record(
        actor=actor, action="workflow.task.complete", target=task,
        changes={"decision": decision, "form_data": cleaned,
                 "tasks_created": [t.pk for t in step.created],
                 "tasks_cancelled": [t.pk for t in step.cancelled],
                 "instance_status": instance.status, "attachments": attached},
        reason=opinion,
    )  # fmt: skip
    return task


def send_back_targets(task: WorkTask) -> list[tuple[str, str]]:
    """Earlier steps of this instance the task may be sent back to (element id, name)."""
    rows = (
        WorkTask.objects.filter(instance_id=task.instance_id, status=Status.COMPLETED,
                                scope=task.scope)
        .exclude(element_id=task.element_id)
        .order_by("completed_at", "pk")
        .values_list("element_id", "element_name")
    )  # fmt: skip
    return list(dict.fromkeys(rows))


@transaction.atomic
def task_send_back(
    *,
    actor: Any,
    task: WorkTask,
    to_element_id: str,
    opinion: str,
    attachments: list[StoredFile] | None = None,
) -> WorkTask:
    """退回 to an earlier user task. Steps in progress after it (a 会签 split, the other
    signers) are cancelled; the step goes back to the person who handled it. ``attachments``
    as for ``task_complete``."""
    task, instance = _lock_task(task)
    _require_handler(actor, task)
    opinion = _clean_opinion(opinion)
    files = _clean_attachments(actor, attachments)
    if not opinion:
        raise ValidationFailed(_("Say why you send the task back."), data={"field": "opinion"})
    previous = (
        WorkTask.objects.filter(
            instance=instance, element_id=to_element_id, status=Status.COMPLETED
        )
        .select_related("completed_by")
        .order_by("-completed_at", "-pk")
        .first()
    )
    if previous is None or to_element_id == task.element_id:
        raise ValidationFailed(_("The task can only be sent back to an earlier step."),
                               data={"field": "to_element_id"})  # fmt: skip
    version = instance.version
    wf = engine.load(instance.state)
    try:
        moved = engine.reset_to(wf, task.spiff_task_id, to_element_id)
    except engine.EngineError as exc:
        raise _engine_refusal(exc) from None
    if not moved:
        raise ValidationFailed(_("The task can only be sent back to an earlier step."),
                               data={"field": "to_element_id"})  # fmt: skip
    task.status = Status.COMPLETED
    task.decision = "send_back"
    task.opinion = opinion
    task.completed_by = actor
    task.completed_at = timezone.now()
    task.save(update_fields=["status", "decision", "opinion", "completed_by", "completed_at"])
    step = _Step(instance, actor)
    event = _event(step, task, TaskEvent.Kind.SENT_BACK, decision="send_back", opinion=opinion,
                   target=previous.completed_by)  # fmt: skip
    attached = _attach(event, files)
    if task.limit_days is not None:
        deadline_close(owner_type=DEADLINE_OWNER, owner_id=task.pk, actor=actor)
    _sync(step, wf, send_back_to={to_element_id: previous.completed_by})
    _save(step, wf, version)
    audit_record(
        actor=actor, action="workflow.task.send_back", target=task,
        changes={"to": to_element_id, "tasks_created": [t.pk for t in step.created],
                 "tasks_cancelled": [t.pk for t in step.cancelled], "attachments": attached},
        reason=opinion,
    )  # fmt: skip
    return task


def _colleague(to: Any) -> Any:
    if to is None or not getattr(to, "is_active", False) or getattr(to, "kind", "") != "staff":
        raise ValidationFailed(_("Choose an active staff account."), data={"field": "to"})
    return to


@transaction.atomic
def task_transfer(*, actor: Any, task: WorkTask, to: Any, reason: str = "") -> WorkTask:
    """转办: hand the task over to a colleague for good."""
    task, instance = _lock_task(task)
    _require_handler(actor, task)
    to = _colleague(to)
    if to.pk == actor.pk:
        raise ValidationFailed(_("You cannot transfer a task to yourself."), data={"field": "to"})
    reason = _clean_opinion(reason)
    before = task.handler_id
    task.assignee = to
    task.claimed_by = None
    task.delegated_by = None
    task.status = Status.OPEN
    task.save(update_fields=["assignee", "claimed_by", "delegated_by", "status"])
    step = _Step(instance, actor)
    _event(step, task, TaskEvent.Kind.TRANSFERRED, target=to, opinion=reason)
    _bump(instance)
    audit_record(actor=actor, action="workflow.task.transfer", target=task,
                 changes={"handler": [before, to.pk]}, reason=reason)  # fmt: skip
    _notify_task(step, task, [to])
    return task


@transaction.atomic
def task_delegate(*, actor: Any, task: WorkTask, to: Any, note: str = "") -> WorkTask:
    """委派: a colleague answers for you; the task then comes back to you to decide."""
    task, instance = _lock_task(task)
    _require_handler(actor, task)
    to = _colleague(to)
    if to.pk == actor.pk:
        raise ValidationFailed(_("You cannot delegate a task to yourself."), data={"field": "to"})
    if task.delegated_by_id:
        raise Conflict(_("This task is already delegated."))
    note = _clean_opinion(note)
    task.delegated_by = actor
    task.assignee = to
    task.claimed_by = None
    task.status = Status.OPEN
    task.save(update_fields=["assignee", "claimed_by", "delegated_by", "status"])
    step = _Step(instance, actor)
    _event(step, task, TaskEvent.Kind.DELEGATED, target=to, opinion=note)
    _bump(instance)
    audit_record(actor=actor, action="workflow.task.delegate", target=task,
                 changes={"delegate": to.pk}, reason=note)  # fmt: skip
    _notify_task(step, task, [to])
    return task


@transaction.atomic
def task_copy(
    *, actor: Any, instance: ProcessInstance, recipients: list[Any], note: str = ""
) -> list[TaskCopy]:
    """抄送: show the instance read-only to colleagues, for information."""
    from zhengwu.workflow.selectors import may_view_instance

    instance = _lock_instance(instance.pk)
    if not may_view_instance(actor, instance):
        raise NotFound()
    note = _clean_opinion(note)
    people = {r.pk: _colleague(r) for r in recipients}
    if not people:
        raise ValidationFailed(_("Choose at least one colleague."), data={"field": "recipients"})
    step = _Step(instance, actor)
    copies = []
    for person in people.values():
        copy, created = TaskCopy.objects.get_or_create(
            instance=instance, recipient=person, defaults={"sender": actor, "note": note}
        )
        if created:
            copies.append(copy)
            _event(step, None, TaskEvent.Kind.CC, target=person, opinion=note)
    audit_record(actor=actor, action="workflow.instance.copy", target=instance,
                 changes={"recipients": [c.recipient_id for c in copies]})  # fmt: skip
    if copies:
        notify_send(
            recipients=[c.recipient for c in copies],
            subject=_("For your information: %(title)s") % {"title": instance.title},
            body=note, link=reverse("workflow:instance", args=[instance.pk]),
            category="workflow.copy", actor=actor,
        )  # fmt: skip
    return copies


# --------------------------------------------------------------------------- timers

TICK_ACTOR = "system:workflow_tick"


def _timer_rows(instance: ProcessInstance, attached_id: Any) -> list[WorkTask]:
    """The active task rows a boundary timer watches (all signers of a multi-person step)."""
    if attached_id is None:
        return []
    return list(
        instance.tasks.filter(Q(spiff_task_id=attached_id) | Q(multi_parent=attached_id),
                              status__in=WorkTask.ACTIVE)
        .select_related("assignee", "claimed_by")
        .order_by("pk")
    )  # fmt: skip


def _sync_timers(step: _Step, wf: Any) -> None:
    """Make the timer rows match the timers the engine waits on.

    A timer whose engine event is gone (the task was completed, sent back, withdrawn) is
    cancelled here, in the step's transaction, so it can never fire afterwards.
    """
    from zhengwu.workflow.timers import first_due, max_fires

    instance = step.instance
    if step._definitions is not None:
        has_timers = any(d.timers for d in step._definitions.values())
    else:
        has_timers = ProcessDefinition.objects.filter(
            pk__in=set(instance.spec_map.values())
        ).exclude(timers={}).exists()  # fmt: skip
    if not has_timers:
        return  # no timers in this process: no timer query on every step
    waiting = engine.waiting_timers(wf)
    ids = [w.id for w in waiting]
    now = timezone.now()
    instance.timers.filter(status=TaskTimer.Status.PENDING).exclude(spiff_task_id__in=ids).update(
        status=TaskTimer.Status.CANCELLED, ended_at=now
    )
    if not waiting:
        return
    have = set(
        instance.timers.filter(spiff_task_id__in=ids).values_list("spiff_task_id", flat=True)
    )
    for w in waiting:
        if w.id in have:
            continue
        meta = step.definition_for(w.scope).timers.get(w.element_id)
        if meta is None:
            continue
        rows = _timer_rows(instance, w.attached_id)
        if meta["kind"] != "wait" and not rows:
            continue
        dues = [r.due_date for r in rows if r.due_date]
        due_at = first_due(meta, start=now, due_date=min(dues) if dues else None)
        if due_at is None:
            continue  # a due-date timer on a task without a time limit: nothing to count from
        TaskTimer.objects.create(
            instance=instance, task=rows[0] if rows else None, spiff_task_id=w.id,
            attached_spiff_id=w.attached_id, element_id=w.element_id,
            element_name=(meta.get("name") or w.element_id)[:200], kind=meta["kind"],
            action=meta["action"], due_at=due_at,
            config={"max_fires": max_fires(meta), "sms": bool(meta.get("sms")),
                    "scope": w.scope},
        )  # fmt: skip


def _replace_timers(
    step: _Step, timers: Any, *, refresh: bool = False, now: Any = None
) -> list[int]:
    """Re-place pending timers from the diagram and the watched tasks' due dates *now*.

    Used when a calendar change moved a due date (the tasks' ``due_date`` is already updated)
    and after an instance migration (``refresh``: kind, action and settings follow the new
    version). Only timers that have not fired yet are re-placed: a repeating reminder that
    already fired keeps its cadence. A due-date timer whose task lost its time limit is
    cancelled. Returns the ids of the rows changed.
    """
    from zhengwu.workflow.timers import first_due, max_fires

    now = now or timezone.now()
    changed = []
    for timer in timers:
        scope = timer.config.get("scope") or step.instance.definition.key
        try:
            meta = step.definition_for(scope).timers.get(timer.element_id)
        except KeyError:
            meta = None
        if meta is None:
            continue  # the element is gone: _sync_timers cancels it with the engine's event
        fields: dict[str, Any] = {}
        if refresh:
            config = {**timer.config, "max_fires": max_fires(meta), "sms": bool(meta.get("sms"))}
            name = (meta.get("name") or timer.element_id)[:200]
            wanted = {"kind": meta["kind"], "action": meta["action"], "config": config,
                      "element_name": name}  # fmt: skip
            fields.update({k: v for k, v in wanted.items() if getattr(timer, k) != v})
        if timer.fire_count == 0:
            rows = _timer_rows(step.instance, timer.attached_spiff_id)
            dues = [r.due_date for r in rows if r.due_date]
            due_at = first_due(meta, start=timer.created_at, due_date=min(dues) if dues else None)
            if due_at is None:
                fields.update(status=TaskTimer.Status.CANCELLED, ended_at=now)
            elif due_at != timer.due_at:
                fields["due_at"] = due_at
        # Guarded by status: a timer fired or cancelled meanwhile is left alone.
        if fields and TaskTimer.objects.filter(pk=timer.pk, status=TaskTimer.Status.PENDING).update(
            **fields
        ):
            changed.append(timer.pk)
    return changed


def timers_follow_due_dates(task_ids: list[int]) -> list[int]:
    """Re-place the pending timers watching these tasks after their due dates moved
    (called by the calendar listener in ``deadlines.py``, inside the calendar change's
    transaction). Returns the ids of the timers moved."""
    rows = list(
        WorkTask.objects.filter(pk__in=task_ids, status__in=WorkTask.ACTIVE).values_list(
            "instance_id", "spiff_task_id", "multi_parent"
        )
    )
    if not rows:
        return []
    watched: dict[int, set[Any]] = {}
    for instance_id, spiff_id, multi_parent in rows:
        watched.setdefault(instance_id, set()).update(x for x in (spiff_id, multi_parent) if x)
    moved: list[int] = []
    instances = ProcessInstance.objects.select_related("definition").in_bulk(list(watched))
    for instance_id, ids in watched.items():
        timers = TaskTimer.objects.filter(
            instance_id=instance_id, status=TaskTimer.Status.PENDING, attached_spiff_id__in=ids
        ).order_by("pk")
        moved += _replace_timers(_Step(instances[instance_id], None), timers)
    return moved


def timers_resync(instance: ProcessInstance) -> list[int]:
    """After an instance moved to another version: cancel the timers the engine no longer waits
    on, create the new version's ones, and re-place the pending ones by the new diagram. Runs
    inside the caller's transaction with the instance row locked."""
    step = _Step(instance, None)
    _sync_timers(step, engine.load(instance.state))
    pending = instance.timers.filter(status=TaskTimer.Status.PENDING).order_by("pk")
    return _replace_timers(step, pending, refresh=True)


def timers_due(now: Any = None, limit: int = 500) -> list[tuple[int, int]]:
    """(timer id, instance id) of pending timers due by ``now``: one indexed range query."""
    now = now or timezone.now()
    return list(
        TaskTimer.objects.filter(status=TaskTimer.Status.PENDING, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", "instance_id")[:limit]
    )


def timers_tick(*, now: Any = None, limit: int = 500) -> dict[str, int]:
    """Fire every due timer, each in its own transaction. Safe to run from several processes
    at once (rows taken by another runner are skipped) and to repeat (a fired timer is no
    longer due). Returns counts for the command's output."""
    counts = {"fired": 0, "skipped": 0, "failed": 0}
    for timer_id, instance_id in timers_due(now, limit):
        try:
            fired = timer_fire(timer_id=timer_id, instance_id=instance_id, now=now)
        except Exception:  # one broken instance must not stop the others
            logging.getLogger("zhengwu.workflow").exception("timer %s failed", timer_id)
            counts["failed"] += 1
            continue
        counts["fired" if fired else "skipped"] += 1
    return counts


def _system_step(instance: ProcessInstance) -> _Step:
    return _Step(instance, None)


@transaction.atomic
def timer_fire(*, timer_id: int, instance_id: int, now: Any = None) -> bool:
    """Fire one due timer: remind, time out (route / send back / escalate) or end a wait.

    The instance row is locked first (the same order as every step), skipping it if a user's
    step or another scheduler holds it; then the timer row, re-checked: a timer fired or
    cancelled meanwhile is left alone. False when nothing was done.
    """
    from zhengwu.workflow.timers import next_due

    now = now or timezone.now()
    instance = (
        ProcessInstance.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("definition", "organisation", "initiator")
        .filter(pk=instance_id)
        .first()
    )
    timer = (
        TaskTimer.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(pk=timer_id, status=TaskTimer.Status.PENDING, due_at__lte=now)
        .first()
    )
    if instance is None or timer is None:
        return False
    rows = _timer_rows(instance, timer.attached_spiff_id)
    if instance.status != ProcessInstance.Status.RUNNING or (
        timer.kind != TaskTimer.Kind.WAIT and not rows
    ):
        timer.status = TaskTimer.Status.CANCELLED
        timer.ended_at = now
        timer.save(update_fields=["status", "ended_at"])
        return False
    step = _system_step(instance)
    definition = step.definition_for(timer.config.get("scope") or instance.definition.key)
    meta = definition.timers.get(timer.element_id, {})
    timer.fire_count += 1
    timer.fired_at = now
    following = None
    if timer.kind == TaskTimer.Kind.REMINDER and timer.fire_count < timer.config.get(
        "max_fires", 1
    ):
        following = next_due(meta, previous=timer.due_at, now=now)
    previous_due = timer.due_at
    if following is not None:
        timer.due_at = following
    else:
        timer.status = TaskTimer.Status.FIRED
        timer.ended_at = now
    timer.save(update_fields=["fire_count", "fired_at", "due_at", "status", "ended_at"])
    outcome: dict[str, Any] = {}
    if timer.action == "remind":
        _timer_remind(step, timer, rows)
    elif timer.action == "escalate":
        outcome = _timer_escalate(step, timer, rows, meta)
    else:
        outcome = _timer_move(step, timer, rows, meta)
    audit_record(
        actor=TICK_ACTOR, action="workflow.timer.fire", target=timer,
        changes={"kind": timer.kind, "action": timer.action, "element": timer.element_id,
                 "due_at": previous_due.isoformat(), "fire_count": timer.fire_count,
                 "next_due": following.isoformat() if following else None,
                 "tasks": [r.pk for r in rows], **outcome},
    )  # fmt: skip
    return True


def _handlers(rows: list[WorkTask]) -> list[Any]:
    people: dict[int, Any] = {}
    for row in rows:
        holder = row.claimed_by or row.assignee
        for person in [holder] if holder is not None else _candidates(row):
            people[person.pk] = person
    return list(people.values())


def _timer_remind(step: _Step, timer: TaskTimer, rows: list[WorkTask]) -> None:
    for row in rows:
        _event(step, row, TaskEvent.Kind.REMINDED, opinion=timer.element_name)
    first = rows[0]
    due = min((r.due_date for r in rows if r.due_date), default=None)
    notify_send(
        recipients=_handlers(rows),
        subject=_("Reminder: %(step)s — %(title)s")
        % {"step": first.element_name, "title": step.instance.title},
        body=_("Please handle this task. Due: %(due)s.")
        % {"due": due.isoformat() if due else _("no time limit")},
        link=_task_link(first),
        channels=("inapp", "sms") if timer.config.get("sms") else ("inapp",),
        category="workflow.reminder",
    )  # fmt: skip


def _timer_escalate(
    step: _Step, timer: TaskTimer, rows: list[WorkTask], meta: dict[str, Any]
) -> dict[str, Any]:
    """Move the overdue task to the role named in the diagram (e.g. the leader)."""
    moved = []
    for row in rows:
        limit, before = row.limit_days, row.handler_id
        data = {}
        if meta.get("organisation", "").startswith("variable:"):
            data = engine.task_data(engine.load(step.instance.state), row.spiff_task_id)
        _assign(step, row, {"name": row.element_name, "limit": limit, "assignment": {
            "kind": "role", "role": meta["role"],
            "organisation": meta.get("organisation") or "handling"}}, data,
            step.definition_for(row.scope))  # fmt: skip
        row.limit_days = limit
        row.assignee = None
        row.claimed_by = None
        row.delegated_by = None
        row.status = Status.OPEN
        row.save(update_fields=["candidate_role", "candidate_organisation", "candidate_org_path",
                                "assignee", "claimed_by", "delegated_by", "status"])  # fmt: skip
        _event(step, row, TaskEvent.Kind.ESCALATED, opinion=timer.element_name)
        moved.append({"task": row.pk, "from": before, "role": meta["role"]})
        _notify_task(step, row)
    _bump(step.instance)
    return {"escalated": moved}


def _timer_move(
    step: _Step, timer: TaskTimer, rows: list[WorkTask], meta: dict[str, Any]
) -> dict[str, Any]:
    """Route along the timer's flow, send the task back, or end a timed wait."""
    instance = step.instance
    version = instance.version
    wf = engine.load(instance.state)
    send_back_to = None
    if timer.action == "send_back":
        target = meta.get("to")
        previous = (
            WorkTask.objects.filter(instance=instance, status=Status.COMPLETED,
                                    scope=rows[0].scope)
            .exclude(element_id=rows[0].element_id)
            .filter(**({"element_id": target} if target else {}))
            .select_related("completed_by")
            .order_by("-completed_at", "-pk")
            .first()
        )  # fmt: skip
        moved = previous is not None and engine.reset_to(
            wf, rows[0].spiff_task_id, previous.element_id
        )
        if not moved:
            for row in rows:
                _event(step, row, TaskEvent.Kind.TIMED_OUT,
                       opinion=_("No earlier step to send the task back to."))  # fmt: skip
            _bump(instance)
            return {"sent_back": None}
        send_back_to = {previous.element_id: previous.completed_by}
    else:
        engine.fire_timer(wf, timer.spiff_task_id)
    for row in rows:
        _event(step, row, TaskEvent.Kind.TIMED_OUT, opinion=timer.element_name)
    if not rows:
        _event(step, None, TaskEvent.Kind.TIMED_OUT, opinion=timer.element_name)
    _sync(step, wf, send_back_to=send_back_to)
    _save(step, wf, version)
    return {"tasks_created": [t.pk for t in step.created],
            "tasks_cancelled": [t.pk for t in step.cancelled]}  # fmt: skip


# --------------------------------------------------------------------------- 加签 / 减签


def _multi_step(task: WorkTask, actor: Any) -> dict[str, Any]:
    meta = task_meta(task)
    if not task.multi_parent or not meta.get("change_signers"):
        raise ValidationFailed(_("Co-signers cannot be added or removed at this step."))
    assignment = meta.get("assignment") or {}
    if assignment.get("kind") != "variable":
        raise ValidationFailed(
            _("Co-signers can only be changed on a step whose signers are chosen people.")
        )
    is_initiator = _is_account(actor) and task.instance.initiator_id == actor.pk
    handles = WorkTask.objects.filter(
        instance_id=task.instance_id, multi_parent=task.multi_parent,
        status__in=WorkTask.ACTIVE,
    ).filter(Q(assignee=actor) | Q(claimed_by=actor)).exists()  # fmt: skip
    if not (is_initiator or handles):
        raise PermissionDenied(
            _("Only a signer of this step or the initiator may change its co-signers.")
        )
    return meta


@transaction.atomic
def task_signer_add(*, actor: Any, task: WorkTask, signer: Any, reason: str = "") -> WorkTask:
    """加签: add a co-signer to a parallel multi-person step the diagram lets change."""
    task, instance = _lock_task(task)
    meta = _multi_step(task, actor)
    signer = _colleague(signer)
    reason = _clean_opinion(reason)
    already = WorkTask.objects.filter(
        instance=instance, multi_parent=task.multi_parent,
        status__in=[*WorkTask.ACTIVE, Status.COMPLETED],
    ).filter(Q(assignee=signer) | Q(completed_by=signer)).exists()  # fmt: skip
    if already:
        raise ValidationFailed(
            _("%(who)s is already a signer of this step.") % {"who": _who(signer)},
            data={"field": "signer"},
        )
    version = instance.version
    wf = engine.load(instance.state)
    try:
        engine.multi_add(wf, task.multi_parent, signer.pk)
    except engine.EngineError as exc:
        raise _engine_refusal(exc) from None
    step = _Step(instance, actor)
    _sync(step, wf)
    _save(step, wf, version)
    added = next((r for r in step.created if r.assignee_id == signer.pk), None)
    _event(step, added or task, TaskEvent.Kind.SIGNER_ADDED, target=signer, opinion=reason)
    audit_record(actor=actor, action="workflow.task.signer_add", target=task,
                 changes={"step": meta.get("name") or task.element_id, "signer": signer.pk,
                          "tasks_created": [t.pk for t in step.created]},
                 reason=reason)  # fmt: skip
    return added or task


@transaction.atomic
def task_signer_remove(*, actor: Any, task: WorkTask, reason: str = "") -> WorkTask:
    """减签: take one waiting co-signer (``task``) off the step; their task is cancelled.
    When every remaining signer has already signed, the step completes and the process moves on.
    """
    task, instance = _lock_task(task)
    meta = _multi_step(task, actor)
    reason = _clean_opinion(reason)
    others = WorkTask.objects.filter(
        instance=instance, multi_parent=task.multi_parent,
        status__in=[*WorkTask.ACTIVE, Status.COMPLETED],
    ).exclude(pk=task.pk)  # fmt: skip
    if not others.exists():
        raise ValidationFailed(_("A multi-person step needs at least one signer."))
    version = instance.version
    wf = engine.load(instance.state)
    try:
        engine.multi_remove(wf, task.spiff_task_id)
    except engine.EngineError as exc:
        raise _engine_refusal(exc) from None
    step = _Step(instance, actor)
    _event(step, task, TaskEvent.Kind.SIGNER_REMOVED, target=task.assignee, opinion=reason)
    _sync(step, wf)
    _save(step, wf, version)
    if task.assignee_id and task.assignee_id != getattr(actor, "pk", None):
        notify_send(
            recipients=[task.assignee],
            subject=_("You no longer need to sign: %(step)s — %(title)s")
            % {"step": task.element_name, "title": instance.title},
            body=reason, link=reverse("workflow:instance", args=[instance.pk]),
            category="workflow.task", actor=actor,
        )  # fmt: skip
    audit_record(actor=actor, action="workflow.task.signer_remove", target=task,
                 changes={"step": meta.get("name") or task.element_id,
                          "signer": task.assignee_id,
                          "tasks_created": [t.pk for t in step.created],
                          "tasks_cancelled": [t.pk for t in step.cancelled],
                          "instance_status": instance.status},
                 reason=reason)  # fmt: skip
    return task


# --------------------------------------------------------------------------- task forms


@transaction.atomic
def task_form_set(
    *, actor: Any, process_key: str, element_id: str, schema: str | dict[str, Any]
) -> TaskForm:
    """Store the JSON Schema of a step's form (perm ``workflow.change_processdefinition``).

    The schema is checked first (Chinese message, nothing stored when it is wrong). It applies
    to every version of the process that has the step.
    """
    if actor is not None and not actor.has_perm(ASSIGN_PERM):
        raise PermissionDenied()
    definition = _latest((process_key or "").strip())
    if definition is None or element_id not in definition.user_tasks:
        raise ValidationFailed(
            _("The process “%(key)s” has no user task “%(id)s”.")
            % {"key": process_key, "id": element_id}
        )
    checked = forms.schema_parse(schema)
    form = TaskForm.objects.select_for_update().filter(
        process_key=definition.key, element_id=element_id
    ).first()  # fmt: skip
    before = form.schema if form is not None else None
    if form is None:
        form = TaskForm(process_key=definition.key, element_id=element_id)
    form.schema = checked
    form.updated_by = actor if _is_account(actor) else None
    form.save()
    audit_record(actor=actor, action="workflow.task_form.set", target=form,
                 changes={"before": before, "after": checked})  # fmt: skip
    return form


@transaction.atomic
def task_form_clear(*, actor: Any, process_key: str, element_id: str) -> None:
    """Go back to the form the diagram declares."""
    if actor is not None and not actor.has_perm(ASSIGN_PERM):
        raise PermissionDenied()
    form = TaskForm.objects.filter(process_key=process_key, element_id=element_id).first()
    if form is None:
        return
    audit_record(actor=actor, action="workflow.task_form.clear", target=form,
                 changes={"before": form.schema})  # fmt: skip
    form.delete()
