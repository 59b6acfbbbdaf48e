"""Deny-by-default access policies for views.

A view is unreachable until it declares who may use it with one of the decorators below
(``public``, ``login_required``, ``staff_required``). ``AccessPolicyMiddleware`` refuses any
view that declares nothing, and ``tests/test_url_access.py`` walks every URL pattern to prove it.
Object-level scoping (which organisation's records) is the job of each module's selectors.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template.loader import render_to_string
from django.urls import resolve

ViewT = TypeVar("ViewT", bound=Callable[..., Any])

# URL namespaces whose views enforce access themselves (Django admin checks has_permission).
DELEGATED_NAMESPACES = frozenset({"admin"})


@dataclass(frozen=True)
class AccessPolicy:
    """Who may reach a view: nobody is implied, everything is declared."""

    anonymous: bool = False
    account_kinds: frozenset[str] = frozenset()  # empty = any kind of account
    permissions: tuple[str, ...] = field(default_factory=tuple)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        """Return None to let the request through, or the response that refuses it."""
        if self.anonymous:
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if self.account_kinds and getattr(user, "kind", None) not in self.account_kinds:
            return forbidden(request)
        if self.permissions and not user.has_perms(self.permissions):
            return forbidden(request)
        return None


def forbidden(request: HttpRequest) -> HttpResponse:
    return HttpResponseForbidden(render_to_string("core/403.html", request=request))


def _declare(policy: AccessPolicy) -> Callable[[ViewT], ViewT]:
    def decorator(view: ViewT) -> ViewT:
        view.access_policy = policy  # type: ignore[attr-defined]
        return view

    return decorator


def public(view: ViewT) -> ViewT:
    """Anyone, signed in or not."""
    return _declare(AccessPolicy(anonymous=True))(view)


def login_required(*, kinds: Iterable[str] = ()) -> Callable[[ViewT], ViewT]:
    """Any signed-in account, optionally only of the given kinds (staff, citizen, enterprise)."""
    return _declare(AccessPolicy(account_kinds=frozenset(kinds)))


def staff_required(*permissions: str) -> Callable[[ViewT], ViewT]:
    """A staff account holding every listed permission through one of its roles."""
    return _declare(AccessPolicy(account_kinds=frozenset({"staff"}), permissions=permissions))


def policy_of(view: Callable[..., Any]) -> AccessPolicy | None:
    policy = getattr(view, "access_policy", None)
    if policy is None and hasattr(view, "view_class"):
        policy = getattr(view.view_class, "access_policy", None)
    return policy


class AccessPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = getattr(request, "resolver_match", None) or resolve(request.path_info)
        if DELEGATED_NAMESPACES.intersection(match.namespaces):
            return None
        if settings.STATIC_URL and request.path_info.startswith(settings.STATIC_URL):
            return None
        policy = policy_of(view_func)
        if policy is None:
            if settings.DEBUG:
                raise ImproperlyConfigured(f"View {match.view_name!r} declares no access policy")
            return forbidden(request)
        return policy.check(request)
