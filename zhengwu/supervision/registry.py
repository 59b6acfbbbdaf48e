"""What supervision knows about the owners of clocks, and the irregularity rules.

Owners (``workflow.task``, ``eservices.application``, later documents and letters) register a
resolver that answers, for many owner ids at once, the department, a title, a link and the
handlers to notify. Nothing here names a domain model: domains plug in (see ``apps.py``).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class OwnerInfo:
    organisation_id: int | None
    title: str
    url: str = ""
    handler_ids: list[int] = field(default_factory=list)
    category: str = ""  # what statistics group by, e.g. "<item id>:<item name>"


# owner ids -> {owner id: OwnerInfo}; ids that are gone are simply missing.
OwnerResolver = Callable[[list[str]], dict[str, OwnerInfo]]


@dataclass(frozen=True)
class ClockOwner:
    owner_type: str
    label: Any
    resolve: OwnerResolver


_OWNERS: dict[str, ClockOwner] = {}


def register_clock_owner(owner_type: str, label: Any, resolve: OwnerResolver) -> None:
    _OWNERS[owner_type] = ClockOwner(owner_type, label, resolve)


def clock_owner(owner_type: str) -> ClockOwner | None:
    return _OWNERS.get(owner_type)


def clock_owners() -> list[ClockOwner]:
    return sorted(_OWNERS.values(), key=lambda o: o.owner_type)


def resolve_owners(owner_type: str, owner_ids: list[str]) -> dict[str, OwnerInfo]:
    owner = _OWNERS.get(owner_type)
    if owner is None or not owner_ids:
        return {}
    return owner.resolve(owner_ids)


@dataclass(frozen=True)
class Finding:
    """One irregularity a rule found: the subject and what is wrong with it."""

    owner_type: str
    owner_id: str
    organisation_id: int
    title: str
    detail: str
    url: str = ""


@dataclass(frozen=True)
class IrregularityRule:
    code: str
    label: Any
    # Returns the findings, from one or a few set-based queries. Already flagged subjects are
    # filtered out by the caller (one flag per rule and subject).
    find: Callable[[], list[Finding]]


_RULES: dict[str, IrregularityRule] = {}


def register_rule(code: str, label: Any, find: Callable[[], list[Finding]]) -> None:
    _RULES[code] = IrregularityRule(code, label, find)


def unregister_rule(code: str) -> None:
    _RULES.pop(code, None)


def rules() -> list[IrregularityRule]:
    return [_RULES[k] for k in sorted(_RULES)]


def rule_label(code: str) -> Any:
    rule = _RULES.get(code)
    return rule.label if rule else code
