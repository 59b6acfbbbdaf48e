import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from zhengwu.audit import context


def client_ip(request: HttpRequest) -> str:
    # Behind nginx the app trusts X-Real-IP set by the proxy (docs/operations.md), never X-Forwarded-For.
    return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    """Binds the caller's address, browser and a request id for audit entries written during the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = context.RequestContext(
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            request_id=request.META.get("HTTP_X_REQUEST_ID", "") or uuid.uuid4().hex,
        )
        token = context.bind(ctx)
        try:
            return self.get_response(request)
        finally:
            context.reset(token)
