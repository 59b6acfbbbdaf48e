"""Writing to the audit trail.

Call ``audit_record`` inside the transaction of the change it records (or ``audit_read`` for a
sensitive read), so that the entry and the change commit or fail together. The entries a
transaction records are chained and written together just before it commits (``_append``).
"""

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.audit import context
from zhengwu.audit.chain import compute_hash
from zhengwu.audit.models import GENESIS_HASH, AppendOnlyError, AuditChainHead, AuditEntry
from zhengwu.audit.sensitive import Masker, protect_changes, sensitive_fields_for
from zhengwu.core.db.hooks import before_commit
from zhengwu.core.db.rows import insert_all
from zhengwu.core.errors import ValidationFailed

ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$")
MASKED_FIELDS = frozenset({"password"})
MASK = "******"


class _Encoder(DjangoJSONEncoder):
    """Dates, decimals, UUIDs and lazy strings as Django does; anything else by its text."""

    def default(self, o: Any) -> Any:
        if isinstance(o, set | frozenset):
            return sorted(o, key=str)
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL characters and UTF-8 refuses lone surrogates; an audit write must
    # never fail (and take the audited change down with it) because of odd input.
    return value.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        # jsonb returns 1e20 as the integer 100000000000000000000: store integral floats as ints
        # so that the value read back hashes exactly like the value written.
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {_clean_text(str(k)): _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def _json_safe(value: Any) -> Any:
    """Exactly what the database will give back: JSON round-trip, then the normalisations above."""
    return _normalise(json.loads(json.dumps(value, cls=_Encoder, ensure_ascii=False)))


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value differs."""
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """Field values for ``changes_between``: related objects as "name (#pk)", many-to-many as a
    sorted pk list, passwords masked."""
    data: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if name in MASKED_FIELDS:
            data[name] = MASK if getattr(instance, name) else ""
        elif field.many_to_many:
            data[name] = (
                sorted(getattr(instance, name).values_list("pk", flat=True)) if instance.pk else []
            )
        elif field.is_relation and (field.many_to_one or field.one_to_one):
            pk = getattr(instance, field.attname)
            data[name] = None if pk is None else f"{getattr(instance, name)} (#{pk})"
        else:
            data[name] = getattr(instance, name)
    return data


def _actor_repr(actor: Any) -> str:
    if actor is None:
        return "system"
    if getattr(actor, "is_authenticated", False):
        return actor.get_username()
    if getattr(actor, "is_anonymous", False):
        return "anonymous"
    return str(actor)  # e.g. "system:demo" for management commands


def _lock_head() -> AuditChainHead:
    try:
        return AuditChainHead.objects.select_for_update().get(pk=1)
    except AuditChainHead.DoesNotExist:
        # Migration 0004 creates the head; only a flushed test database lacks it. If entries
        # exist, the head was deleted: refuse rather than restart the chain over the evidence.
        if AuditEntry.objects.exists():
            raise AppendOnlyError(
                "the audit chain head is missing; run `manage.py audit_verify`"
            ) from None
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
        )
        return head


# The chain head as this process last wrote it, per database alias: (last_seq, last_hash). Only a
# hint: ``_append`` moves the head with an UPDATE that matches both values, which also takes the
# row lock; a stale hint (another process wrote, a rollback undid our write) matches no row and
# falls back to reading the head under lock. Saves the locking SELECT on most appends.
_head_hint: dict[str, tuple[int, str]] = {}
_PENDING_KEY = "audit.entries"


def _append(entries: list[AuditEntry]) -> None:
    """Chain ``entries`` after the head, move the head once and insert them all. Runs just before
    the transaction that recorded them commits (``core.db.hooks``), so the head's row lock, which
    serialises every writer of the chain, is held only for the commit itself."""
    connection = transaction.get_connection()
    hint = _head_hint.get(connection.alias)
    moved = False
    if hint is not None:
        last = _chain(entries, *hint)
        with connection.cursor() as cursor:
            cursor.execute(_move_head(connection), [*last, *hint])
            moved = cursor.rowcount == 1
    if not moved:
        head = _lock_head()
        last = _chain(entries, head.last_seq, head.last_hash)
        head.last_seq, head.last_hash = last
        head.save(update_fields=["last_seq", "last_hash"])
    _head_hint[connection.alias] = last
    # Written as SQL built once (core.db.rows): every state change of the system appends here.
    insert_all(entries, bypass_save=True)


def _chain(entries: list[AuditEntry], seq: int, prev_hash: str) -> tuple[int, str]:
    """Give each entry its seq, prev_hash and entry_hash after (seq, prev_hash); the last pair."""
    for entry in entries:
        seq += 1
        entry.seq = seq
        entry.prev_hash = prev_hash
        entry.entry_hash = prev_hash = compute_hash(entry, prev_hash)
    return seq, prev_hash


_move_head_sql: dict[str, str] = {}


def _move_head(connection: Any) -> str:
    """The head's conditional UPDATE, written once per vendor (see ``_head_hint``)."""
    if (sql := _move_head_sql.get(connection.vendor)) is None:
        q = connection.ops.quote_name
        sql = _move_head_sql[connection.vendor] = (
            f"UPDATE {q(AuditChainHead._meta.db_table)} SET {q('last_seq')} = %s, "  # noqa: S608
            f"{q('last_hash')} = %s WHERE {q('id')} = 1 AND {q('last_seq')} = %s "
            f"AND {q('last_hash')} = %s"
        )
    return sql


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
    sensitive_fields: Mapping[str, Masker] | None = None,
) -> AuditEntry:
    """Append one entry.

    ``action`` is ``"<module>.<entity>.<verb>"``, e.g. ``"directory.account.create"``.

    ``actor`` is an account, ``None`` for the system, or a short text such as ``"system:demo"``.
    Who/where comes from the request context bound by ``RequestContextMiddleware``.

    Values in ``changes`` of personal-data fields (registered for the object type with
    ``audit.sensitive.register_sensitive_fields``, or given as ``sensitive_fields``) are stored
    masked with a keyed fingerprint, never in clear.
    """
    if not ACTION_RE.match(action) or len(action) > 100:
        raise ValueError(f"audit action must look like 'module.entity.verb', got {action!r}")
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_repr = object_repr or str(target)
    maskers = {**sensitive_fields_for(object_type), **(sensitive_fields or {})}
    changes = protect_changes(changes or {}, maskers)
    ctx = context.current()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    entry = AuditEntry(
        occurred_at=timezone.now(),
        actor=actor if is_user else None,
        actor_repr=_clean_text(_actor_repr(actor))[:150],
        ip=ctx.ip[:45],
        user_agent=_clean_text(ctx.user_agent)[:300],
        request_id=ctx.request_id[:64],
        action=action,
        object_type=_clean_text(object_type)[:100],
        object_id=_clean_text(object_id)[:64],
        object_repr=_clean_text(object_repr)[:300],
        changes=_json_safe(changes or {}),
        reason=_clean_text(reason),
        is_read=is_read,
    )
    # Appended with the transaction's other entries just before it commits; seq and pk are set
    # then (at once outside a transaction).
    before_commit(_PENDING_KEY, entry, _append)
    return entry


def audit_read(*, actor: Any, target: models.Model, purpose: str, action: str = "") -> AuditEntry:
    """Record a sensitive read (个人信息保护法 §6: a stated purpose) of ``target``.

    ``action`` defaults to ``"<app>.<model>.read"``. An empty purpose is refused with a Chinese
    message, so a view can pass the purpose its user typed straight through.
    """
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationFailed(_("State the purpose of looking at this record."))
    return audit_record(
        actor=actor,
        action=action or f"{target._meta.label_lower}.read",
        target=target,
        reason=purpose,
        is_read=True,
    )


def audit_entry_open(*, actor: Any, entry: AuditEntry, purpose: str) -> AuditEntry:
    """An auditor opens one entry: a sensitive read of the trail itself, with its purpose."""
    return audit_read(actor=actor, target=entry, purpose=purpose, action="audit.entry.read")
