"""Reading and checking a BPMN 2.0 file before SpiffWorkflow ever sees it.

Three jobs, all before anything is stored:

* parse the XML safely: no DTD, no entities, no network (the file comes from an upload);
* check the structure a modeler can get wrong and SpiffWorkflow would only notice at run time
  (or never, for elements not reachable from the start event), naming the element at fault;
* read Zhengwu's own extension elements (namespace ``ZW_NS``) on user tasks: who does the step,
  its time limit, its multi-person mode and its form fields. Vendor extensions
  (``camunda:formData``, ``camunda:assignee`` …) are tolerated; camunda form fields are shown.

The format of the extension is documented in docs/modules/workflow.md.
"""

import ast
import builtins
import re
from dataclasses import dataclass, field
from typing import Any

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring as defused_fromstring
from django.utils.translation import gettext as _
from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZW_NS = "https://zhengwu.example/bpmn"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
MAX_BYTES = 2 * 1024 * 1024

# Flow elements the engine runs. Timer events (boundary timers on user tasks, intermediate
# timer catch events) are driven by the scheduler (``manage.py workflow_tick``); messages and
# signals have no sender yet, so they are refused rather than deployed into processes that hang.
SUPPORTED_NODES = {
    "startEvent", "endEvent", "userTask", "task", "manualTask", "scriptTask",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "subProcess", "callActivity",
    "intermediateThrowEvent", "boundaryEvent", "intermediateCatchEvent",
}  # fmt: skip
UNSUPPORTED_NODES = {
    "serviceTask", "sendTask", "receiveTask", "businessRuleTask", "eventBasedGateway",
    "complexGateway", "transaction", "adHocSubProcess", "dataStoreReference",
}  # fmt: skip
TIMER_EVENTS = ("boundaryEvent", "intermediateCatchEvent")
TIMER_ACTIONS = ("route", "send_back", "escalate")
DURATION = re.compile(
    r"^P(?!$)(?:(\d{1,4})W)?(?:(\d{1,4})D)?"
    r"(?:T(?=\d)(?:(\d{1,4})H)?(?:(\d{1,5})M)?(?:(\d{1,6})S)?)?$"
)
MAX_REMINDERS = 50
# Non-flow children of a process that carry no behaviour.
IGNORED_CHILDREN = {
    "sequenceFlow", "documentation", "extensionElements", "laneSet", "dataObject",
    "dataObjectReference", "textAnnotation", "association", "group", "ioSpecification",
    "property", "incoming", "outgoing", "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics", "script", "dataInputAssociation", "dataOutputAssociation",
    "category", "monitoring", "auditing",
}  # fmt: skip
GATEWAYS_WITH_CONDITIONS = {"exclusiveGateway", "inclusiveGateway"}

ORG_SCOPES = ("handling", "handling_parent")
MULTI_MODES = ("all", "any", "sequence")
FIELD_ACCESS = ("editable", "readonly", "hidden")
FIELD_TYPES = ("string", "text", "number", "date", "boolean", "enum")
DECISIONS = ("approve", "reject", "send_back")
IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
CAMUNDA_TYPES = {"string": "string", "long": "number", "boolean": "boolean", "date": "date",
                 "enum": "enum"}  # fmt: skip

# Builtins a condition or script may use. No __import__, open, eval, getattr, type …
SAFE_BUILTINS: dict[str, Any] = {
    name: getattr(builtins, name)
    for name in (
        "abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "len", "list",
        "max", "min", "range", "round", "set", "sorted", "str", "sum", "tuple", "zip",
    )
}  # fmt: skip


class DiagramError(Exception):
    """A diagram refused, with a Chinese message naming the element at fault."""

    def __init__(self, message: str, *, element_id: str = "", element_name: str = "") -> None:
        self.message = message
        self.element_id = element_id
        self.element_name = element_name
        super().__init__(message)


def _tag(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _ns(el: Any) -> str:
    return etree.QName(el).namespace or "" if isinstance(el.tag, str) else ""


def describe(el: Any) -> str:
    """“name”（id） for messages: people know steps by name, modelers by id."""
    name = (el.get("name") or "").strip()
    ident = el.get("id") or "?"
    return f"“{name}”（{ident}）" if name else f"（{ident}）"


def fail(el: Any, message: str) -> DiagramError:
    return DiagramError(
        message, element_id=el.get("id") or "", element_name=(el.get("name") or "").strip()
    )


# --------------------------------------------------------------------------- safe parsing


def parse_xml(data: bytes | str) -> Any:
    """Parse untrusted XML: refuse DTDs and entities, never touch the network."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data.strip():
        raise DiagramError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise DiagramError(_("The file is larger than 2 MB."))
    try:
        defused_fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise DiagramError(
            _("The file declares a DTD or entities, which are not allowed in a BPMN file.")
        ) from None
    except Exception as exc:  # noqa: BLE001 - any parse error is the uploader's to fix
        raise DiagramError(
            _("The file is not well-formed XML: %(error)s") % {"error": exc}
        ) from None
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_comments=True,
    )  # fmt: skip
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DiagramError(
            _("The file is not well-formed XML: %(error)s") % {"error": exc}
        ) from None
    if _ns(root) != BPMN_NS or _tag(root) != "definitions":
        raise DiagramError(_("This is not a BPMN 2.0 file (the root must be bpmn:definitions)."))
    return root


# --------------------------------------------------------------------------- expressions


def check_expression(source: str, *, mode: str = "eval") -> str | None:
    """Return why ``source`` may not run in the restricted engine, or None if it may.

    Conditions and scripts see only task data and ``SAFE_BUILTINS``; blocking imports and
    underscore names closes the usual ways out (``().__class__.__subclasses__()``).
    """
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        return _("syntax error: %(error)s") % {"error": exc.msg}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom | ast.Global | ast.Nonlocal):
            return _("imports and global names are not allowed")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            return _("names starting with an underscore are not allowed")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            return _("names starting with an underscore are not allowed")
    return None


# --------------------------------------------------------------------------- metadata


@dataclass
class ParsedDiagram:
    key: str
    name: str
    root: Any
    user_tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    called_keys: list[str] = field(default_factory=list)
    subprocess_ids: list[str] = field(default_factory=list)
    fixed_organisations: set[str] = field(default_factory=set)
    role_codes: set[str] = field(default_factory=set)
    call_activities: dict[str, Any] = field(default_factory=dict)
    timers: dict[str, dict[str, Any]] = field(default_factory=dict)


def parse_org_scope(value: str) -> str | None:
    """Normalise an organisation scope, or None if it is not one."""
    value = (value or "").strip()
    if value in ORG_SCOPES:
        return value
    kind, _sep, arg = value.partition(":")
    if kind == "fixed" and arg.strip():
        return f"fixed:{arg.strip()}"
    if kind == "variable" and IDENTIFIER.match(arg.strip()):
        return f"variable:{arg.strip()}"
    return None


def _children(el: Any, ns: str, tag: str) -> list[Any]:
    return [c for c in el if _ns(c) == ns and _tag(c) == tag]


def _extension_elements(el: Any) -> list[Any]:
    ext = _children(el, BPMN_NS, "extensionElements")
    return list(ext[0]) if ext else []


def _read_assignment(task: Any, ext: list[Any], diagram: ParsedDiagram) -> dict[str, Any] | None:
    found = [e for e in ext if _ns(e) == ZW_NS and _tag(e) == "assignment"]
    if not found:
        return None
    if len(found) > 1:
        raise fail(task, _("Step %(el)s has more than one zw:assignment.") % {"el": describe(task)})
    a = found[0]
    role = (a.get("role") or "").strip()
    assignee = (a.get("assignee") or "").strip()
    if role and assignee:
        raise fail(task, _("Step %(el)s names both a role and an assignee; choose one.")
                   % {"el": describe(task)})  # fmt: skip
    if role:
        scope = parse_org_scope(a.get("organisation") or "handling")
        if scope is None:
            raise fail(
                task,
                _(
                    "Step %(el)s has an unknown organisation scope “%(scope)s” (use handling, "
                    "handling_parent, fixed:<id or code> or variable:<name>)."
                )
                % {"el": describe(task), "scope": a.get("organisation")},
            )
        diagram.role_codes.add(role)
        if scope.startswith("fixed:"):
            diagram.fixed_organisations.add(scope.removeprefix("fixed:"))
        return {"kind": "role", "role": role, "organisation": scope}
    if assignee == "initiator":
        return {"kind": "initiator"}
    kind, _sep, var = assignee.partition(":")
    if kind == "variable" and IDENTIFIER.match(var):
        return {"kind": "variable", "variable": var}
    raise fail(
        task,
        _("Step %(el)s: zw:assignment needs role=… or assignee=“initiator” / “variable:<name>”.")
        % {"el": describe(task)},
    )


def _read_limit(task: Any, ext: list[Any]) -> int | None:
    for a in ext:
        if _ns(a) == ZW_NS and _tag(a) == "assignment" and a.get("limit") is not None:
            raw = a.get("limit", "").strip()
            if not raw.isdigit() or int(raw) > 3650:
                raise fail(task, _("Step %(el)s: the time limit must be a number of working days.")
                           % {"el": describe(task)})  # fmt: skip
            return int(raw)
    return None


def _read_signers_adjustable(task: Any, ext: list[Any], mode: str | None) -> bool:
    """``<zw:multiInstance changeSigners="true">``: 加签/减签 allowed on a parallel step."""
    flags = [e.get("changeSigners", "").strip() for e in ext if _ns(e) == ZW_NS
             and _tag(e) == "multiInstance"]  # fmt: skip
    allowed = bool(flags) and flags[0] == "true"
    if allowed and mode not in ("all", "any"):
        raise fail(
            task,
            _("Step %(el)s: co-signers can only be added or removed on a parallel "
              "multi-person step (mode all or any).") % {"el": describe(task)},
        )  # fmt: skip
    return allowed


def _read_multi(task: Any, ext: list[Any]) -> str | None:
    loop = _children(task, BPMN_NS, "multiInstanceLoopCharacteristics")
    declared = [e.get("mode", "").strip() for e in ext if _ns(e) == ZW_NS
                and _tag(e) == "multiInstance"]  # fmt: skip
    if not loop:
        if declared:
            raise fail(
                task,
                _("Step %(el)s declares a multi-person mode but is not a multi-instance task.")
                % {"el": describe(task)},
            )
        return None
    sequential = loop[0].get("isSequential") == "true"
    mode = declared[0] if declared else ("sequence" if sequential else "all")
    if mode not in MULTI_MODES:
        raise fail(task, _("Step %(el)s: the multi-person mode must be all, any or sequence.")
                   % {"el": describe(task)})  # fmt: skip
    if (mode == "sequence") != sequential:
        raise fail(
            task,
            _(
                "Step %(el)s: mode “%(mode)s” does not match the diagram's "
                "parallel/sequential marker."
            )
            % {"el": describe(task), "mode": mode},
        )
    return mode


def _read_fields(task: Any, ext: list[Any]) -> list[dict[str, Any]]:
    fields: dict[str, dict[str, Any]] = {}
    for form in (e for e in ext if _ns(e) == CAMUNDA_NS and _tag(e) == "formData"):
        for f in (c for c in form if _tag(c) == "formField"):
            fid = (f.get("id") or "").strip()
            if IDENTIFIER.match(fid):
                fields[fid] = {
                    "id": fid, "label": f.get("label") or fid,
                    "type": CAMUNDA_TYPES.get(f.get("type") or "string", "string"),
                    "access": "editable", "required": False, "choices": [],
                }  # fmt: skip
    for f in (e for e in ext if _ns(e) == ZW_NS and _tag(e) == "field"):
        fid = (f.get("id") or "").strip()
        if not IDENTIFIER.match(fid) or fid in DECISION_VARIABLES:
            raise fail(task, _("Step %(el)s: “%(field)s” is not a valid field id.")
                       % {"el": describe(task), "field": fid})  # fmt: skip
        default = {"id": fid, "label": fid, "type": "string", "access": "editable",
                   "required": False, "choices": []}  # fmt: skip
        entry = fields.setdefault(fid, default)
        if f.get("label"):
            entry["label"] = f.get("label")
        if f.get("type"):
            entry["type"] = f.get("type")
        if f.get("access"):
            entry["access"] = f.get("access")
        if f.get("required") is not None:
            entry["required"] = f.get("required") == "true"
        if f.get("choices"):
            entry["choices"] = [c.strip() for c in f.get("choices").split(",") if c.strip()]
        if entry["type"] not in FIELD_TYPES or entry["access"] not in FIELD_ACCESS:
            raise fail(
                task,
                _(
                    "Step %(el)s: field “%(field)s” has an unknown type or access (access is "
                    "editable, readonly or hidden)."
                )
                % {"el": describe(task), "field": fid},
            )
    return list(fields.values())


DECISION_VARIABLES = ("decision", "opinion")


def _read_decisions(task: Any, ext: list[Any]) -> list[str]:
    for e in ext:
        if _ns(e) == ZW_NS and _tag(e) == "decisions":
            chosen = [d.strip() for d in (e.get("allowed") or "").split(",") if d.strip()]
            if not chosen or any(d not in DECISIONS for d in chosen):
                raise fail(
                    task,
                    _("Step %(el)s: allowed decisions are approve, reject and send_back.")
                    % {"el": describe(task)},
                )
            return chosen
    return ["approve", "reject"]


# --------------------------------------------------------------------------- structure


def _check_scope(scope: Any, diagram: ParsedDiagram, scope_id: str) -> None:
    """Check one process or embedded sub-process; recurse into sub-processes."""
    nodes: dict[str, Any] = {}
    flows: list[Any] = []
    for child in scope:
        if not isinstance(child.tag, str) or _ns(child) != BPMN_NS:
            continue
        tag = _tag(child)
        if tag == "sequenceFlow":
            flows.append(child)
        elif tag in SUPPORTED_NODES:
            if not child.get("id"):
                raise DiagramError(_("An element <%(tag)s> has no id.") % {"tag": tag})
            nodes[child.get("id")] = child
        elif tag in UNSUPPORTED_NODES:
            raise fail(
                child,
                _("Element %(el)s of type %(tag)s is not supported by the workflow engine yet.")
                % {"el": describe(child), "tag": tag},
            )
        elif tag not in IGNORED_CHILDREN:
            raise fail(child, _("Element %(el)s of type %(tag)s is not supported.")
                       % {"el": describe(child), "tag": tag})  # fmt: skip
    starts = [n for n in nodes.values() if _tag(n) == "startEvent"]
    if not starts:
        raise fail(scope, _("%(el)s has no start event.") % {"el": describe(scope)})
    if len(starts) > 1:
        raise fail(starts[1], _("%(el)s has more than one start event.") % {"el": describe(scope)})
    outgoing: dict[str, list[Any]] = {k: [] for k in nodes}
    incoming: dict[str, list[Any]] = {k: [] for k in nodes}
    for flow in flows:
        src, tgt = flow.get("sourceRef"), flow.get("targetRef")
        if src not in nodes or tgt not in nodes:
            raise fail(flow, _("Sequence flow %(el)s connects elements that do not exist here.")
                       % {"el": describe(flow)})  # fmt: skip
        outgoing[src].append(flow)
        incoming[tgt].append(flow)
        cond = _children(flow, BPMN_NS, "conditionExpression")
        if cond:
            problem = check_expression((cond[0].text or "").strip() or "True")
            if problem:
                raise fail(flow, _("The condition on %(el)s cannot be used: %(problem)s")
                           % {"el": describe(flow), "problem": problem})  # fmt: skip
    for node_id, node in nodes.items():
        tag = _tag(node)
        for ev in ("timerEventDefinition", "messageEventDefinition", "signalEventDefinition",
                   "conditionalEventDefinition", "errorEventDefinition",
                   "escalationEventDefinition", "compensateEventDefinition",
                   "terminateEventDefinition", "linkEventDefinition"):  # fmt: skip
            if ev == "timerEventDefinition" and tag in TIMER_EVENTS:
                continue
            if _children(node, BPMN_NS, ev):
                raise fail(
                    node,
                    _("Event %(el)s uses %(kind)s, which the workflow engine does not support yet.")
                    % {"el": describe(node), "kind": ev},
                )
        if tag in TIMER_EVENTS:
            _read_timer(node, nodes, outgoing[node_id], diagram, scope_id)
        if tag == "boundaryEvent":
            if incoming[node_id]:
                raise fail(node, _("Boundary event %(el)s may not have incoming flows.")
                           % {"el": describe(node)})  # fmt: skip
            if len(outgoing[node_id]) > 1:
                raise fail(
                    node,
                    _("Element %(el)s has several outgoing flows; draw a gateway to split the "
                      "path.") % {"el": describe(node)},
                )  # fmt: skip
            continue
        if tag != "endEvent" and not outgoing[node_id]:
            if tag.endswith("Gateway"):
                raise fail(node, _("Gateway %(el)s has no outgoing sequence flow.")
                           % {"el": describe(node)})  # fmt: skip
            raise fail(node, _("Element %(el)s has no outgoing sequence flow.")
                       % {"el": describe(node)})  # fmt: skip
        if tag != "startEvent" and not incoming[node_id]:
            raise fail(node, _("Element %(el)s cannot be reached: no sequence flow leads to it.")
                       % {"el": describe(node)})  # fmt: skip
        if tag == "endEvent" and outgoing[node_id]:
            raise fail(node, _("End event %(el)s may not have outgoing flows.")
                       % {"el": describe(node)})  # fmt: skip
        if not tag.endswith("Gateway") and len(outgoing[node_id]) > 1:
            raise fail(
                node,
                _("Element %(el)s has several outgoing flows; draw a gateway to split the path.")
                % {"el": describe(node)},
            )
        if tag in GATEWAYS_WITH_CONDITIONS and len(outgoing[node_id]) > 1:
            default = node.get("default")
            for flow in outgoing[node_id]:
                cond = _children(flow, BPMN_NS, "conditionExpression")
                if flow.get("id") != default and not (cond and (cond[0].text or "").strip()):
                    raise fail(
                        node,
                        _(
                            "Gateway %(el)s: the outgoing flow %(flow)s has no condition and is "
                            "not the default flow."
                        )
                        % {"el": describe(node), "flow": describe(flow)},
                    )
        if tag == "scriptTask":
            fmt = (node.get("scriptFormat") or "python").lower()
            script = _children(node, BPMN_NS, "script")
            text = script[0].text if script else ""
            if fmt not in ("python", "py", ""):
                raise fail(node, _("Script task %(el)s must be written in Python.")
                           % {"el": describe(node)})  # fmt: skip
            problem = check_expression(text or "", mode="exec")
            if problem:
                raise fail(node, _("The script of %(el)s cannot be used: %(problem)s")
                           % {"el": describe(node), "problem": problem})  # fmt: skip
        if tag == "callActivity":
            called = (node.get("calledElement") or "").strip()
            if not called:
                raise fail(node, _("Call activity %(el)s does not name the process it calls.")
                           % {"el": describe(node)})  # fmt: skip
            diagram.called_keys.append(called)
            diagram.call_activities[called] = node
        if tag == "subProcess":
            if node.get("triggeredByEvent") == "true":
                raise fail(node, _("Event sub-process %(el)s is not supported yet.")
                           % {"el": describe(node)})  # fmt: skip
            diagram.subprocess_ids.append(node_id)
            _check_scope(node, diagram, node_id)
        if tag == "userTask":
            ext = _extension_elements(node)
            diagram.user_tasks[node_id] = {
                "name": (node.get("name") or "").strip() or node_id,
                "scope": scope_id,
                "assignment": _read_assignment(node, ext, diagram),
                "limit": _read_limit(node, ext),
                "multi": (multi := _read_multi(node, ext)),
                "change_signers": _read_signers_adjustable(node, ext, multi),
                "fields": _read_fields(node, ext),
                "decisions": _read_decisions(node, ext),
            }
        if _children(node, BPMN_NS, "standardLoopCharacteristics"):
            raise fail(node, _("Loop marker on %(el)s is not supported; use multi-instance.")
                       % {"el": describe(node)})  # fmt: skip
        mi = _children(node, BPMN_NS, "multiInstanceLoopCharacteristics")
        if mi and tag != "userTask":
            raise fail(node, _("Only user tasks may be multi-instance (%(el)s).")
                       % {"el": describe(node)})  # fmt: skip
        if mi:
            for cc in _children(mi[0], BPMN_NS, "completionCondition"):
                problem = check_expression((cc.text or "").strip() or "True")
                if problem:
                    raise fail(
                        node,
                        _("The completion condition of %(el)s cannot be used: %(problem)s")
                        % {"el": describe(node), "problem": problem},
                    )


def parse_duration(text: str) -> tuple[int, int] | None:
    """An ISO 8601 duration in weeks/days/hours/minutes/seconds as (days, seconds), or None.

    Years and months are refused: their length varies and the deadline rules count days.
    """
    m = DURATION.match((text or "").strip().strip("\"'").upper())
    if not m:
        return None
    weeks, days, hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    return weeks * 7 + days, hours * 3600 + minutes * 60 + seconds


def _timer_int(node: Any, value: str | None, *, what: str, low: int, high: int) -> int | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not value.isdigit() or not low <= int(value) <= high:
        raise fail(node, _("Timer %(el)s: “%(what)s” must be a whole number from %(low)d to "
                           "%(high)d.") % {"el": describe(node), "what": what, "low": low,
                                           "high": high})  # fmt: skip
    return int(value)


def _read_timer(
    node: Any, nodes: dict[str, Any], outgoing: list[Any], diagram: ParsedDiagram, scope_id: str
) -> None:
    """Read a timer event and Zhengwu's ``zw:timer`` settings into ``diagram.timers``.

    The BPMN time expression (timeDuration P3D, timeCycle R3/P1D, timeDate) says when it
    fires; ``zw:timer`` may count the days as working days, tie it to the task's due date
    (beforeDue/afterDue, working days) and say what a timeout does.
    """
    tag = _tag(node)
    definitions = _children(node, BPMN_NS, "timerEventDefinition")
    if len(definitions) != 1:
        raise fail(node, _("Event %(el)s must be a timer event (other event types are not "
                           "supported).") % {"el": describe(node)})  # fmt: skip
    definition = definitions[0]
    expressions = {_tag(c): (c.text or "").strip() for c in definition if _ns(c) == BPMN_NS}
    zw = [e for e in _extension_elements(node) if _ns(e) == ZW_NS and _tag(e) == "timer"]
    z = zw[0] if zw else None
    attr = (lambda name: (z.get(name) or "").strip() or None) if z is not None else (
        lambda name: None)  # fmt: skip
    if not any(expressions.get(k) for k in ("timeDuration", "timeCycle", "timeDate")):
        raise fail(node, _("Timer %(el)s needs a time: a duration (e.g. P3D), a cycle (e.g. "
                           "R3/P1D) or a date.") % {"el": describe(node)})  # fmt: skip
    meta: dict[str, Any] = {
        "name": (node.get("name") or "").strip() or node.get("id"),
        "scope": scope_id, "attached_to": None, "after": None, "at": None, "repeat": None,
        "times": 1, "workdays": attr("workdays") == "true", "sms": attr("sms") == "true",
        "before_due": None, "after_due": None, "role": None, "organisation": "handling",
        "to": None,
    }  # fmt: skip
    bad_duration = _("Timer %(el)s: “%(value)s” is not an ISO 8601 duration in weeks, days, "
                     "hours or minutes (e.g. P3D, PT4H).")  # fmt: skip
    if expressions.get("timeDuration"):
        if parse_duration(expressions["timeDuration"]) is None:
            raise fail(node, bad_duration % {"el": describe(node),
                                             "value": expressions["timeDuration"]})  # fmt: skip
        meta["after"] = expressions["timeDuration"].strip("\"' ").upper()
    elif expressions.get("timeCycle"):
        cycle = expressions["timeCycle"].strip("\"' ").upper()
        count, _sep, every = cycle.partition("/")
        if (
            not count.startswith("R")
            or parse_duration(every) is None
            or not (count[1:] == "" or count[1:].isdigit())
        ):
            raise fail(node, _("Timer %(el)s: the cycle must look like R3/P1D (repeat three "
                               "times, every day).") % {"el": describe(node)})  # fmt: skip
        meta["after"] = meta["repeat"] = every
        meta["times"] = int(count[1:]) if count[1:] else None
    else:
        from datetime import datetime

        try:
            datetime.fromisoformat(expressions["timeDate"].strip("\"' "))
        except ValueError:
            raise fail(
                node,
                _("Timer %(el)s: “%(value)s” is not an ISO 8601 date and time.")
                % {"el": describe(node), "value": expressions["timeDate"]},
            ) from None
        meta["at"] = expressions["timeDate"].strip("\"' ")
    if attr("after"):
        if parse_duration(attr("after")) is None:
            raise fail(node, bad_duration % {"el": describe(node), "value": attr("after")})
        meta["after"], meta["at"] = attr("after").upper(), None
    if attr("repeat"):
        if parse_duration(attr("repeat")) is None:
            raise fail(node, bad_duration % {"el": describe(node), "value": attr("repeat")})
        meta["repeat"] = attr("repeat").upper()
        meta["times"] = None
    if attr("times"):
        meta["times"] = _timer_int(node, attr("times"), what="times", low=1, high=MAX_REMINDERS)
    meta["before_due"] = _timer_int(node, attr("beforeDue"), what="beforeDue", low=0, high=365)
    meta["after_due"] = _timer_int(node, attr("afterDue"), what="afterDue", low=0, high=365)
    if meta["before_due"] is not None and meta["after_due"] is not None:
        raise fail(node, _("Timer %(el)s: give beforeDue or afterDue, not both.")
                   % {"el": describe(node)})  # fmt: skip
    action = attr("action")
    if tag == "intermediateCatchEvent":
        if action or meta["before_due"] is not None or meta["after_due"] is not None:
            raise fail(node, _("Timer %(el)s waits in the flow; it has no task, so no due date "
                               "and no action.") % {"el": describe(node)})  # fmt: skip
        meta.update(kind="wait", action="wait", times=1, repeat=None)
        diagram.timers[node.get("id")] = meta
        return
    attached = nodes.get(node.get("attachedToRef") or "")
    if attached is None or _tag(attached) != "userTask":
        raise fail(node, _("Boundary timer %(el)s must be attached to a user task in the same "
                           "(sub-)process.") % {"el": describe(node)})  # fmt: skip
    meta["attached_to"] = attached.get("id")
    if node.get("cancelActivity", "true") == "false":
        if action and action != "remind":
            raise fail(node, _("Timer %(el)s does not interrupt the task, so it can only "
                               "remind; draw an interrupting timer for a timeout action.")
                       % {"el": describe(node)})  # fmt: skip
        if outgoing:
            raise fail(node, _("Reminder timer %(el)s may not have outgoing flows: it only "
                               "sends reminders.") % {"el": describe(node)})  # fmt: skip
        meta.update(kind="reminder", action="remind")
    else:
        action = action or ("route" if outgoing else "")
        if action not in TIMER_ACTIONS:
            raise fail(node, _("Timeout %(el)s: draw an outgoing flow or set zw:timer "
                               "action to route, send_back or escalate.")
                       % {"el": describe(node)})  # fmt: skip
        if (action == "route") != bool(outgoing):
            raise fail(node, _("Timeout %(el)s: action route needs exactly one outgoing flow; "
                               "send_back and escalate take none.")
                       % {"el": describe(node)})  # fmt: skip
        if action == "escalate":
            role = attr("role")
            scope = parse_org_scope(attr("organisation") or "handling")
            if not role or scope is None:
                raise fail(node, _("Timeout %(el)s escalates: name the role (role=…) and "
                                   "optionally the organisation.")
                           % {"el": describe(node)})  # fmt: skip
            diagram.role_codes.add(role)
            meta.update(role=role, organisation=scope)
        if action == "send_back" and attr("to"):
            target = nodes.get(attr("to"))
            if target is None or _tag(target) != "userTask":
                raise fail(
                    node,
                    _("Timeout %(el)s sends back to “%(to)s”, which is not a user task here.")
                    % {"el": describe(node), "to": attr("to")},
                )
            meta["to"] = attr("to")
        meta.update(kind="timeout", action=action, times=1, repeat=None)
    diagram.timers[node.get("id")] = meta


def read_diagram(data: bytes | str) -> ParsedDiagram:
    """Parse and check a BPMN file; the one executable process becomes the definition."""
    root = parse_xml(data)
    processes = [p for p in _children(root, BPMN_NS, "process")
                 if p.get("isExecutable", "true") == "true"]  # fmt: skip
    if not processes:
        raise DiagramError(
            _("The file has no executable process (set isExecutable=“true” on the process).")
        )
    if len(processes) > 1:
        raise fail(
            processes[1],
            _("The file has more than one executable process; deploy each in its own file."),
        )
    process = processes[0]
    key = (process.get("id") or "").strip()
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,99}$", key):
        raise fail(process, _("The process id “%(key)s” is not a valid key.") % {"key": key})
    diagram = ParsedDiagram(key=key, name=(process.get("name") or "").strip() or key, root=root)
    _check_scope(process, diagram, key)
    return diagram
