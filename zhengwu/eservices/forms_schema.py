"""The application form of an item: its JSON Schema (written by the department, no code) turned
into HTML fields, values coerced from the POST and validated with jsonschema, with Chinese
messages that name the field by its title.

Supported property types: string (with ``enum``, ``format: date``, ``maxLength`` → textarea when
over 200), integer, number, boolean. Nested objects and arrays are not rendered (kept as sent).
"""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from zhengwu.core.errors import ValidationFailed

MAX_TEXT = 5000


@dataclass
class Field:
    name: str
    title: str
    kind: str  # text textarea select date integer number boolean
    required: bool
    value: Any
    choices: list[str]
    description: str
    max_length: int | None


def fields(schema: dict[str, Any], data: dict[str, Any] | None = None) -> list[Field]:
    data = data or {}
    required = set(schema.get("required") or [])
    out = []
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        ptype = prop.get("type", "string")
        if prop.get("enum"):
            kind = "select"
        elif ptype == "boolean":
            kind = "boolean"
        elif ptype in ("integer", "number"):
            kind = ptype
        elif prop.get("format") == "date":
            kind = "date"
        elif ptype == "string" and (prop.get("maxLength") or 0) > 200:
            kind = "textarea"
        elif ptype == "string":
            kind = "text"
        else:
            continue
        out.append(
            Field(
                name=name,
                title=str(prop.get("title") or name),
                kind=kind,
                required=name in required,
                value=data.get(name, ""),
                choices=[str(c) for c in prop.get("enum") or []],
                description=str(prop.get("description") or ""),
                max_length=prop.get("maxLength"),
            )
        )
    return out


def coerce(schema: dict[str, Any], posted: dict[str, Any]) -> dict[str, Any]:
    """Typed values from the posted strings; unknown keys dropped, blanks left out (a draft)."""
    props = schema.get("properties") or {}
    out: dict[str, Any] = {}
    for name, prop in props.items():
        if not isinstance(prop, dict) or name not in posted:
            continue
        raw = posted[name]
        ptype = prop.get("type", "string")
        if ptype == "boolean":
            out[name] = raw in (True, "on", "true", "1", 1)
            continue
        if isinstance(raw, list):
            raw = raw[0] if raw else ""
        text = str(raw if raw is not None else "").strip()[:MAX_TEXT]
        if text == "":
            continue
        if ptype == "integer":
            try:
                out[name] = int(text)
            except ValueError:
                out[name] = text  # validation names the field
        elif ptype == "number":
            try:
                out[name] = float(text)
            except ValueError:
                out[name] = text
        else:
            out[name] = text
    return out


def _title(schema: dict[str, Any], name: str) -> str:
    prop = (schema.get("properties") or {}).get(name) or {}
    return str(prop.get("title") or name) if isinstance(prop, dict) else name


def _message(schema: dict[str, Any], error: Any) -> tuple[str, str]:
    field = str(error.path[0]) if error.path else ""
    if error.validator == "required":
        field = str(error.message.split("'")[1]) if "'" in error.message else field
        return field, _("%(field)s is required.") % {"field": _title(schema, field)}
    title = _title(schema, field) if field else _("The form")
    text = {
        "pattern": _("%(field)s is not in the expected format."),
        "maxLength": _("%(field)s is too long."),
        "minLength": _("%(field)s is too short."),
        "enum": _("%(field)s: choose one of the options offered."),
        "type": _("%(field)s has the wrong kind of value."),
        "minimum": _("%(field)s is too small."),
        "maximum": _("%(field)s is too large."),
        "format": _("%(field)s is not in the expected format."),
    }.get(error.validator, _("%(field)s is not valid."))
    return field, text % {"field": title}


def errors(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    """{field name: Chinese message} — the first problem of each field."""
    if not schema:
        return {}
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    found: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        field, text = _message(schema, error)
        found.setdefault(field, text)
    return found


def validate(schema: dict[str, Any], data: dict[str, Any]) -> None:
    found = errors(schema, data)
    if found:
        first = next(iter(found.values()))
        raise ValidationFailed(
            _("The form has %(n)s problem(s), first: %(message)s")
            % {"n": len(found), "message": first},
            data={"errors": found},
        )
