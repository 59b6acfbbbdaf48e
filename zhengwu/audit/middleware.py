import ipaddress
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from zhengwu.audit import context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _valid_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return ""


def client_ip(request: HttpRequest) -> str:
    """The caller's address. ``X-Real-IP`` is believed only when the deployment says a reverse
    proxy sets it (ZHENGWU_TRUST_X_REAL_IP, docs/operations.md): otherwise any client could
    write an address of its choosing into the audit trail. Never X-Forwarded-For."""
    if getattr(settings, "ZHENGWU_TRUST_X_REAL_IP", False):
        forwarded = _valid_ip(request.META.get("HTTP_X_REAL_IP", ""))
        if forwarded:
            return forwarded
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))


def request_id(request: HttpRequest) -> str:
    # nginx's $request_id sent as X-Request-ID ties log lines to entries; odd values are replaced.
    supplied = request.META.get("HTTP_X_REQUEST_ID", "")
    return supplied if _REQUEST_ID_RE.match(supplied) else uuid.uuid4().hex


class RequestContextMiddleware:
    """Binds the caller's address, browser and a request id for the audit entries of a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = context.RequestContext(
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            request_id=request_id(request),
        )
        token = context.bind(ctx)
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
