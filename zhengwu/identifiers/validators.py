"""Django validators that turn checksum failures into clear Chinese messages."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhengwu.identifiers import checksums
from zhengwu.identifiers.checksums import IdentifierError

MESSAGES = {
    ("resident_id", "length"): _(
        "A resident ID number has 18 characters; this one has %(length)s."
    ),
    ("resident_id", "characters"): _(
        "The first 17 characters of a resident ID number must be digits and the last a digit or X."
    ),
    ("resident_id", "birth_date"): _(
        "The birth date %(birth)s in this resident ID number is not a real date."
    ),
    ("resident_id", "check_digit"): _(
        "Wrong check digit in the resident ID number: the 18th character should be "
        "%(expected)s, not %(actual)s."
    ),
    ("resident_id", "region_code"): _(
        "The address code of a resident ID number is 6 digits, not %(region_code)s."
    ),
    ("resident_id", "sequence"): _(
        "The sequence code of a resident ID number is between 1 and 999, not %(sequence)s."
    ),
    ("resident_id_15", "length"): _(
        "A legacy resident ID number has 15 digits; this one has %(length)s."
    ),
    ("resident_id_15", "characters"): _("A legacy resident ID number consists of digits only."),
    ("resident_id_15", "birth_date"): _(
        "The birth date %(birth)s in this legacy resident ID number is not a real date."
    ),
    ("credit_code", "length"): _(
        "A unified social credit code has 18 characters; this one has %(length)s."
    ),
    ("credit_code", "characters"): _(
        "The unified social credit code contains characters that are not allowed "
        "(I, O, Z, S and V are never used; characters 3 to 8 are digits)."
    ),
    ("credit_code", "check_digit"): _(
        "Wrong check digit in the unified social credit code: the 18th character should be "
        "%(expected)s, not %(actual)s."
    ),
    ("credit_code", "embedded_check"): _(
        "The organisation code inside the unified social credit code (characters 9 to 17) has a "
        "wrong check character: the 17th character should be %(expected)s, not %(actual)s."
    ),
    ("credit_code", "region_code"): _(
        "Characters 3 to 8 of a unified social credit code are a 6-digit region code, "
        "not %(region_code)s."
    ),
    ("organisation_code", "length"): _(
        "An organisation code has 9 characters (8 plus a check character); this one has %(length)s."
    ),
    ("organisation_code", "characters"): _(
        "An organisation code consists of digits and capital letters, with a digit or X as check."
    ),
    ("organisation_code", "body_length"): _(
        "The body of an organisation code has 8 characters; this one has %(length)s."
    ),
    ("organisation_code", "check_digit"): _(
        "Wrong check character in the organisation code: the 9th character should be "
        "%(expected)s, not %(actual)s."
    ),
}


def message_for(error: IdentifierError) -> str:
    return str(MESSAGES[(error.kind, error.reason)] % error.params)


def _run(check: Callable[[str], object], value: str) -> None:
    try:
        check(value)
    except IdentifierError as error:
        raise ValidationError(message_for(error), code=error.reason) from None


def validate_resident_id(value: str) -> None:
    _run(checksums.parse_resident_id, value)


def validate_credit_code(value: str) -> None:
    _run(checksums.validate_credit_code, value)


def validate_organisation_code(value: str) -> None:
    _run(checksums.validate_organisation_code, value)
