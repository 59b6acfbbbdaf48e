"""Sources of the search index: higher modules register what they want found.

A source is ``register_source(key, label, iter_entries)`` where ``iter_entries()`` yields
:class:`Entry` objects for everything currently public (used by ``search_reindex``); the
source keeps the index fresh itself by calling ``index_upsert``/``index_delete`` when its
objects change (``zhengwu.search.actions``).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass
class Entry:
    """One findable thing. ``key`` is unique within its source (e.g. ``"page:42"``)."""

    key: str
    title: str
    url: str
    body: str = ""
    kind: str = "page"  # models.Kind
    site: str = ""  # machine key, e.g. "portal" or the sub-site's slug
    site_label: str = ""
    column: str = ""
    column_label: str = ""
    date: dt.datetime | None = None


@dataclass(frozen=True)
class Source:
    key: str
    label: Any
    iter_entries: Callable[[], Iterable[Entry]]


_sources: dict[str, Source] = {}


def register_source(key: str, label: Any, iter_entries: Callable[[], Iterable[Entry]]) -> None:
    _sources[key] = Source(key, label, iter_entries)


def sources() -> dict[str, Source]:
    return dict(_sources)
