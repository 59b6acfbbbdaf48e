"""Writing to the audit trail. Call ``audit_record`` inside the transaction of the change it records."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from zhengwu.audit import context
from zhengwu.audit.chain import compute_hash
from zhengwu.audit.models import AuditChainHead, AuditEntry


def _json_safe(value: Any) -> Any:
    # Store exactly what was hashed: JSON round-trip dates, decimals and UUIDs to strings.
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value differs."""
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


@transaction.atomic
def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    is_read: bool = False,
) -> AuditEntry:
    """Append one entry. ``action`` is ``"<module>.<entity>.<verb>"``, e.g. ``"directory.account.create"``."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_repr = object_repr or str(target)[:300]
    ctx = context.current()
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    entry = AuditEntry(
        seq=head.last_seq + 1,
        occurred_at=timezone.now(),
        actor=actor if is_user else None,
        actor_repr=(actor.get_username() if is_user else str(actor or "system"))[:150],
        ip=ctx.ip,
        user_agent=ctx.user_agent,
        request_id=ctx.request_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        changes=_json_safe(changes or {}),
        reason=reason,
        is_read=is_read,
        prev_hash=head.last_hash,
    )
    entry.entry_hash = compute_hash(entry, head.last_hash)
    entry.save(force_insert=True)
    head.last_seq = entry.seq
    head.last_hash = entry.entry_hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry
