"""Errors of the sign-in flows (codes are stable; messages are translated)."""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from zhengwu.core.errors import ApplicationError


class AccountLocked(ApplicationError):
    """Too many failed attempts for this user name: it may try again at ``until``."""

    code = "ACCOUNT_LOCKED"
    http_status = 429

    def __init__(self, until: datetime) -> None:
        self.until = until
        local = timezone.localtime(until)
        message = gettext(
            "Too many failed attempts: this account is locked. Try again after %(time)s."
        ) % {"time": date_format(local, "Y-m-d H:i")}
        super().__init__(message, data={"until": until.isoformat()})


def failures_left_message(count: int) -> str:
    return ngettext(
        "After %(count)d more failed attempt the account will be locked.",
        "After %(count)d more failed attempts the account will be locked.",
        count,
    ) % {"count": count}
