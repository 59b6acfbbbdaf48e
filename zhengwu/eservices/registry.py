"""Links that higher layers add to the public case page (e.g. supervision's "投诉" complaint).

    register_case_public_link("complaint", _("Complain"), lambda app: url_or_None)

Rendered by ``eservices/application_detail.html`` in registration order; a callable that returns
None hides its link for that case.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CasePublicLink:
    key: str
    label: Any  # a lazy translation
    url_for: Callable[[Any], str | None]


_LINKS: dict[str, CasePublicLink] = {}


def register_case_public_link(key: str, label: Any, url_for: Callable[[Any], str | None]) -> None:
    _LINKS[key] = CasePublicLink(key, label, url_for)


def unregister_case_public_link(key: str) -> None:
    _LINKS.pop(key, None)


def case_public_links(application: Any) -> list[tuple[str, str]]:
    """[(label, url)] for ``application``; links whose ``url_for`` returns None are left out."""
    out = []
    for link in _LINKS.values():
        url = link.url_for(application)
        if url:
            out.append((str(link.label), url))
    return out
