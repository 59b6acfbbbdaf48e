"""Rows inserted and updated with SQL written once per model (the hot paths' writes).

``insert(obj)`` does what ``obj.save(force_insert=True)`` does, ``insert_all(objs)`` what
``bulk_create`` does with the new ids set, ``update(obj, fields)`` what ``obj.save(update_fields=
fields)`` does. The ORM builds the same statement again for every row it writes, about half of
a row's cost; here the statement of each model (and set of updated fields) is written once per
database vendor and only the values are prepared, by the fields' own ``pre_save`` and
``get_db_prep_save`` as the ORM prepares them (docs/architecture.md "Plain statements").

``pre_save`` and ``post_save`` are sent for every row as ``save()`` sends them. A model with a
``save()`` of its own, one that is not a plain table with an automatic id (inheritance,
proxies, ``order_with_respect_to``, database defaults, generated columns), a row that already
has its id and a value that is an expression all go through the ORM as before, so the shortcut
never changes what a save does.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, connections, router, transaction
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Insert:
    head: str  # INSERT INTO … VALUES
    row: str  # one row's placeholders
    returning: str
    fields: tuple[Field, ...]


_inserts: dict[tuple[type[Model], str], _Insert] = {}
_updates: dict[tuple[type[Model], str, tuple[str, ...]], tuple[str, tuple[Field, ...]]] = {}
_plain_models: dict[type[Model], bool] = {}


def _is_plain(model: type[Model]) -> bool:
    if (known := _plain_models.get(model)) is not None:
        return known
    meta = model._meta
    fields = meta.local_concrete_fields
    plain = not (
        meta.parents
        or meta.proxy
        or meta.order_with_respect_to
        or meta.auto_field is None
        or len(meta.pk_fields) != 1
        or any(f.generated or f.has_db_default() or hasattr(f, "get_placeholder") for f in fields)
    )
    _plain_models[model] = plain
    return plain


def _saves_itself(model: type[Model]) -> bool:
    return model.save is not Model.save


def _insert_statement(model: type[Model], connection: Any) -> _Insert:
    key = (model, connection.vendor)
    if (cached := _inserts.get(key)) is not None:
        return cached
    meta, q = model._meta, connection.ops.quote_name
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)
    statement = _Insert(
        head=(
            f"INSERT INTO {q(meta.db_table)} "  # noqa: S608 - names, bound values
            f"({', '.join(q(f.column) for f in fields)}) VALUES "
        ),
        row=f"({', '.join(['%s'] * len(fields))})",
        returning=(
            f" RETURNING {q(meta.pk.column)}"
            if connection.features.can_return_rows_from_bulk_insert
            else ""
        ),
        fields=fields,
    )
    _inserts[key] = statement
    return statement


def _update_statement(
    model: type[Model], connection: Any, fields: Sequence[str]
) -> tuple[str, tuple[Field, ...]]:
    key = (model, connection.vendor, tuple(fields))
    if (cached := _updates.get(key)) is not None:
        return cached
    meta, q = model._meta, connection.ops.quote_name
    try:
        targets = tuple(meta.get_field(name) for name in fields)
    except FieldDoesNotExist:
        targets = ()
    if not targets or any(f not in meta.local_concrete_fields or f.primary_key for f in targets):
        raise ValueError(f"update: {list(fields)} are not plain columns of {meta.label}")
    sets = ", ".join(f"{q(f.column)} = %s" for f in targets)
    sql = f"UPDATE {q(meta.db_table)} SET {sets} WHERE {q(meta.pk.column)} = %s"  # noqa: S608
    _updates[key] = (sql, targets)
    return sql, targets


def _has_expression(obj: Model, fields: Sequence[Field]) -> bool:
    return any(hasattr(getattr(obj, f.attname), "resolve_expression") for f in fields)


def _values(obj: Model, fields: Sequence[Field], add: bool, connection: Any) -> list[Any]:
    """The row's values as the ORM binds them (``auto_now`` and the like filled in)."""
    return [f.get_db_prep_save(f.pre_save(obj, add), connection) for f in fields]


def insert(obj: M) -> M:
    """INSERT ``obj`` (a new row) and set its id, as ``obj.save(force_insert=True)``."""
    insert_all([obj])
    return obj


def insert_all(objs: Sequence[M], *, bypass_save: bool = False) -> list[M]:
    """INSERT new rows of one model in as few statements as the database allows; ids set.
    ``bypass_save``: the caller is the one place that writes these rows, and the model's own
    ``save()`` refuses everyone else (the audit chain)."""
    if not objs:
        return []
    model = type(objs[0])
    if any(type(o) is not model for o in objs):
        raise TypeError("insert_all takes rows of one model")
    using = router.db_for_write(model, instance=objs[0])
    connection = connections[using]
    own_save = _saves_itself(model) and not bypass_save
    statement = _insert_statement(model, connection) if _is_plain(model) and not own_save else None
    plain: list[M] = []
    for obj in objs:
        if statement is None or obj.pk is not None or _has_expression(obj, statement.fields):
            obj.save(force_insert=True, using=using)
        else:
            plain.append(obj)
    if statement is None or not plain:
        return list(objs)
    values = []
    for obj in plain:
        obj._prepare_related_fields_for_save(operation_name="save")
        pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
        values.append(_values(obj, statement.fields, True, connection))
    # Without RETURNING the id comes from lastrowid, so one row at a time.
    batch = (connection.ops.bulk_batch_size(statement.fields, plain) or len(plain)
             if statement.returning else 1)  # fmt: skip
    # All rows or none, as bulk_create; a failure marks the caller's block for rollback, as save().
    with (
        (
            transaction.atomic(using=using, savepoint=False)
            if len(plain) > batch
            else transaction.mark_for_rollback_on_error(using)
        ),
        connection.cursor() as cursor,
    ):
        for start in range(0, len(plain), batch):
            chunk = values[start : start + batch]
            sql = statement.head + ", ".join([statement.row] * len(chunk)) + statement.returning
            cursor.execute(sql, [v for row in chunk for v in row])
            ids = [r[0] for r in cursor.fetchall()] if statement.returning else [cursor.lastrowid]
            for obj, pk in zip(plain[start : start + batch], ids, strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = using
    for obj in plain:
        post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False,
                       using=using)  # fmt: skip
    return list(objs)


def update(obj: Model, fields: Sequence[str]) -> None:
    """UPDATE the named fields of ``obj``'s row, as ``obj.save(update_fields=fields)``."""
    model = type(obj)
    using = router.db_for_write(model, instance=obj)
    connection = connections[using]
    fields = list(dict.fromkeys(fields))  # a name given twice is one column, as in save()
    if not fields:
        return  # as save(update_fields=[]): nothing to write, nothing sent
    if not _is_plain(model) or _saves_itself(model) or obj.pk is None:
        obj.save(update_fields=fields, using=using)
        return
    sql, targets = _update_statement(model, connection, fields)
    if _has_expression(obj, targets):
        obj.save(update_fields=fields, using=using)
        return
    obj._prepare_related_fields_for_save(operation_name="save")
    named = frozenset(fields)
    pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=named)
    values = _values(obj, targets, False, connection)
    pk = model._meta.pk.get_db_prep_value(obj.pk, connection)
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, [*values, pk])
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.db = using
    post_save.send(sender=model, instance=obj, created=False, update_fields=named, raw=False,
                   using=using)  # fmt: skip
