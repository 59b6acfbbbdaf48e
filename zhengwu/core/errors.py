"""One error hierarchy for the platform, with stable codes and one JSON shape.

Every API answers an error as ``{"error": {"code": "...", "message": "...", "data": {...}}}``
(see docs/architecture.md). Messages are translated; codes never are.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    code = "APPLICATION_ERROR"
    http_status = 400
    default_message: Any = _("The request could not be completed.")

    def __init__(self, message: Any = None, *, data: dict[str, Any] | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.data = data or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": str(self.message), "data": self.data}}


class ValidationFailed(ApplicationError):
    code = "VALIDATION_FAILED"
    default_message = _("The submitted data is not valid.")


class NotFound(ApplicationError):
    """Raised for both missing and forbidden objects so that existence never leaks."""

    code = "NOT_FOUND"
    http_status = 404
    default_message = _("The requested item does not exist or you may not see it.")


class PermissionDenied(ApplicationError):
    code = "PERMISSION_DENIED"
    http_status = 403
    default_message = _("You do not have permission to do this.")


class Conflict(ApplicationError):
    """Raised when the object changed under the caller (a concurrent edit or a double submit)."""

    code = "CONFLICT"
    http_status = 409
    default_message = _("Someone else changed this item first. Reload it and try again.")
