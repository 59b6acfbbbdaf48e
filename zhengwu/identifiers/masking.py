"""Masking of personal identifiers for display and for the audit trail (个人信息保护法 §51:
screens and records show only what the reader needs). The one implementation in the platform:
directory, notify and audit use these functions."""

from zhengwu.identifiers.checksums import normalise


def _keep_ends(value: str, head: int, tail: int) -> str:
    """Keep ``head`` leading and ``tail`` trailing characters; too short a value is all stars."""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_resident_id(value: str | None) -> str:
    """``11010519491231002x`` → ``110105********002X``: region kept, birth date hidden."""
    if not value:
        return ""
    return _keep_ends(normalise(value), 6, 4)


def mask_credit_code(value: str | None) -> str:
    """``91990100MA1234567X`` → ``91990100********7X``: category and region kept. Credit codes
    of organisations are public; this is for individual businesses (个体工商户) shown in lists."""
    if not value:
        return ""
    return _keep_ends(normalise(value), 8, 2)


def mask_mobile(value: str | None) -> str:
    """``13912345678`` → ``139****5678``; a number of 7 digits or fewer is all stars."""
    if not value:
        return ""
    return _keep_ends(value.strip(), 3, 4)


def mask_email(value: str | None) -> str:
    """``zhangsan@example.com`` → ``z***@example.com``; text without ``@`` is masked as a number."""
    if not value:
        return ""
    local, sep, domain = value.strip().partition("@")
    if not sep:
        return mask_mobile(value)
    return f"{local[:1]}***@{domain}"


def mask_address(value: str | None) -> str:
    """A notification address: an e-mail address or a phone number."""
    if not value:
        return ""
    return mask_email(value) if "@" in value else mask_mobile(value)
