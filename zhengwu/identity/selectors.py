"""Questions about an account's sign-in state: lockout, second factor, pending obligations."""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone
from django_otp import user_has_device

from zhengwu.directory.models import Account, RoleAssignment


class Obligation(StrEnum):
    """What a signed-in account must do before it may open any other page, in this order."""

    TOTP_VERIFY = "identity:totp_verify"  # a confirmed device exists, this session has not used it
    # An initial or reset password must be replaced (等保 §8.1.4.1 a).
    PASSWORD_CHANGE = "identity:password_change"  # noqa: S105 (a URL name, not a password)
    TOTP_SETUP = "identity:totp_setup"  # a sensitive role requires a device, none is confirmed


def holds_sensitive_role(account: Any) -> bool:
    """True when the account is staff holding a role an administrator marked as sensitive, or
    a superuser (it can do everything, so it is the most sensitive account of all)."""
    if getattr(account, "is_superuser", False):
        return True
    if getattr(account, "kind", None) != Account.Kind.STAFF:
        return False
    return RoleAssignment.objects.filter(
        account=account, role__requires_second_factor=True
    ).exists()


def has_confirmed_device(account: Any) -> bool:
    return user_has_device(account, confirmed=True)


def second_factor_required(account: Any) -> bool:
    """Superusers and staff with a sensitive role must use TOTP; anyone who enrolled voluntarily
    is asked too."""
    return has_confirmed_device(account) or holds_sensitive_role(account)


def pending_obligation(user: Any) -> Obligation | None:
    if not getattr(user, "is_authenticated", False):
        return None
    verified = bool(getattr(user, "otp_device", None))
    # The account row says whether a device is enrolled (kept by identity on every device
    # change): no device queries on every request.
    has_device = verified or user.has_second_factor
    if has_device and not verified:
        return Obligation.TOTP_VERIFY
    if user.must_change_password:
        return Obligation.PASSWORD_CHANGE
    if not has_device and holds_sensitive_role(user):
        return Obligation.TOTP_SETUP
    return None


def idle_timeout(user: Any) -> timedelta:
    """How long a session of this account may stay unused (ZHENGWU_*_IDLE_TIMEOUT_MINUTES)."""
    if getattr(user, "kind", None) == Account.Kind.STAFF:
        minutes = settings.ZHENGWU_STAFF_IDLE_TIMEOUT_MINUTES
    else:
        minutes = settings.ZHENGWU_PUBLIC_IDLE_TIMEOUT_MINUTES
    return timedelta(minutes=minutes)


def is_locked_out(request: HttpRequest, username: str) -> bool:
    return not AxesProxyHandler.is_allowed(request, {"username": username})


def failures_left(request: HttpRequest, username: str) -> int:
    """Failed attempts this user name may still make before it is locked."""
    failures = AxesProxyHandler.get_failures(request, {"username": username})
    return max(int(settings.AXES_FAILURE_LIMIT) - failures, 0)


def lockout_until(request: HttpRequest | None, username: str) -> datetime:
    """When a locked user name may try again: the locking failure plus the cool-off period.
    Attempts during the lockout are not recorded (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT
    is off), so the time shown to the user does not move while they wait."""
    cool_off = get_cool_off(request) or timedelta(0)
    latest = AccessAttempt.objects.filter(username=username).aggregate(t=Max("attempt_time"))["t"]
    return (latest or timezone.now()) + cool_off


def address_failures(ip: str) -> int:
    """Failed sign-ins from this client address within the lockout window, summed over every
    user name (django-axes' records, which use the same client address as the audit trail)."""
    if not ip:
        return 0
    since = timezone.now() - (get_cool_off(None) or timedelta(0))
    total = AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return int(total or 0)


def address_throttled(ip: str) -> bool:
    """Too many failures from one address (ZHENGWU_LOGIN_ADDRESS_FAILURE_LIMIT): its further
    attempts are refused before any password is checked, so one address cannot lock out
    account after account (see docs/modules/identity.md, "Per-address throttle")."""
    return address_failures(ip) >= int(settings.ZHENGWU_LOGIN_ADDRESS_FAILURE_LIMIT)
