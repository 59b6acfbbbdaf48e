"""Who may read a stored file: a rule registry that domain modules extend per purpose.

Files sit below the domain modules, so it cannot know that a clerk handling an application may
read its materials. The module owning a purpose registers a rule in its AppConfig.ready():

    from zhengwu.files.registry import register_read_rule
    register_read_rule("application_material", lambda actor, f: ...)

Without a rule only the uploader and superusers may read a file. There is deliberately no
blanket permission: ``files.view_storedfile`` would open every citizen's ID scan to any holder,
whatever their organisation, so reading other people's files is always a purpose-specific rule
that knows the owning record and can scope by organisation (e.g. the clerks of the department
handling the application). Rules only grant; they run for active, signed-in accounts only.
"""

from collections.abc import Callable
from typing import Any

from zhengwu.files.models import StoredFile

ReadRule = Callable[[Any, StoredFile], bool]

_read_rules: dict[str, list[ReadRule]] = {}


def register_read_rule(purpose: str, rule: ReadRule) -> None:
    rules = _read_rules.setdefault(purpose, [])
    if rule not in rules:
        rules.append(rule)


def unregister_read_rule(purpose: str, rule: ReadRule) -> None:
    """For tests and for modules that are switched off."""
    if rule in _read_rules.get(purpose, []):
        _read_rules[purpose].remove(rule)


def can_read(actor: Any, stored_file: StoredFile) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if not getattr(actor, "is_active", False):
        return False
    if actor.is_superuser:
        return True
    if stored_file.uploaded_by_id is not None and stored_file.uploaded_by_id == actor.pk:
        return True
    return any(rule(actor, stored_file) for rule in _read_rules.get(stored_file.purpose, ()))
