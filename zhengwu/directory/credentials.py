"""Initial passwords: random for accounts an administrator creates, derived for demo accounts.

Both shapes satisfy the platform policy (≥ 8 characters, 3+ character classes) and avoid
characters that are easily confused when read out or copied from paper (0/O, 1/l/I).
"""

import hashlib
import hmac
import secrets

from django.conf import settings

_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_LOWER = "abcdefghijkmnopqrstuvwxyz"
_DIGITS = "23456789"


def password_from_bytes(seed: bytes) -> str:
    """Map 10+ bytes to a readable password like ``Kmtwr-4827x`` (upper, lower, digit, symbol)."""

    def pick(alphabet: str, byte: int) -> str:
        return alphabet[byte % len(alphabet)]

    head = pick(_UPPER, seed[0]) + "".join(pick(_LOWER, b) for b in seed[1:5])
    tail = "".join(pick(_DIGITS, b) for b in seed[5:9]) + pick(_LOWER, seed[9])
    return f"{head}-{tail}"


def random_password() -> str:
    return password_from_bytes(secrets.token_bytes(16))


def demo_password(username: str, attempt: int = 0) -> str:
    """A stable password for a demo account: the same on every run, never stored in clear text.

    Derived with HMAC from the deployment's SECRET_KEY, so another deployment's demo accounts
    have other passwords. ``attempt`` derives an alternative should a policy refuse one.
    """
    message = f"zhengwu-demo-password:{username}:{attempt}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return password_from_bytes(digest)
