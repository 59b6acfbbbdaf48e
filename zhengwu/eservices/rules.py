"""The checks an item must pass before it is stored, shared by the edit form and the Excel import.

``check_item`` returns every problem at once (field, message, and for child rows the section and
index), so a form can show each next to its field and an import can name row and column.
"""

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from zhengwu.eservices.models import (
    Audience,
    HandlingLevel,
    ItemType,
    LifeEvent,
    Material,
    OnlineDepth,
    ServiceItem,
    Topic,
)

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{1,79}$")
PROCESS_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")
MAX_LIMIT_DAYS = 999
MAX_SCHEMA_BYTES = 64 * 1024
MAX_TEXT = 20000
MAX_FEE = Decimal("1000000000")


@dataclass
class MaterialInput:
    name: str
    form: str
    required: bool = True
    copies: int = 1
    notes: str = ""
    blank_form: Any = None  # StoredFile or None: the value the material ends up with
    sample: Any = None


@dataclass
class FeeInput:
    name: str
    amount: Decimal
    basis: str
    unit: str = ""


@dataclass
class FaqInput:
    question: str
    answer: str


@dataclass
class ItemInput:
    """Everything a department edits on an item (the organisation is chosen separately)."""

    name: str
    code: str
    item_type: str
    audience: str
    legal_basis: str
    conditions: str
    process_description: str
    promised_limit_days: int | None
    statutory_limit_days: int | None = None
    handling_level: str = HandlingLevel.CITY
    summary: str = ""
    service_location: str = ""
    service_hours: str = ""
    visits_required: int = 0
    contact_phone: str = ""
    complaint_phone: str = ""
    online_depth: int = OnlineDepth.GUIDE
    form_schema: dict[str, Any] = field(default_factory=dict)
    process_key: str = ""
    licence_type: str = ""  # zhengwu.licences type code issued on approval; "" = none
    topics: list[Topic] = field(default_factory=list)
    life_events: list[LifeEvent] = field(default_factory=list)
    materials: list[MaterialInput] = field(default_factory=list)
    fees: list[FeeInput] = field(default_factory=list)
    faqs: list[FaqInput] = field(default_factory=list)
    # 一件事一次办 / 联合办理: departments that review every application in parallel
    joint_organisations: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    section: str = ""  # "", "materials", "fees", "faqs"
    index: int | None = None  # row within the section

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "message": self.message,
            "section": self.section,
            "index": self.index,
        }


SCALAR_TEXT = (
    "name",
    "code",
    "item_type",
    "audience",
    "legal_basis",
    "conditions",
    "process_description",
    "handling_level",
    "summary",
    "service_location",
    "service_hours",
    "contact_phone",
    "complaint_phone",
    "process_key",
    "licence_type",
)
LIMITS = {
    "name": 200,
    "code": 80,
    "service_hours": 300,
    "contact_phone": 60,
    "complaint_phone": 60,
    "process_key": 100,
    "licence_type": 40,
}
MAX_JOINT = 10


def normalise(data: ItemInput) -> ItemInput:
    """Strip text; NUL characters are kept so that the check can refuse them."""
    for name in SCALAR_TEXT:
        value = getattr(data, name)
        setattr(data, name, "" if value is None else str(value).strip())
    for m in data.materials:
        m.name, m.notes = (m.name or "").strip(), (m.notes or "").strip()
    for f in data.fees:
        f.name, f.basis, f.unit = (
            (f.name or "").strip(),
            (f.basis or "").strip(),
            (f.unit or "").strip(),
        )
        cents = Decimal("0.01")
        if (
            isinstance(f.amount, Decimal)
            and f.amount.is_finite()
            and f.amount == f.amount.quantize(cents)
        ):
            f.amount = f.amount.quantize(cents)  # 10 and 10.00 are the same amount
    for q in data.faqs:
        q.question, q.answer = (q.question or "").strip(), (q.answer or "").strip()
    return data


def _text_problem(value: str, limit: int, *, required: bool) -> str | None:
    if required and not value:
        return _("This field is required.")
    if "\x00" in value:
        return _("The text contains an invalid character.")
    if len(value) > limit:
        return _("At most %(limit)s characters.") % {"limit": limit}
    return None


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def check_form_schema(schema: Any) -> str | None:
    """The application form must be a JSON Schema describing an object (or empty: none yet)."""
    if schema in (None, {}):
        return None
    if not isinstance(schema, dict):
        return _("The application form must be a JSON object.")
    if len(json.dumps(schema, ensure_ascii=False).encode()) > MAX_SCHEMA_BYTES:
        return _("The application form is too large (at most 64 KB).")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        path = "/".join(str(p) for p in exc.path) or "/"
        return _("The application form is not a valid JSON Schema (at %(path)s): %(error)s") % {
            "path": path,
            "error": exc.message,
        }
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        return _("The application form must be a JSON Schema of type “object” with “properties”.")
    return None


def check_item(
    data: ItemInput, *, item: ServiceItem | None = None, organisation: Any = None
) -> list[Problem]:
    """Every problem of ``data`` (already normalised); empty when it may be stored.
    ``organisation``: the implementing organisation it will have (default: the item's)."""
    problems: list[Problem] = []

    def bad(name: str, message: str, section: str = "", index: int | None = None) -> None:
        problems.append(Problem(name, message, section, index))

    required = {
        "name",
        "code",
        "item_type",
        "audience",
        "legal_basis",
        "conditions",
        "process_description",
        "handling_level",
    }
    for name in SCALAR_TEXT:
        message = _text_problem(
            getattr(data, name), LIMITS.get(name, MAX_TEXT), required=name in required
        )
        if message:
            bad(name, message)
    names_ok = {p.field for p in problems}
    if "code" not in names_ok:
        if not CODE_RE.match(data.code):
            bad("code", _("Use 2–80 letters, digits and hyphens."))
        else:
            clash = ServiceItem.objects.filter(code__iexact=data.code)
            if item is not None and item.pk:
                clash = clash.exclude(pk=item.pk)
            if clash.exists():
                bad("code", _("Another item already has this implementation code."))
    if data.item_type and data.item_type not in ItemType.values:
        bad("item_type", _("Choose one of the listed values."))
    if data.audience and data.audience not in Audience.values:
        bad("audience", _("Choose one of the listed values."))
    if data.handling_level and data.handling_level not in HandlingLevel.values:
        bad("handling_level", _("Choose one of the listed values."))
    if not _int_in(data.online_depth, 1, 4):
        bad("online_depth", _("Choose one of the listed values."))
    if data.process_key and not PROCESS_KEY_RE.match(data.process_key):
        bad(
            "process_key",
            _("A process key starts with a letter and uses letters, digits, “_”, “.” and “-”."),
        )
    statutory, promised = data.statutory_limit_days, data.promised_limit_days
    limit_msg = _("Enter a whole number of working days from 0 to %(max)s.") % {
        "max": MAX_LIMIT_DAYS
    }
    if statutory is not None and not _int_in(statutory, 0, MAX_LIMIT_DAYS):
        bad("statutory_limit_days", limit_msg)
        statutory = None
    if promised is None:
        bad("promised_limit_days", _("This field is required."))
    elif not _int_in(promised, 0, MAX_LIMIT_DAYS):
        bad("promised_limit_days", limit_msg)
    elif statutory is not None and promised > statutory:
        bad(
            "promised_limit_days",
            _(
                "The promised time limit (%(promised)s working days) may not exceed the statutory "
                "one (%(statutory)s working days)."
            )
            % {"promised": promised, "statutory": statutory},
        )
    if not _int_in(data.visits_required, 0, 9):
        bad("visits_required", _("Enter a number of visits from 0 to 9."))
    elif data.online_depth == OnlineDepth.FULL and data.visits_required:
        bad(
            "visits_required",
            _("An item handled entirely online (level 4) requires no visit in person."),
        )
    schema_problem = check_form_schema(data.form_schema)
    if schema_problem:
        bad("form_schema", schema_problem)
    if data.audience in (Audience.PERSON, Audience.LEGAL_ENTITY):
        wrong = [e.name for e in data.life_events if e.audience != data.audience]
        if wrong:
            bad(
                "life_events",
                _("These life events are for another audience: %(names)s.")
                % {"names": "、".join(wrong)},
            )
    _check_licence_and_joint(data, organisation or (item.organisation if item else None), bad)
    seen: set[str] = set()
    for i, m in enumerate(data.materials):
        message = _text_problem(m.name, 200, required=True)
        if message:
            bad("name", message, "materials", i)
        elif m.name in seen:
            bad(
                "name",
                _("Two materials have the same name “%(name)s”.") % {"name": m.name},
                "materials",
                i,
            )
        seen.add(m.name)
        if m.form not in Material.Form.values:
            bad("form", _("Choose one of the listed values."), "materials", i)
        if not _int_in(m.copies, 1, 99):
            bad("copies", _("Enter a number of copies from 1 to 99."), "materials", i)
        message = _text_problem(m.notes, 2000, required=False)
        if message:
            bad("notes", message, "materials", i)
    for i, f in enumerate(data.fees):
        for name, limit, req in (("name", 200, True), ("basis", 2000, True), ("unit", 40, False)):
            message = _text_problem(getattr(f, name), limit, required=req)
            if message:
                bad(name, message, "fees", i)
        if (
            not isinstance(f.amount, Decimal)
            or not f.amount.is_finite()
            or not (Decimal(0) <= f.amount < MAX_FEE)
            or f.amount != f.amount.quantize(Decimal("0.01"))
        ):
            bad("amount", _("Enter an amount in yuan with at most two decimals."), "fees", i)
    for i, q in enumerate(data.faqs):
        for name, limit in (("question", 300), ("answer", 5000)):
            message = _text_problem(getattr(q, name), limit, required=True)
            if message:
                bad(name, message, "faqs", i)
    return problems


def _check_licence_and_joint(data: ItemInput, organisation: Any, bad: Any) -> None:
    """The licence type must exist, be in use and fit the audience (a licence for legal entities
    cannot be issued on a resident ID); joint departments are active, not the implementing
    organisation itself, at most ``MAX_JOINT``."""
    from zhengwu.licences.models import HolderKind, LicenceType

    if data.licence_type:
        kind = (
            LicenceType.objects.filter(code=data.licence_type, is_active=True)
            .values_list("holder_kind", flat=True)
            .first()
        )
        if kind is None:
            bad("licence_type", _("Choose one of the licence types in use."))
        elif (kind == HolderKind.ORGANISATION and data.audience == Audience.PERSON) or (
            kind == HolderKind.PERSON and data.audience == Audience.LEGAL_ENTITY
        ):
            bad("licence_type", _("This licence type cannot be issued to the item's audience."))
    joint = list(data.joint_organisations)
    if len(joint) > MAX_JOINT:
        bad(
            "joint_organisations",
            _("At most %(max)s joint departments.") % {"max": MAX_JOINT},
        )
    if organisation is not None and any(o.pk == organisation.pk for o in joint):
        bad(
            "joint_organisations",
            _("The implementing organisation cannot also be a joint department."),
        )
    inactive = [o.name for o in joint if not o.is_active]
    if inactive:
        bad(
            "joint_organisations",
            _("These organisations are no longer in use: %(names)s.")
            % {"names": "、".join(inactive)},
        )
