"""Validation rules of the directory, shared by the actions and by the admin forms.

Each check raises ``ValidationFailed`` with a Chinese message and ``data={"field": ...}`` so
that a form can attach the message to the right field before anything is saved; the actions
run the same checks again inside their transaction.
"""

import re
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zhengwu.core.errors import ValidationFailed
from zhengwu.directory.models import Account, Organisation, Region

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
    *, actor: Any, account: Account, organisation: Organisation
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
