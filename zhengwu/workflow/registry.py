"""Subject types: how the owning domain names and links the thing a process is about.

A domain module (cases, documents, letters …) registers its subject type in its
``AppConfig.ready()``; the inbox shows the type's label and, when a resolver is given, the
subject's current title and link. The workbench and this module know no domain by name.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# owner_id -> (title, url) of the subject as it is now, or None when it is gone.
SubjectResolver = Callable[[str], tuple[str, str] | None]
# Called inside the step's transaction after a task was completed or the instance withdrawn:
# handler(instance, task_or_None, actor). The domain updates its subject (e.g. publishes a reviewed
# item); raising an ApplicationError rolls the whole step back.
SubjectStepHandler = Callable[[Any, Any, Any], None]


@dataclass(frozen=True)
class SubjectType:
    owner_type: str  # "<app>.<model>", e.g. "eservices.application"
    label: Any  # a lazy translation, e.g. _("application")
    resolve: SubjectResolver | None = None
    on_step: SubjectStepHandler | None = None


_SUBJECT_TYPES: dict[str, SubjectType] = {}


def register_subject_type(
    owner_type: str,
    label: Any,
    resolve: SubjectResolver | None = None,
    on_step: SubjectStepHandler | None = None,
) -> SubjectType:
    subject_type = SubjectType(owner_type, label, resolve, on_step)
    _SUBJECT_TYPES[owner_type] = subject_type
    return subject_type


def unregister_subject_type(owner_type: str) -> None:
    _SUBJECT_TYPES.pop(owner_type, None)


def get_subject_type(owner_type: str) -> SubjectType | None:
    return _SUBJECT_TYPES.get(owner_type)


def subject_types() -> list[SubjectType]:
    return sorted(_SUBJECT_TYPES.values(), key=lambda s: s.owner_type)


def subject_of(owner_type: str, owner_id: str, title: str, url: str) -> tuple[str, str]:
    """The subject's title and link: live from its domain when it can tell, else as stored."""
    subject_type = _SUBJECT_TYPES.get(owner_type)
    if subject_type is not None and subject_type.resolve is not None:
        found = subject_type.resolve(owner_id)
        if found:
            return found
    return title, url


def subject_step(instance: Any, task: Any, actor: Any) -> None:
    """Tell the subject's domain that its process moved (see ``SubjectStepHandler``)."""
    subject_type = _SUBJECT_TYPES.get(instance.owner_type)
    if subject_type is not None and subject_type.on_step is not None:
        subject_type.on_step(instance, task, actor)
