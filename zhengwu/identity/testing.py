"""Test helpers for other modules: sign a Django test client in as an account.

Accounts holding a sensitive role (Role.requires_second_factor) are sent to TOTP enrolment or
verification by AccountObligationsMiddleware; ``sign_in`` marks the session as verified so that
tests of other pages can reach them, as a real login with a TOTP code would.
"""

from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhengwu.identity import selectors


def sign_in(client: Any, account: Any, *, verified: bool = True) -> None:
    client.force_login(account)
    if not (verified and selectors.second_factor_required(account)):
        return
    device = TOTPDevice.objects.filter(user=account, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=account, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
