"""TOTP (RFC 6238) enrolment helpers: secrets, provisioning URIs and their QR codes.

The secret of a device being enrolled lives in the session until the user proves, with a first
code, that their authenticator app holds it; only then is a confirmed device saved.
"""

from base64 import b32encode
from binascii import unhexlify

import segno
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from zhengwu.directory.models import Account

STEP_SECONDS = 30
DIGITS = 6
TOLERANCE_STEPS = 1  # accept the previous and the next code too (clock drift of phones)


def new_secret() -> str:
    """A fresh 160-bit key (RFC 4226's recommendation), hex-encoded as TOTPDevice.key stores it."""
    return random_hex(20)


def secret_base32(key_hex: str) -> str:
    """The key as authenticator apps expect it for manual entry, in groups of four."""
    raw = b32encode(unhexlify(key_hex)).decode("ascii").rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def provisioning_uri(account: Account, key_hex: str) -> str:
    # An unsaved device builds the otpauth:// URI with OTP_TOTP_ISSUER exactly as django-otp does.
    return TOTPDevice(user=account, key=key_hex, step=STEP_SECONDS, digits=DIGITS).config_url


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no external service: government networks are offline)."""
    return segno.make(uri, error="m").svg_inline(
        scale=5, border=2, title=_("QR code for your authenticator app"), svgclass="totp-qr"
    )


def matching_step(key_hex: str, token: str) -> int | None:
    """The time step the token belongs to, or None when it is not a current code for this key."""
    token = token.strip().replace(" ", "")
    if not (token.isdigit() and len(token) == DIGITS):
        return None
    totp = TOTP(unhexlify(key_hex), step=STEP_SECONDS, digits=DIGITS)
    if totp.verify(int(token), tolerance=TOLERANCE_STEPS):
        return totp.t()
    return None
