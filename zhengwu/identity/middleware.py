"""Session rules applied to every request of a signed-in account.

IdleTimeoutMiddleware ends sessions left unused (等保 2.0 §8.1.4.1 b, "auto-logout on timeout");
AccountObligationsMiddleware keeps an account on the second-factor and password-change pages
until it has done what they ask. Both sit after OTPMiddleware and MessageMiddleware and before
AccessPolicyMiddleware (config/settings.py).
"""

import time
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from zhengwu.identity import actions, selectors

LAST_SEEN_STEP_SECONDS = 60


def _redirect_with_next(url: str, request: HttpRequest) -> HttpResponse:
    # Only a page the user was reading (GET) is worth returning to; a POST would be lost anyway.
    if request.method == "GET":
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    return HttpResponseRedirect(url)


def _is_static(request: HttpRequest) -> bool:
    return bool(settings.STATIC_URL) and request.path_info.startswith(settings.STATIC_URL)


class IdleTimeoutMiddleware:
    """Logs out staff after ZHENGWU_STAFF_IDLE_TIMEOUT_MINUTES without a request (30 by default)
    and public accounts after ZHENGWU_PUBLIC_IDLE_TIMEOUT_MINUTES, with a notice on the login
    page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not _is_static(request):
            now = int(time.time())
            last_seen = request.session.get(actions.LAST_SEEN_SESSION_KEY)
            idle_for = timedelta(seconds=now - last_seen) if last_seen is not None else None
            if idle_for is not None and idle_for > selectors.idle_timeout(user):
                actions.session_expire(request=request, idle_for=idle_for)
                messages.warning(
                    request, _("You were inactive for a long time and have been logged out.")
                )
                return _redirect_with_next(reverse("identity:login"), request)
            # To the minute: a session write on every request would queue every signed-in
            # page behind the database's writers; the timeout ends at most a minute early.
            if last_seen is None or now - last_seen >= LAST_SEEN_STEP_SECONDS:
                request.session[actions.LAST_SEEN_SESSION_KEY] = now
        return self.get_response(request)


class AccountObligationsMiddleware:
    """Sends a signed-in account to the page of its first pending obligation (TOTP verification,
    forced password change, TOTP enrolment); only that page, logout and static files stay open."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _is_static(request):
            obligation = selectors.pending_obligation(request.user)
            if obligation is not None:
                target = reverse(obligation.value)
                if request.path not in (target, reverse("identity:logout")):
                    return _redirect_with_next(target, request)
        return self.get_response(request)
