"""Sign-in pages: login, logout, password change, TOTP enrolment and verification.

Views parse input, call one action, and render. The rules live in actions.py and selectors.py.
"""

from datetime import datetime, timedelta
from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from zhengwu.core.access import login_required, public
from zhengwu.core.errors import ValidationFailed
from zhengwu.identity import actions, selectors, totp
from zhengwu.identity.errors import AccountLocked, failures_left_message
from zhengwu.identity.forms import LoginForm, PasswordChangeForm, TotpTokenForm

# The secret of a device being enrolled, kept server-side until the first code confirms it.
PENDING_TOTP_KEY = "identity_pending_totp_key"


def safe_next_url(request: HttpRequest) -> str:
    """The ``next`` parameter when it points into this site; anything else is ignored, so that a
    crafted link cannot send a freshly signed-in user to a look-alike site (open redirect)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if not candidate or candidate.startswith(reverse("identity:login")):
        return ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def landing_url(user: Any) -> str:
    """Where an account goes after signing in when no ``next`` was given."""
    if getattr(user, "is_staff", False):
        return resolve_url(settings.LOGIN_REDIRECT_URL)
    return "/"


def _base_template(user: Any) -> str:
    # Staff reach these pages from the workbench; while an obligation is pending the workbench's
    # menu would only lead back here, so the plain public layout is used.
    if getattr(user, "is_staff", False) and selectors.pending_obligation(user) is None:
        return "workbench/base.html"
    return "public_site/base.html"


def _render_login(
    request: HttpRequest,
    form: LoginForm,
    *,
    locked_until: datetime | None = None,
    status: int = 200,
) -> HttpResponse:
    response = render(
        request,
        "identity/login.html",
        {
            "form": form,
            "next": safe_next_url(request),
            "locked_until": locked_until,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "lockout_minutes": int((get_cool_off(request) or timedelta(0)).total_seconds() // 60),
        },
        status=status,
    )
    # AxesMiddleware replaces responses of locked requests with lockout_response(); this page
    # already says so.
    response.identity_lockout = locked_until is not None  # type: ignore[attr-defined]
    return response


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page with the lockout notice and the time to retry."""
    if original_response is not None and getattr(original_response, "identity_lockout", False):
        return original_response
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    until = selectors.lockout_until(request, username)
    return _render_login(request, LoginForm(initial={"username": username}), locked_until=until,
                         status=AccountLocked.http_status)  # fmt: skip


@public
@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next_url(request)
    if request.method != "POST":
        if request.user.is_authenticated:
            return redirect(next_url or landing_url(request.user))
        return _render_login(request, LoginForm())
    form = LoginForm(request.POST)
    if not form.is_valid():
        return _render_login(request, form)
    result = actions.session_login(
        request=request,
        username=form.cleaned_data["username"],
        password=form.cleaned_data["password"],
    )
    if result.account is not None:
        return redirect(next_url or landing_url(result.account))
    if result.address_throttled:
        form.add_error(None, _("Too many failed sign-ins from your network address. Try again "
                               "in %(minutes)s minutes.")
                       % {"minutes": int((get_cool_off(request) or timedelta(0))
                                         .total_seconds() // 60)})  # fmt: skip
        return _render_login(request, form, status=AccountLocked.http_status)
    if result.locked_until is not None:
        return _render_login(
            request, form, locked_until=result.locked_until, status=AccountLocked.http_status
        )
    form.add_error(
        None,
        _("The user name or password is not correct.")
        + " "
        + failures_left_message(result.failures_left or 0),
    )
    return _render_login(request, form)


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    was_signed_in = request.user.is_authenticated
    actions.session_logout(request=request)
    if was_signed_in:
        messages.success(request, _("You have logged out."))
    return redirect(resolve_url(settings.LOGOUT_REDIRECT_URL))


@login_required()
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.account_password_change(
                request=request,
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except AccountLocked as exc:
            return _render_login(
                request, LoginForm(), locked_until=exc.until, status=exc.http_status
            )
        except ValidationFailed as exc:
            form.add_error(exc.data.get("field"), exc.data.get("messages") or str(exc.message))
        else:
            messages.success(request, _("Your password has been changed."))
            return redirect(safe_next_url(request) or landing_url(request.user))
    return render(
        request,
        "identity/password_change.html",
        {
            "form": form,
            "forced": request.user.must_change_password,
            "next": safe_next_url(request),
            "base_template": _base_template(request.user),
        },
    )


@login_required()
@never_cache
def totp_setup_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    verified = bool(getattr(user, "otp_device", None))
    if selectors.has_confirmed_device(user) and not verified:
        # Replacing a device needs the current one first, or a stolen password would suffice.
        return redirect(reverse("identity:totp_verify") + "?next=" + reverse("identity:totp_setup"))
    key_hex = request.session.get(PENDING_TOTP_KEY)
    if not key_hex:
        key_hex = totp.new_secret()
        request.session[PENDING_TOTP_KEY] = key_hex
    form = TotpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.totp_device_enrol(
                request=request, actor=user, key_hex=key_hex, token=form.cleaned_data["token"]
            )
        except ValidationFailed as exc:
            form.add_error("token", str(exc.message))
        else:
            del request.session[PENDING_TOTP_KEY]
            messages.success(request, _("Two-step verification is now on for your account."))
            return redirect(safe_next_url(request) or landing_url(user))
    uri = totp.provisioning_uri(user, key_hex)
    return render(
        request,
        "identity/totp_setup.html",
        {
            "form": form,
            "qr_svg": totp.qr_svg(uri),
            "secret": totp.secret_base32(key_hex),
            "issuer": settings.OTP_TOTP_ISSUER,
            "replacing": verified,
            "required": selectors.holds_sensitive_role(user),
            "next": safe_next_url(request),
            "base_template": _base_template(user),
        },
    )


@login_required()
@sensitive_post_parameters("token")
@never_cache
def totp_verify_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = safe_next_url(request)
    if getattr(user, "otp_device", None):
        return redirect(next_url or landing_url(user))
    if not selectors.has_confirmed_device(user):
        return redirect(reverse("identity:totp_setup"))
    form = TotpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.totp_verify(request=request, actor=user, token=form.cleaned_data["token"])
        except AccountLocked as exc:
            return _render_login(
                request, LoginForm(), locked_until=exc.until, status=exc.http_status
            )
        except ValidationFailed as exc:
            form.add_error("token", str(exc.message))
        else:
            return redirect(next_url or landing_url(user))
    return render(
        request,
        "identity/totp_verify.html",
        {"form": form, "next": next_url, "base_template": "public_site/base.html"},
    )
