"""Queries of the process admin pages: definitions with their versions, steps and rules, and
the diagram data of an instance (path taken, steps waiting)."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from zhengwu.directory.models import Role
from zhengwu.workflow import engine
from zhengwu.workflow.actions import resolve_organisation, unassigned_steps
from zhengwu.workflow.models import ProcessDefinition, ProcessInstance, WorkTask


@dataclass
class ProcessSummary:
    """One process (key) on the list page: its latest version and all versions."""

    key: str
    latest: ProcessDefinition
    versions: list[ProcessDefinition] = field(default_factory=list)
    unassigned: list[tuple[str, str]] = field(default_factory=list)
    running: int = 0


def process_list() -> list[ProcessSummary]:
    """Every deployed process with its versions (newest first) and running instance counts."""
    definitions = list(
        ProcessDefinition.objects.annotate(
            running=Count("instances", filter=Q(instances__status=ProcessInstance.Status.RUNNING))
        )
        .select_related("deployed_by")
        .defer("bpmn_xml")
        .order_by("key", "-version")
    )
    summaries: dict[str, ProcessSummary] = {}
    for d in definitions:
        summary = summaries.get(d.key)
        if summary is None:
            summary = summaries[d.key] = ProcessSummary(key=d.key, latest=d)
        if d.is_latest:
            summary.latest = d
        summary.versions.append(d)
        summary.running += d.running
    for summary in summaries.values():
        summary.unassigned = unassigned_steps(summary.latest)
    return sorted(summaries.values(), key=lambda s: (s.latest.name, s.key))


def definition_get(pk: int) -> ProcessDefinition | None:
    return ProcessDefinition.objects.select_related("deployed_by").filter(pk=pk).first()


def definition_versions(key: str) -> list[ProcessDefinition]:
    return list(
        ProcessDefinition.objects.filter(key=key)
        .annotate(
            running=Count("instances", filter=Q(instances__status=ProcessInstance.Status.RUNNING))
        )
        .defer("bpmn_xml")
        .order_by("-version")
    )


def _scope_label(scope: str) -> str:
    if scope == "handling":
        return _("the handling organisation")
    if scope == "handling_parent":
        return _("its parent organisation")
    if scope.startswith("fixed:"):
        org = resolve_organisation(scope[6:])
        return org.name if org else scope[6:]
    return _("the organisation in process variable “%(name)s”") % {
        "name": scope.removeprefix("variable:")}  # fmt: skip


def _who_label(assignment: dict[str, Any], roles: dict[str, str]) -> str:
    kind = assignment.get("kind")
    if kind == "initiator":
        return _("the initiator")
    if kind == "variable":
        return _("the person in process variable “%(name)s”") % {"name": assignment["variable"]}
    role = assignment.get("role", "")
    return _("%(role)s of %(organisation)s") % {
        "role": roles.get(role, role),
        "organisation": _scope_label(assignment["organisation"]),
    }


def definition_steps(definition: ProcessDefinition) -> list[dict[str, Any]]:
    """The user tasks of a version with who does them: the diagram's extension or a rule."""
    rules = {r.element_id: r for r in definition.assignment_rules.select_related("role")}
    roles = dict(Role.objects.values_list("code", "name"))
    steps = []
    for element_id, meta in definition.user_tasks.items():
        assignment, rule = meta.get("assignment"), rules.get(element_id)
        if assignment:
            who = _who_label(assignment, roles)
        elif rule is not None:
            who = _who_label({"kind": "role", "role": rule.role.code,
                              "organisation": rule.organisation_scope}, roles)  # fmt: skip
        else:
            who = ""
        steps.append({
            "id": element_id, "name": meta.get("name") or element_id, "who": who,
            "assignment": assignment, "rule": rule,
            "limit": meta.get("limit"), "multi": meta.get("multi") or "",
        })  # fmt: skip
    return steps


def instance_diagram(instance: ProcessInstance) -> dict[str, Any]:
    """What the instance page draws: the diagram of the version it runs on, the elements run
    so far (path taken, including sequence flows between them) and the steps waiting now."""
    wf = engine.load(instance.state)
    completed = list(dict.fromkeys(engine.completed_elements(wf)))
    active = list(
        dict.fromkeys(
            instance.tasks.filter(status__in=WorkTask.ACTIVE).values_list("element_id", flat=True)
        )
    )
    return {
        "xml": instance.definition.bpmn_xml,
        "completed": completed,
        "active": active,
        "version": instance.definition.version,
    }


def roles_for_rules() -> list[Role]:
    """Roles an unassigned step can be given to."""
    return list(Role.objects.order_by("name", "code"))
