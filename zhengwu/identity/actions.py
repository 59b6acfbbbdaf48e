"""Sign-in commands: log in and out, expire idle sessions, change passwords, enrol and verify TOTP.

Every command audits what it did (等保 2.0 §8.1.4.3: success and failure of security events) and
never writes a password or a TOTP secret into the trail. Failed authentications of any kind (a
wrong password at login, a wrong current password on the change form, a wrong TOTP code) count
towards the one lockout that django-axes keeps per user name: 5 failures lock it for 15 minutes.
"""

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import device_classes, devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhengwu.audit import context
from zhengwu.audit.actions import audit_record
from zhengwu.core.errors import ValidationFailed
from zhengwu.directory import rules as directory_rules
from zhengwu.directory.models import Account
from zhengwu.identity import selectors, totp
from zhengwu.identity.errors import AccountLocked, failures_left_message

# Unix time of the last request of the session, read by IdleTimeoutMiddleware.
LAST_SEEN_SESSION_KEY = "identity_last_seen"


@dataclass(frozen=True)
class LoginResult:
    account: Account | None = None
    locked_until: datetime | None = None
    failures_left: int | None = None
    address_throttled: bool = False  # too many failures from this client address


def _audit_target(username: str) -> dict[str, Any]:
    """The attempted account for the trail, or just the name typed when no such account exists."""
    account = Account.objects.filter(username=username).first()
    if account is not None:
        return {"target": account}
    return {"object_type": "directory.account", "object_repr": username[:150]}


def _audit_failure(
    request: HttpRequest, username: str, *, stage: str, reason: str, locked_until: datetime | None
) -> None:
    target = _audit_target(username)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="identity.login.fail",
            changes={"stage": stage, "reason": reason},
            **target,
        )
        if locked_until is not None:
            audit_record(
                actor=request.user,
                action="identity.account.lock",
                changes={"until": locked_until, "stage": stage},
                **target,
            )


def session_login(*, request: HttpRequest, username: str, password: str) -> LoginResult:
    """Check a user name and password; on success the session is signed in (the second factor,
    if any, is asked next by AccountObligationsMiddleware)."""
    if selectors.address_throttled(context.current().ip):
        # Refused before the password is checked: the attempt neither counts against the user
        # name (an attacker cycling through names locks nobody out) nor can it succeed.
        target = _audit_target(username)
        audit_record(actor=request.user, action="identity.login.fail",
                     changes={"stage": "password", "reason": "address_throttled"},
                     **target)  # fmt: skip
        return LoginResult(address_throttled=True)
    was_locked = selectors.is_locked_out(request, username)
    # The axes backend refuses locked user names before any password is checked and records
    # every failure through the user_login_failed signal.
    account = authenticate(request, username=username, password=password)
    if account is not None:
        with transaction.atomic():
            auth_login(request, account)
            request.session[LAST_SEEN_SESSION_KEY] = int(time.time())
            audit_record(
                actor=account,
                action="identity.login.succeed",
                target=account,
                changes={"second_factor_required": selectors.second_factor_required(account)},
            )
        return LoginResult(account=account)

    locked = bool(getattr(request, "axes_locked_out", False))
    until = selectors.lockout_until(request, username) if locked else None
    _audit_failure(
        request,
        username,
        stage="password",
        reason="locked" if was_locked else "bad_credentials",
        locked_until=until if locked and not was_locked else None,
    )
    if locked:
        return LoginResult(locked_until=until)
    return LoginResult(failures_left=selectors.failures_left(request, username))


def _authentication_failed(*, request: HttpRequest, account: Account, stage: str) -> None:
    """A signed-in session failed to re-prove its identity: count it, audit it, and when it locks
    the user name, end the session and raise AccountLocked. Otherwise return normally."""
    username = account.get_username()
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    locked = bool(getattr(request, "axes_locked_out", False))
    until = selectors.lockout_until(request, username) if locked else None
    _audit_failure(request, username, stage=stage, reason="bad_credentials", locked_until=until)
    if until is not None:
        auth_logout(request)
        raise AccountLocked(until)


def _failures_left_message(request: HttpRequest, account: Account) -> str:
    return failures_left_message(selectors.failures_left(request, account.get_username()))


def session_logout(*, request: HttpRequest) -> None:
    user = request.user
    with transaction.atomic():
        if user.is_authenticated:
            audit_record(actor=user, action="identity.logout.succeed", target=user)
        auth_logout(request)


def session_expire(*, request: HttpRequest, idle_for: timedelta) -> None:
    """End a session that stayed unused for longer than the idle timeout (等保 §8.1.4.1 b)."""
    user = request.user
    with transaction.atomic():
        audit_record(
            actor=user,
            action="identity.session.expire",
            target=user,
            changes={"idle_minutes": int(idle_for.total_seconds() // 60)},
        )
        auth_logout(request)


def account_password_change(
    *, request: HttpRequest, actor: Account, old_password: str, new_password: str
) -> None:
    """The signed-in account changes its own password (and so fulfils a forced change)."""
    if not actor.check_password(old_password):
        _authentication_failed(request=request, account=actor, stage="password_change")
        raise ValidationFailed(
            _("Your current password is not correct.")
            + " "
            + _failures_left_message(request, actor),
            data={"field": "old_password"},
        )
    if new_password == old_password:
        raise ValidationFailed(
            _("The new password must be different from the current one."),
            data={"field": "new_password1"},
        )
    try:
        validate_password(new_password, user=actor)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            " ".join(exc.messages), data={"field": "new_password1", "messages": exc.messages}
        ) from exc
    with transaction.atomic():
        was_forced = actor.must_change_password
        actor.set_password(new_password)
        actor.password_changed_at = timezone.now()
        actor.must_change_password = False
        actor.save(update_fields=["password", "password_changed_at", "must_change_password"])
        audit_record(
            actor=actor,
            action="identity.password.change",
            target=actor,
            changes={"must_change_password": [was_forced, False]} if was_forced else {},
        )
        # Keep this session signed in; every other session of the account ends.
        update_session_auth_hash(request, actor)


def totp_device_enrol(
    *, request: HttpRequest, actor: Account, key_hex: str, token: str
) -> TOTPDevice:
    """Save the authenticator app the user just set up, once a first code proves it holds the key.
    Any earlier device of the account is replaced. The session counts as verified afterwards."""
    step = totp.matching_step(key_hex, token)
    if step is None:
        raise ValidationFailed(
            _(
                "The code does not match. Check that the time on your phone is correct and "
                "enter the code currently shown."
            ),
            data={"field": "token"},
        )
    with transaction.atomic():
        replaced, _details = TOTPDevice.objects.filter(user=actor).delete()
        device = TOTPDevice.objects.create(
            user=actor,
            name=_("Authenticator app"),
            key=key_hex,
            step=totp.STEP_SECONDS,
            digits=totp.DIGITS,
            tolerance=totp.TOLERANCE_STEPS,
            confirmed=True,
            last_t=step,  # the enrolment code cannot be replayed at verification
        )
        audit_record(
            actor=actor,
            action="identity.totp.enrol",
            target=actor,
            changes={"device": device.persistent_id, "replaced_devices": replaced},
        )
        otp_login(request, device)
    return device


def totp_verify(*, request: HttpRequest, actor: Account, token: str) -> None:
    """Check a code from the account's authenticator app for this session.

    Raises ValidationFailed for a wrong code (counted towards the lockout) or while django-otp's
    own back-off still runs after recent failures (not counted), and AccountLocked when the
    failure locks the user name (the session is then ended)."""
    token = token.strip().replace(" ", "")
    waits: list[datetime] = []
    checked = False
    with transaction.atomic():
        for device in devices_for_user(actor, confirmed=True, for_verify=True):
            allowed, details = device.verify_is_allowed()
            if not allowed:
                if details and details.get("locked_until"):
                    waits.append(details["locked_until"])
                continue
            checked = True
            if device.verify_token(token):
                otp_login(request, device)
                audit_record(
                    actor=actor,
                    action="identity.totp.verify",
                    target=actor,
                    changes={"device": device.persistent_id},
                )
                return
    if waits and not checked:
        seconds = max(1, math.ceil((min(waits) - timezone.now()).total_seconds()))
        raise ValidationFailed(
            ngettext(
                "Too many codes in a short time. Wait %(seconds)d second and try again.",
                "Too many codes in a short time. Wait %(seconds)d seconds and try again.",
                seconds,
            )
            % {"seconds": seconds},
            data={"field": "token"},
        )
    _authentication_failed(request=request, account=actor, stage="totp")
    raise ValidationFailed(
        _("The code is not correct.") + " " + _failures_left_message(request, actor),
        data={"field": "token"},
    )


# --- Administrators' remedies: a lost phone, a locked account -----------------------------------


@transaction.atomic
def second_factor_flag_refresh(*, account_id: int) -> None:
    """Set ``Account.has_second_factor`` from the devices (called on every device save and
    delete, apps.py). Derived data, so not audited: the device changes are."""
    enrolled = any(
        cls.objects.filter(user_id=account_id, confirmed=True).exists() for cls in device_classes()
    )
    Account.objects.filter(pk=account_id).exclude(has_second_factor=enrolled).update(
        has_second_factor=enrolled
    )


def account_second_factor_reset(*, actor: Any, account: Account, reason: str = "") -> int:
    """Delete every second-factor device (TOTP and backup codes) of ``account``, e.g. after a
    lost phone; at the next sign-in it must enrol again. Returns the number of devices deleted
    (0: nothing to do, nothing audited). Scoped like every account administration
    (``directory.rules.check_may_manage_account``); nobody resets their own."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    if actor is not None and getattr(actor, "pk", None) == account.pk:
        raise ValidationFailed(_("You cannot reset the second factor of your own account."))
    directory_rules.check_may_manage_account(actor, account)
    devices = list(devices_for_user(account, confirmed=None))
    if not devices:
        return 0
    names = sorted(f"{device._meta.label_lower}:{device.name}" for device in devices)
    for device in devices:
        device.delete()
    audit_record(actor=actor, action="identity.totp.reset", target=account,
                 changes={"devices": [names, []]}, reason=reason)  # fmt: skip
    return len(devices)


@transaction.atomic
def account_unlock(*, actor: Any, account: Account, reason: str = "") -> int:
    """Clear the failed sign-ins recorded for ``account``'s user name, ending a lockout at
    once (e.g. when someone else's failures locked a colleague out). Returns the number of
    records cleared (0: not locked, nothing audited). Scoped like ``account_second_factor_reset``.
    """
    account = Account.objects.select_for_update().get(pk=account.pk)
    directory_rules.check_may_manage_account(actor, account)
    cleared = axes_reset(username=account.get_username())
    if cleared:
        audit_record(actor=actor, action="identity.account.unlock", target=account,
                     changes={"failure_records": [cleared, 0]}, reason=reason)  # fmt: skip
    return cleared
