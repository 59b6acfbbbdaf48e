"""The sign-in side of account administration in the platform's admin site.

Second-factor devices and lockout records are not edited as raw rows (that would bypass the
audit trail and the organisation scope): the framework's admin pages for them are removed, and
two audited actions on accounts replace them. Groups go too: permissions come only from roles
(zhengwu.directory.backends.RoleBackend), so every grant is an audited role change.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengwu.core.errors import ApplicationError
from zhengwu.directory.admin import AccountAdmin
from zhengwu.directory.models import Account
from zhengwu.identity import actions


def _unregister(model: Any) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)


def _framework_models() -> list[Any]:
    # Their admin modules are discovered after this one (INSTALLED_APPS order): import them
    # now so that they have registered what is taken away below.
    import axes.admin  # noqa: F401
    import django.contrib.auth.admin  # noqa: F401
    import django_otp.plugins.otp_static.admin
    import django_otp.plugins.otp_totp.admin  # noqa: F401
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return [Group, TOTPDevice, StaticDevice, AccessAttempt, AccessFailureLog, AccessLog]


for _model in _framework_models():
    _unregister(_model)


class IdentityAccountAdmin(AccountAdmin):
    """The directory's account admin plus "reset second factor" and "unlock"."""

    actions = [*AccountAdmin.actions, "reset_second_factor_selected", "unlock_selected"]

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Account], action: Any, done_message: str
    ) -> None:
        done = 0
        for account in queryset:
            try:
                if action(actor=request.user, account=account):
                    done += 1
            except ApplicationError as error:
                messages.error(request, f"{account.username}：{error.message}")
        messages.success(request, done_message % {"count": done})

    @admin.action(description=_("Reset the second factor of the selected accounts"),
                  permissions=["change"])  # fmt: skip
    def reset_second_factor_selected(
        self, request: HttpRequest, queryset: QuerySet[Account]
    ) -> None:
        self._each(request, queryset, actions.account_second_factor_reset,
                   gettext("Second factor reset for %(count)s accounts; they must enrol again "
                           "at their next sign-in."))  # fmt: skip

    @admin.action(description=_("Unlock the selected accounts"), permissions=["change"])
    def unlock_selected(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        self._each(request, queryset, actions.account_unlock,
                   gettext("%(count)s locked accounts unlocked."))  # fmt: skip


_unregister(Account)
admin.site.register(Account, IdentityAccountAdmin)
