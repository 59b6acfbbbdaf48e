"""Where a request came from, kept for the audit trail without passing it through every call."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    user_agent: str = ""
    request_id: str = ""


_current: ContextVar[RequestContext] = ContextVar(
    "zhengwu_request_context",
    default=RequestContext(),  # noqa: B039 - frozen, immutable
)


def current() -> RequestContext:
    return _current.get()


def bind(context: RequestContext) -> object:
    return _current.set(context)


def reset(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


@contextmanager
def bound(ctx: RequestContext) -> Iterator[None]:
    """Bind ``ctx`` for a block, e.g. a management command recording as ``"system:demo"``."""
    token = bind(ctx)
    try:
        yield
    finally:
        reset(token)
