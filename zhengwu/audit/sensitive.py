"""Personal data in the audit trail is stored masked, with a keyed fingerprint.

The trail is read by auditors and exported to Excel; it must not become a second copy of the
population register (个人信息保护法 §51). Modules register which fields of their objects are
personal data (``register_sensitive_fields``) or pass ``sensitive_fields`` to ``audit_record``;
``audit_record`` then stores each such value as ``<masked> #<fingerprint>``, e.g.
``139****5678 #3f2a9c1b7d4e``.

The fingerprint is HMAC-SHA256 (first 12 hex digits) under a key derived from SECRET_KEY. It
tells two values with the same mask apart (a change of a middle digit stays visible) and lets
an investigator who already holds a number confirm that a record is about it
(``fingerprint(number)``), while an unkeyed hash of an ID number could be brute-forced from the
trail alone (birth dates and regions leave about 10⁹ candidates). Fingerprints can only be
recomputed with the same SECRET_KEY: keep it when rotating the application's other secrets.
"""

import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings

from zhengwu.identifiers.masking import mask_email, mask_mobile, mask_resident_id

Masker = Callable[[str], str]

_registry: dict[str, dict[str, Masker]] = {}

def mask_date(value: str) -> str:
    """``1949-12-31`` → ``1949-**-**``: with a masked ID number, a full birth date would give
    the number back (its middle eight digits)."""
    return value[:4] + "-**-**" if len(value) >= 4 else "*" * len(value)


#: Shorthands for ``register_sensitive_fields``.
MASKERS: dict[str, Masker] = {
    "resident_id": mask_resident_id,
    "mobile": mask_mobile,
    "email": mask_email,
    "date": mask_date,
}


def register_sensitive_fields(object_type: str, fields: Mapping[str, Masker | str]) -> None:
    """Declare personal-data fields of ``object_type`` ("app_label.model"): their values are
    masked in every ``changes`` recorded for such an object. A masker is a function or one of
    the names in ``MASKERS``."""
    resolved = {name: MASKERS[m] if isinstance(m, str) else m for name, m in fields.items()}
    _registry.setdefault(object_type, {}).update(resolved)


def sensitive_fields_for(object_type: str) -> dict[str, Masker]:
    return dict(_registry.get(object_type, {}))


def fingerprint(value: str) -> str:
    """The keyed fingerprint stored next to a masked value (see the module docstring)."""
    key = hmac.new(settings.SECRET_KEY.encode(), b"zhengwu-audit-fingerprint", hashlib.sha256)
    return hmac.new(key.digest(), value.strip().encode(), hashlib.sha256).hexdigest()[:12]


def protect(value: Any, masker: Masker) -> Any:
    """``<masked> #<fingerprint>`` for a value (dates as ISO text); empty values stay as they
    are, ``[old, new]`` pairs are protected element by element."""
    if isinstance(value, list):
        return [protect(v, masker) for v in value]
    if value is None or value == "":
        return value
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"{masker(text)} #{fingerprint(text)}"


def protect_changes(changes: dict[str, Any], maskers: Mapping[str, Masker]) -> dict[str, Any]:
    if not maskers:
        return changes
    return {k: protect(v, maskers[k]) if k in maskers else v for k, v in changes.items()}
