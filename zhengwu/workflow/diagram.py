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

# Flow elements the engine runs today. Timers, messages and signals need the scheduler of a
# later session, so they are refused rather than deployed into processes that would hang.
SUPPORTED_NODES = {
    "startEvent", "endEvent", "userTask", "task", "manualTask", "scriptTask",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "subProcess", "callActivity",
    "intermediateThrowEvent",
}  # fmt: skip
UNSUPPORTED_NODES = {
    "serviceTask", "sendTask", "receiveTask", "businessRuleTask", "eventBasedGateway",
    "complexGateway", "transaction", "adHocSubProcess", "boundaryEvent",
    "intermediateCatchEvent", "dataStoreReference",
}  # fmt: skip
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
            if _children(node, BPMN_NS, ev):
                raise fail(
                    node,
                    _("Event %(el)s uses %(kind)s, which the workflow engine does not support yet.")
                    % {"el": describe(node), "kind": ev},
                )
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
                "multi": _read_multi(node, ext),
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
