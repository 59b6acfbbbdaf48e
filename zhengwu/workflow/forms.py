"""Task forms as JSON Schema: checked when the admin saves them, rendered as HTML fields,
and used to validate what a handler submits — with Chinese messages, no code per form.

A step's form is the schema the process admin stored for it (``TaskForm``), else the fields
the diagram declares (``zw:field`` / ``camunda:formData``) converted to a schema. Which
fields are editable, read-only or hidden at a step always comes from the diagram's
``zw:field`` map (fields it does not name are editable), and is enforced here, server-side.

Supported property types: string (``format: date``, ``x-widget: textarea``, ``enum``),
number, integer, boolean; ``title`` is the label, ``required`` at the top level.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from zhengwu.core.errors import ValidationFailed
from zhengwu.workflow.diagram import DECISION_VARIABLES, IDENTIFIER

TYPES = ("string", "number", "integer", "boolean")
MAX_SCHEMA_BYTES = 64 * 1024
MAX_FIELDS = 100
TEXT_MAX = 500
TEXTAREA_MAX = 5000


@dataclass
class StepForm:
    schema: dict[str, Any]
    access: dict[str, str] = field(default_factory=dict)

    def access_of(self, name: str) -> str:
        return self.access.get(name, "editable")

    @property
    def properties(self) -> dict[str, dict[str, Any]]:
        return self.schema.get("properties", {})


# --------------------------------------------------------------------------- checking


def _schema_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, data={"field": "schema"})


def schema_parse(text: str | dict[str, Any]) -> dict[str, Any]:
    """The admin's JSON text as a checked schema; a Chinese ValidationFailed otherwise."""
    if isinstance(text, dict):
        schema = text
    else:
        if len((text or "").encode("utf-8")) > MAX_SCHEMA_BYTES:
            raise _schema_error(_("The form schema is larger than 64 KB."))
        try:
            schema = json.loads(text or "")
        except json.JSONDecodeError as exc:
            raise _schema_error(
                _("The form schema is not valid JSON (line %(line)d, column %(col)d).")
                % {"line": exc.lineno, "col": exc.colno}
            ) from None
    schema_check(schema)
    return schema


def schema_check(schema: Any) -> None:
    """A JSON Schema the renderer and validator understand: an object of simple fields."""
    if not isinstance(schema, dict):
        raise _schema_error(_("The form schema must be a JSON object."))
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "（根）"
        raise _schema_error(
            _("The form schema is not a valid JSON Schema at %(where)s: %(error)s")
            % {"where": where, "error": exc.message}
        ) from None
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        raise _schema_error(_("The form schema must have “type”: “object” and “properties”."))
    properties = schema["properties"]
    if not properties or len(properties) > MAX_FIELDS:
        raise _schema_error(_("A form needs between 1 and 100 fields."))
    for name, prop in properties.items():
        if not IDENTIFIER.match(name) or name in DECISION_VARIABLES:
            raise _schema_error(
                _("“%(name)s” is not a valid field name (letters, digits and _, starting with a "
                  "letter; not decision or opinion).") % {"name": name}
            )  # fmt: skip
        if not isinstance(prop, dict) or prop.get("type") not in TYPES:
            raise _schema_error(
                _("Field “%(name)s” needs a type: string, number, integer or boolean.")
                % {"name": name}
            )
        if "title" in prop and not isinstance(prop["title"], str):
            raise _schema_error(_("The title of field “%(name)s” must be text.") % {"name": name})
        if "enum" in prop and (
            not prop["enum"] or any(not isinstance(v, str | int | float) for v in prop["enum"])
        ):
            raise _schema_error(
                _("The choices of field “%(name)s” must be a list of texts or numbers.")
                % {"name": name}
            )
    required = schema.get("required", [])
    unknown = [r for r in required if r not in properties]
    if unknown:
        raise _schema_error(
            _("“required” names fields that do not exist: %(names)s.")
            % {"names": "、".join(map(str, unknown))}
        )


# --------------------------------------------------------------------------- building


def fields_to_schema(fields: list[dict[str, Any]]) -> dict[str, Any]:
    """The diagram's zw:field / camunda:formData list as a JSON Schema."""
    properties: dict[str, Any] = {}
    required = []
    for f in fields:
        kind = f.get("type", "string")
        prop: dict[str, Any] = {"title": f.get("label") or f["id"]}
        if kind == "number":
            prop["type"] = "number"
        elif kind == "boolean":
            prop["type"] = "boolean"
        elif kind == "date":
            prop.update(type="string", format="date")
        elif kind == "text":
            prop.update({"type": "string", "x-widget": "textarea", "maxLength": TEXTAREA_MAX})
        else:
            prop.update(type="string", maxLength=TEXT_MAX)
            if kind == "enum" and f.get("choices"):
                prop["enum"] = list(f["choices"])
        properties[f["id"]] = prop
        if f.get("required"):
            required.append(f["id"])
    return {"type": "object", "properties": properties, "required": required}


def step_form(meta: dict[str, Any], custom: dict[str, Any] | None = None) -> StepForm:
    """The form of a step: the admin's schema if any, else the diagram's fields."""
    access = {f["id"]: f.get("access", "editable") for f in meta.get("fields", [])}
    schema = custom if custom is not None else fields_to_schema(meta.get("fields", []))
    return StepForm(schema=schema, access=access)


# --------------------------------------------------------------------------- rendering


def widget(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return "select"
    kind = prop.get("type")
    if kind == "boolean":
        return "checkbox"
    if kind in ("number", "integer"):
        return "number"
    if prop.get("format") == "date":
        return "date"
    if prop.get("x-widget") == "textarea":
        return "textarea"
    return "text"


def render_fields(form: StepForm, values: dict[str, Any]) -> list[dict[str, Any]]:
    """What the template needs for each visible field (hidden ones are never sent)."""
    required = set(form.schema.get("required", []))
    result = []
    for name, prop in form.properties.items():
        access = form.access_of(name)
        if access == "hidden":
            continue
        value = values.get(name)
        result.append({
            "id": name, "label": prop.get("title") or name, "widget": widget(prop),
            "choices": [str(c) for c in prop.get("enum", [])], "access": access,
            "required": name in required, "value": "" if value is None else value,
            "max_length": prop.get("maxLength"), "description": prop.get("description", ""),
            "step": "1" if prop.get("type") == "integer" else "any",
        })  # fmt: skip
    return result


# --------------------------------------------------------------------------- validation


def _coerce(prop: dict[str, Any], value: Any) -> Any:
    """Form posts are text; turn them into the schema's type (or leave them to fail)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = prop.get("type")
    if kind in ("number", "integer") and isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return value
        if not number.is_finite():
            return value
        if number == number.to_integral_value():
            return int(number)
        return float(number) if kind == "number" else value
    if kind == "boolean" and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "on", "yes"):
            return True
        if lowered in ("false", "0", "off", "no"):
            return False
        return value
    if kind == "string" and prop.get("format") == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return value
    if kind == "string" and isinstance(value, str):
        return value.strip()
    if kind == "enum" or "enum" in prop:
        return value
    return value


def _message(error: Any, form: StepForm) -> tuple[str, str]:
    """A Chinese message for one jsonschema error, naming the field by its label."""
    if error.validator == "required":
        name = error.message.split("'")[1] if "'" in error.message else ""
        label = form.properties.get(name, {}).get("title") or name
        return name, _("“%(field)s” is required.") % {"field": label}
    name = str(error.path[0]) if error.path else ""
    prop = form.properties.get(name, {})
    label = prop.get("title") or name
    v = error.validator
    if v == "enum":
        text = _("“%(field)s”: choose one of the options offered.") % {"field": label}
    elif v in ("maxLength", "minLength"):
        text = _("“%(field)s” must have between %(min)s and %(max)s characters.") % {
            "field": label,
            "min": prop.get("minLength", 0),
            "max": prop.get("maxLength", "∞"),
        }
    elif v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        low = prop.get("minimum", prop.get("exclusiveMinimum", "-∞"))
        high = prop.get("maximum", prop.get("exclusiveMaximum", "∞"))
        text = _("“%(field)s” must be between %(min)s and %(max)s.") % {
            "field": label,
            "min": low,
            "max": high,
        }
    elif v == "format" and prop.get("format") == "date":
        text = _("“%(field)s” must be a date (YYYY-MM-DD).") % {"field": label}
    elif v == "type":
        expected = {"number": _("a number"), "integer": _("a whole number"),
                    "boolean": _("yes or no"), "string": _("text")}.get(
            prop.get("type", ""), _("a valid value"))  # fmt: skip
        text = _("“%(field)s” must be %(kind)s.") % {"field": label, "kind": expected}
    else:
        text = _("“%(field)s” is not valid.") % {"field": label}
    return name, text


def clean(form: StepForm, data: dict[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """Validate a submission against the step's form.

    Returns (cleaned editable values, names of fields that were posted but may not be changed
    here — hidden, read-only or unknown; the caller ignores them and audits the attempt).
    """
    data = dict(data or {})
    ignored = sorted(
        str(name) for name in data
        if name not in form.properties or form.access_of(name) != "editable"
    )  # fmt: skip
    editable = {n: p for n, p in form.properties.items() if form.access_of(n) == "editable"}
    cleaned: dict[str, Any] = {}
    for name, prop in editable.items():
        if name in data:
            value = _coerce(prop, data[name])
            if value is not None:
                cleaned[name] = value
    required = [r for r in form.schema.get("required", []) if r in editable]
    schema = {**form.schema, "properties": editable, "required": required}
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(cleaned), key=lambda e: (list(e.path), e.validator))
    if errors:
        name, text = _message(errors[0], form)
        raise ValidationFailed(text, data={"field": name})
    # Fields submitted empty are recorded as cleared (None), as before.
    for name in editable:
        if name in data and name not in cleaned:
            cleaned[name] = None
    return cleaned, ignored
