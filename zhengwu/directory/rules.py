"""Validation rules of the directory, shared by the actions and by the admin forms.

Each check raises ``ValidationFailed`` with a Chinese message and ``data={"field": ...}`` so
that a form can attach the message to the right field before anything is saved; the actions
run the same checks again inside their transaction.
"""

import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from zhengwu.core.errors import PermissionDenied, ValidationFailed
from zhengwu.directory import selectors
from zhengwu.directory.models import Account, Organisation, Region, Role

# Digits of each level's own part: province 2, city 2, county 2, township 3, village 3.
_SIGNIFICANT = {
    Region.Level.PROVINCE: 2,
    Region.Level.CITY: 4,
    Region.Level.COUNTY: 6,
    Region.Level.TOWNSHIP: 9,
    Region.Level.VILLAGE: 12,
}
_LENGTH = {
    Region.Level.PROVINCE: 6,
    Region.Level.CITY: 6,
    Region.Level.COUNTY: 6,
    Region.Level.TOWNSHIP: 9,
    Region.Level.VILLAGE: 12,
}
USERNAME_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{2,149}$")
MAX_SORT_ORDER = 9999
PATH_MAX_LENGTH = 255


def fail(message: str, field: str | None = None, **data: Any) -> ValidationFailed:
    return ValidationFailed(message, data={"field": field, **data} if field else data)


def region_prefix(region: Region) -> str:
    """The digits a child's code must start with (110000 → "11", 110100 → "1101")."""
    return region.code[: _SIGNIFICANT[Region.Level(region.level)]]


def check_region_code(code: str, level: int, parent: Region | None) -> None:
    """GB/T 2260 (6 digits), GB/T 10114 township (9) and statistical village codes (12)."""
    level = Region.Level(level)
    length = _LENGTH[level]
    if not code.isdigit() or len(code) != length or not code.isascii():
        raise fail(
            _("A %(level)s code has %(length)s digits.")
            % {"level": level.label, "length": length},
            "code",
        )
    end = _SIGNIFICANT[level]
    own = code[end - (3 if level >= Region.Level.TOWNSHIP else 2) : end]
    rest = code[_SIGNIFICANT[level] :]
    if set(own) == {"0"} or set(rest) - {"0"}:
        raise fail(_("The code %(code)s is not the code of a %(level)s: it must end in %(zeros)s "
                     "zeros and its own digits may not all be zero.")
                   % {"code": code, "level": level.label, "zeros": len(rest)}, "code")  # fmt: skip
    if level == Region.Level.PROVINCE:
        if parent is not None:
            raise fail(_("A province has no parent region."), "parent")
        return
    if parent is None:
        raise fail(_("A %(level)s needs a parent region.") % {"level": level.label}, "parent")
    expected_parent = Region.Level(level - 1)
    # Counties directly under a province (省直辖县级, city digits 90) skip the city level.
    direct_county = level == Region.Level.COUNTY and code[2:4] == "90"
    if direct_county:
        expected_parent = Region.Level.PROVINCE
    if parent.level != expected_parent:
        raise fail(
            _("The parent of a %(level)s must be a %(parent_level)s.")
            % {"level": level.label, "parent_level": expected_parent.label},
            "parent",
        )
    prefix = region_prefix(parent)
    if not code.startswith(prefix):
        raise fail(
            _("The code %(code)s must start with %(prefix)s, the code of %(parent)s.")
            % {"code": code, "prefix": prefix, "parent": parent.name},
            "code",
        )


def check_not_blank(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise fail(_("%(label)s may not be empty.") % {"label": label}, field)
    return value


def check_sort_order(sort_order: int) -> None:
    if not 0 <= sort_order <= MAX_SORT_ORDER:
        raise fail(
            _("The sort order must be between 0 and %(max)s.") % {"max": MAX_SORT_ORDER},
            "sort_order",
        )


def check_move(organisation: Organisation, new_parent: Organisation | None) -> None:
    """Refuse a move that would put an organisation under itself or its own subtree."""
    if new_parent is None or organisation.pk is None:
        return
    if new_parent.pk == organisation.pk or new_parent.tree_path.startswith(organisation.tree_path):
        raise fail(
            _("%(organisation)s cannot be placed under itself or one of its subordinate "
              "organisations.") % {"organisation": organisation.name},
            "parent",
        )  # fmt: skip


def check_username(username: str, *, exclude_pk: int | None = None) -> str:
    username = (username or "").strip()
    if not USERNAME_SHAPE.match(username):
        raise fail(
            _("A user name has 3 to 150 characters: letters, digits and _ . @ + -, "
              "starting with a letter or digit."),
            "username",
        )  # fmt: skip
    clash = Account.objects.filter(username__iexact=username)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise fail(_("The user name %(username)s is already taken.") % {"username": username},
                   "username")  # fmt: skip
    return username


def check_password(password: str, account: Account) -> None:
    """The platform's password policy (等保 2.0 level 3), as configured in settings."""
    try:
        password_validation.validate_password(password, user=account)
    except ValidationError as error:
        raise fail(" ".join(error.messages), "password") from None


def check_staff_organisation(organisation: Organisation | None) -> None:
    if organisation is None:
        raise fail(_("A staff account must belong to an organisation."), "organisation")
    if not organisation.is_active:
        raise fail(
            _("%(organisation)s is no longer in use.") % {"organisation": organisation.name},
            "organisation",
        )


def check_role_assignment(
    *, actor: Any, account: Account, organisation: Organisation, role: Role | None = None
) -> None:
    if account.kind != Account.Kind.STAFF:
        raise fail(_("Roles can only be given to staff accounts."), "account")
    if not account.is_active:
        raise fail(_("The account %(account)s is deactivated.") % {"account": account}, "account")
    if not organisation.is_active:
        raise fail(
            _("%(organisation)s is no longer in use.") % {"organisation": organisation.name},
            "organisation",
        )
    # Separation of duties: nobody raises their own privileges.
    if actor is not None and getattr(actor, "pk", None) == account.pk:
        raise fail(_("You cannot change the roles of your own account."), "account")
    check_may_manage_account(actor, account)
    check_may_administer_in(actor, organisation)
    if role is not None and not _is_administrator(actor):
        check_permissions_grantable(actor, role.permissions.select_related("content_type"))


# --- Who may administer whom ----------------------------------------------------------------

# Permissions of the framework itself (users and groups, sessions, admin log, second-factor
# devices, lockout records) are never granted through roles: they would let a role holder
# manage accounts or devices around the audited directory actions.
FRAMEWORK_APPS = frozenset(
    {"auth", "contenttypes", "sessions", "admin", "django_otp", "otp_totp", "otp_static", "axes"}
)


def _is_administrator(actor: Any) -> bool:
    """The system (``None``) and superusers are not limited by scope or by their own grants."""
    return actor is None or bool(getattr(actor, "is_superuser", False))


def role_permissions_choosable(actor: Any) -> QuerySet[Permission]:
    """Permissions ``actor`` may put into a role: never the framework's own, and for anyone but
    a superuser only those the actor itself holds (nobody hands out more than they have)."""
    perms = Permission.objects.exclude(content_type__app_label__in=FRAMEWORK_APPS)
    if not _is_administrator(actor):
        perms = perms.filter(pk__in=selectors.role_permissions(actor).values("pk"))
    return perms.select_related("content_type").order_by(
        "content_type__app_label", "content_type__model", "codename"
    )


def _label(perm: Permission) -> str:
    return f"{perm.content_type.app_label}.{perm.codename}"


def check_permissions_grantable(actor: Any, permissions: Iterable[Permission]) -> None:
    """Refuse framework permissions, and permissions the (non-superuser) actor lacks."""
    perms = list(permissions)
    framework = sorted(_label(p) for p in perms if p.content_type.app_label in FRAMEWORK_APPS)
    if framework:
        raise fail(
            _("These permissions belong to the framework and cannot be given through a role: "
              "%(permissions)s.") % {"permissions": "、".join(framework)},
            "permissions",
        )  # fmt: skip
    if _is_administrator(actor):
        return
    held = set(selectors.role_permissions(actor).values_list("pk", flat=True))
    lacking = sorted(_label(p) for p in perms if p.pk not in held)
    if lacking:
        raise PermissionDenied(
            _("You can only grant permissions you hold yourself; you do not hold "
              "%(permissions)s.") % {"permissions": "、".join(lacking)},
            data={"field": "permissions"},
        )  # fmt: skip


def check_role_change(actor: Any, role: Role, added: Iterable[Permission]) -> None:
    """Nobody edits a role they hold (separation of duties), and added permissions must be
    grantable by the actor."""
    if (
        not _is_administrator(actor)
        and role.pk is not None
        and role.assignments.filter(account_id=getattr(actor, "pk", None)).exists()
    ):
        raise PermissionDenied(
            _("You hold the role %(role)s and therefore cannot change it; ask another "
              "administrator.") % {"role": role.name}
        )  # fmt: skip
    check_permissions_grantable(actor, added)


def check_may_administer_in(actor: Any, organisation: Organisation) -> None:
    """Roles are assigned, and accounts placed, only within organisations the actor administers
    (``directory.change_account`` there, or above it covering the subtree)."""
    if _is_administrator(actor):
        return
    if not selectors.account_has_perm_in(actor, selectors.MANAGE_ACCOUNTS_PERM, organisation):
        raise PermissionDenied(
            _("You may assign roles only within organisations you administer; %(organisation)s "
              "is not one of them.") % {"organisation": organisation.name},
            data={"field": "organisation"},
        )  # fmt: skip


def check_may_manage_account(actor: Any, account: Account) -> None:
    """May ``actor`` administer ``account`` (reset its password or second factor, deactivate,
    unlock, change its roles)? Only within the organisations where the actor holds
    ``directory.change_account``, never a superuser, and never an account holding a permission
    the actor lacks (otherwise resetting its password would be a way to obtain that permission).
    """
    if _is_administrator(actor):
        return
    if account.is_superuser:
        raise PermissionDenied(_("Only a superuser may administer a superuser account."))
    if not selectors.account_in_admin_scope(actor, account):
        raise PermissionDenied(
            _("%(account)s is not in an organisation you administer.") % {"account": account}
        )
    held = set(selectors.role_permissions(actor).values_list("pk", flat=True))
    if selectors.role_permissions(account).exclude(pk__in=held).exists():
        raise PermissionDenied(
            _("%(account)s holds permissions you do not have, so you cannot administer this "
              "account; ask an administrator who holds them.") % {"account": account}
        )  # fmt: skip
