"""Check-digit rules of the national identifier standards (pure functions, no Django).

- 公民身份号码 GB 11643-1999: ISO 7064 MOD 11-2; the legacy 15-digit form (GB 11643-1989) upgrades
  by inserting the century "19" and appending the check digit.
- 统一社会信用代码 GB 32100-2015: MOD 31 over a 31-character alphabet; characters 9-17 are the
  主体标识码, an 组织机构代码 carrying its own GB 11714 check character.
- 组织机构代码 GB 11714-1997: MOD 11 over 0-9A-Z.
Numbers and worked examples: shared/research/cn-standards.md §6.

Validation raises ``IdentifierError`` with a stable reason code; ``validators.message_for`` turns it
into the translated message. Generators build valid identifiers for the demo world and tests.
"""

import datetime as dt
import re
import unicodedata

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORGANISATION_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Earliest birth year accepted: nobody alive was born before it, and it keeps typos like 0949 out.
EARLIEST_BIRTH_YEAR = 1800
# Birth dates are Chinese calendar dates: "today" is today in Beijing time, whatever the server.
CHINA_STANDARD_TIME = dt.timezone(dt.timedelta(hours=8))

_RESIDENT_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_RESIDENT_ID_15_SHAPE = re.compile(r"^\d{15}$")
_CREDIT_CODE_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_ORGANISATION_CODE_SHAPE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")
_REGION_CODE_SHAPE = re.compile(r"^\d{6}$")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—－]+")  # spaces and every dash a form may receive


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
    """Fold full-width characters (NFKC), drop spaces and dashes, upper-case (x → X)."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


def _birth_date(digits: str, kind: str) -> dt.date:
    try:
        birth = dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdentifierError(kind, "birth_date", birth=digits) from None
    if birth.year < EARLIEST_BIRTH_YEAR or birth > dt.datetime.now(tz=CHINA_STANDARD_TIME).date():
        raise IdentifierError(kind, "birth_date", birth=digits)
    return birth


def parse_resident_id(value: str) -> tuple[str, dt.date, str]:
    """Validate an 18-digit 公民身份号码; return (region code, birth date, sex 'M'/'F')."""
    code = normalise(value)
    if len(code) != 18:
        raise IdentifierError("resident_id", "length", length=len(code))
    if not _RESIDENT_ID_SHAPE.match(code):
        raise IdentifierError("resident_id", "characters")
    birth = _birth_date(code[6:14], "resident_id")
    expected = resident_id_check_char(code[:17])
    if code[17] != expected:
        raise IdentifierError("resident_id", "check_digit", expected=expected, actual=code[17])
    return code[:6], birth, "M" if int(code[16]) % 2 else "F"


def upgrade_resident_id_15(value: str) -> str:
    """Turn a legacy 15-digit number (GB 11643-1989: 6 address, YYMMDD, 3 sequence) into 18 digits.

    The old form carried no century and no check digit; everyone who held one was born in the
    1900s, so "19" is inserted before the year and the MOD 11-2 check digit appended.
    """
    code = normalise(value)
    if len(code) != 15:
        raise IdentifierError("resident_id_15", "length", length=len(code))
    if not _RESIDENT_ID_15_SHAPE.match(code):
        raise IdentifierError("resident_id_15", "characters")
    first17 = f"{code[:6]}19{code[6:]}"
    _birth_date(first17[6:14], "resident_id_15")
    return first17 + resident_id_check_char(first17)


def generate_resident_id(region_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid 公民身份号码. ``sequence`` is the 顺序码 1-999: odd = male, even = female."""
    if not _REGION_CODE_SHAPE.match(region_code):
        raise IdentifierError("resident_id", "region_code", region_code=region_code)
    if not 1 <= sequence <= 999:
        raise IdentifierError("resident_id", "sequence", sequence=sequence)
    if isinstance(birth_date, dt.datetime):
        birth_date = birth_date.date()
    digits = f"{birth_date:%Y%m%d}"
    _birth_date(digits, "resident_id")
    first17 = f"{region_code}{digits}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


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
    embedded = organisation_code_check_char(code[8:16])
    if code[16] != embedded:
        raise IdentifierError("credit_code", "embedded_check", expected=embedded, actual=code[16])
    return code


def generate_organisation_code(body8: str) -> str:
    """Append the GB 11714 check character to an 8-character body; return 'XXXXXXXX-C'."""
    body = normalise(body8)
    if len(body) != 8:
        raise IdentifierError("organisation_code", "body_length", length=len(body))
    if any(c not in ORGANISATION_CODE_ALPHABET for c in body):
        raise IdentifierError("organisation_code", "characters")
    return f"{body}-{organisation_code_check_char(body)}"


def generate_credit_code(department: str, category: str, region_code: str, org_body8: str) -> str:
    """Build a valid 统一社会信用代码.

    ``department`` is the 登记管理部门代码 (e.g. 9 市场监管, 1 机构编制, 5 民政), ``category`` the
    机构类别代码 (e.g. 1 企业 under 9), ``region_code`` the registering authority's 6-digit
    GB/T 2260 code and ``org_body8`` the first 8 characters of the 主体标识码; its GB 11714 check
    character becomes character 17 and the GB 32100 check character character 18.
    """
    prefix = normalise(department + category)
    if len(prefix) != 2 or any(c not in CREDIT_CODE_ALPHABET for c in prefix):
        raise IdentifierError("credit_code", "characters")
    if not _REGION_CODE_SHAPE.match(region_code):
        raise IdentifierError("credit_code", "region_code", region_code=region_code)
    body = normalise(org_body8)
    if len(body) != 8:
        raise IdentifierError("organisation_code", "body_length", length=len(body))
    if any(c not in CREDIT_CODE_ALPHABET for c in body):
        # I, O, Z, S and V are legal in a stand-alone 组织机构代码 but not inside a credit code.
        raise IdentifierError("credit_code", "characters")
    first17 = f"{prefix}{region_code}{body}{organisation_code_check_char(body)}"
    return first17 + credit_code_check_char(first17)


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

