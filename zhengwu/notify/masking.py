"""Masking of phone numbers and e-mail addresses for display.

个人信息保护法: screens show only what the reader needs.
"""


def mask_mobile(mobile: str) -> str:
    """``13812345678`` → ``138****5678``; short numbers keep only their last two digits."""
    digits = mobile.strip()
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def mask_email(email: str) -> str:
    """``zhangsan@example.com`` → ``z***@example.com``."""
    local, sep, domain = email.strip().partition("@")
    if not sep:
        return mask_mobile(email)
    return f"{local[:1]}***@{domain}"


def mask_address(address: str) -> str:
    if not address:
        return ""
    return mask_email(address) if "@" in address else mask_mobile(address)
