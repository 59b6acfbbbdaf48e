"""电子证照标识 (GB/T 36904-2018): ``根代码.证照类型代码.颁发机构代码.流水号.版本号.校验位``.

The check character is ISO 7064 MOD 37,36 (hybrid) over the concatenation, without the dots,
of the segments after the root code (cn-standards.md §8.1 says "the concatenation without
dots"; its three worked examples only come out right without the root code, see the tests).
"""

import re

ROOT_CODE = "1.2.156.3005.2"
ALNUM36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SEGMENT = re.compile(r"^[0-9A-Z]+$")


def check_char(text: str) -> str:
    """ISO 7064 MOD 37,36 check character of ``text`` (digits and upper-case letters; dots are
    ignored)."""
    p = 36
    for char in text.replace(".", ""):
        t = (p + ALNUM36.index(char)) % 36
        t = t or 36
        p = (2 * t) % 37
    return ALNUM36[(37 - p) % 36]


def build(*, type_code: str, issuer_code: str, serial: str, version: int = 1) -> str:
    """The full identifier with its check character."""
    for segment in (type_code, issuer_code, serial):
        if not _SEGMENT.match(segment):
            raise ValueError(f"identifier segment {segment!r} must be digits and capitals")
    tail = f"{type_code}.{issuer_code}.{serial}.{version:03d}"
    return f"{ROOT_CODE}.{tail}.{check_char(tail)}"


def is_valid(identifier: str) -> bool:
    body, _, check = identifier.rpartition(".")
    if not body.startswith(ROOT_CODE + ".") or len(check) != 1:
        return False
    try:
        return check_char(body.removeprefix(ROOT_CODE + ".")) == check
    except ValueError:
        return False
