"""Password rules of 等保 2.0 level 3 (GB/T 22239-2019 §8.1.4.1 a): "authenticators have complexity
requirements". The standard sets no numbers; the common 测评 practice is at least 8 characters drawn
from at least 3 of the 4 classes (upper case, lower case, digits, symbols) and never the user name.

The validators plug into ``AUTH_PASSWORD_VALIDATORS`` so that every path that sets a password
(password change, admin, ``manage.py changepassword``, directory actions) applies the same rules.
"""

import string
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def character_classes(password: str) -> set[str]:
    """Which of the four classes the password draws from. Non-ASCII letters (e.g. Chinese
    characters) count as symbols: neither ASCII letters nor digits, they still add entropy."""
    classes: set[str] = set()
    for char in password:
        if char in string.ascii_uppercase:
            classes.add("upper")
        elif char in string.ascii_lowercase:
            classes.add("lower")
        elif char in string.digits:
            classes.add("digit")
        elif not char.isspace():
            classes.add("symbol")
    return classes


class MinimumLengthValidator:
    def __init__(self, min_length: int = 8) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "The password must be at least %(min_length)d character long.",
                    "The password must be at least %(min_length)d characters long.",
                    self.min_length,
                )
                % {"min_length": self.min_length},
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self) -> str:
        return ngettext(
            "At least %(min_length)d character.",
            "At least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        found = len(character_classes(password))
        if found < self.min_classes:
            raise ValidationError(
                _(
                    "The password must mix at least %(min_classes)d of these four kinds of "
                    "characters: upper-case letters, lower-case letters, digits and symbols "
                    "(it has %(found)d)."
                )
                % {"min_classes": self.min_classes, "found": found},
                code="password_too_simple",
                params={"min_classes": self.min_classes, "found": found},
            )

    def get_help_text(self) -> str:
        return _(
            "At least %(min_classes)d of: upper-case letters, lower-case letters, digits, symbols."
        ) % {"min_classes": self.min_classes}


class NotUsernameValidator:
    """Refuses a password equal to, or containing, the user name (ignoring case)."""

    def validate(self, password: str, user: Any = None) -> None:
        username = (user.get_username() if user is not None else "") or ""
        if username and username.casefold() in password.casefold():
            raise ValidationError(
                _("The password must not be or contain your user name."),
                code="password_contains_username",
            )

    def get_help_text(self) -> str:
        return _("Must not contain your user name.")
