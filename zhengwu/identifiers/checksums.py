"""Check-digit rules of the national identifier standards (pure functions, no Django).

- 公民身份号码 GB 11643-1999: ISO 7064 MOD 11-2.
- 统一社会信用代码 GB 32100-2015: MOD 31 over a 31-character alphabet.
- 组织机构代码 GB 11714-1997: MOD 11 over 0-9A-Z.
Numbers and worked examples: shared/research/cn-standards.md §6.
"""

import datetime as dt
import re

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORGANISATION_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_RESIDENT_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_CREDIT_CODE_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_ORGANISATION_CODE_SHAPE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")


class IdentifierError(ValueError):
    """A malformed identifier.

    ``kind`` names the identifier, ``reason`` is a stable code and ``params`` fill the
    translated message that ``zhengwu.identifiers.validators`` builds from them.
    """

    def __init__(self, kind: str, reason: str, **params: object) -> None:
        self.kind = kind
        self.reason = reason
        self.params = params
        super().__init__(f"{kind}:{reason}:{params}")


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def organisation_code_check_char(body8: str) -> str:
    total = sum(
        ORGANISATION_CODE_ALPHABET.index(c) * w
        for c, w in zip(body8, ORGANISATION_CODE_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def normalise(value: str) -> str:
    return value.strip().replace(" ", "").replace("-", "").upper()


def parse_resident_id(value: str) -> tuple[str, dt.date, str]:
    """Validate an 18-digit 公民身份号码; return (region code, birth date, sex 'M'/'F')."""
    code = normalise(value)
    if len(code) != 18:
        raise IdentifierError("resident_id", "length", length=len(code))
    if not _RESIDENT_ID_SHAPE.match(code):
        raise IdentifierError("resident_id", "characters")
    try:
        birth = dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        raise IdentifierError("resident_id", "birth_date", birth=code[6:14]) from None
    if birth.year < 1800 or birth > dt.date.today():
        raise IdentifierError("resident_id", "birth_date", birth=code[6:14])
    expected = resident_id_check_char(code[:17])
    if code[17] != expected:
        raise IdentifierError("resident_id", "check_digit", expected=expected, actual=code[17])
    return code[:6], birth, "M" if int(code[16]) % 2 else "F"


def validate_credit_code(value: str) -> str:
    """Validate a 统一社会信用代码 (including its embedded 组织机构代码); return it normalised."""
    code = normalise(value)
    if len(code) != 18:
        raise IdentifierError("credit_code", "length", length=len(code))
    if not _CREDIT_CODE_SHAPE.match(code):
        raise IdentifierError("credit_code", "characters")
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise IdentifierError("credit_code", "check_digit", expected=expected, actual=code[17])
    return code


def validate_organisation_code(value: str) -> str:
    """Validate a 9-character 组织机构代码 (with or without the hyphen); return 'XXXXXXXX-C'."""
    code = normalise(value)
    if len(code) != 9:
        raise IdentifierError("organisation_code", "length", length=len(code))
    if not _ORGANISATION_CODE_SHAPE.match(code):
        raise IdentifierError("organisation_code", "characters")
    expected = organisation_code_check_char(code[:8])
    if code[8] != expected:
        raise IdentifierError("organisation_code", "check_digit", expected=expected, actual=code[8])
    return f"{code[:8]}-{code[8]}"
