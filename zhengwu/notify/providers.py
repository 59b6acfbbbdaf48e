"""SMS providers: one interface; settings.ZHENGWU_SMS_PROVIDER picks the class.

A real gateway (a carrier's or a government SMS platform's) is a subclass of ``SmsProvider``
whose ``send`` raises ``SmsError`` (or any exception) when the gateway refuses the message.
"""

import os
import uuid
from abc import ABC, abstractmethod
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The provider could not send the message; the text is stored on the failed Delivery."""


class SmsProvider(ABC):
    """Send one text message to one mobile number and return the provider's message id."""

    @abstractmethod
    def send(self, mobile: str, text: str) -> str:
        """Deliver the text; raise ``SmsError`` when the gateway refuses it."""

    @classmethod
    def dotted_path(cls) -> str:
        return f"{cls.__module__}.{cls.__qualname__}"


class LogFileSmsProvider(SmsProvider):
    """The embedded default: append one line per message to settings.ZHENGWU_SMS_LOG_FILE.

    Line format (tab-separated): ISO-8601 time, message id, full mobile number, text with
    line breaks escaped. The number is written in full on purpose: this file plays the part of
    the carrier's delivery record, which operators use to answer "did the applicant get the
    SMS?". It is created readable by its owner only (0600); screens show masked numbers.
    """

    def send(self, mobile: str, text: str) -> str:
        path = Path(settings.ZHENGWU_SMS_LOG_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        message_id = uuid.uuid4().hex
        flat = (
            text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace("\t", " ")
        )
        line = f"{timezone.now().isoformat()}\t{message_id}\t{mobile}\t{flat}\n"
        # One write of one line on an O_APPEND descriptor: concurrent workers do not interleave.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
        return message_id


def get_sms_provider() -> SmsProvider:
    """An instance of the configured provider (looked up on every call: settings may change)."""
    provider_class = import_string(settings.ZHENGWU_SMS_PROVIDER)
    return provider_class()
