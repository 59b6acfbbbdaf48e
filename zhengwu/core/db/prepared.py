"""Querysets compiled once and run again with new values (the hot paths' reads).

The ORM turns a queryset into SQL again every time it runs it. For a lookup by code with a
``select_related`` that is ~0.5 ms of Python, ten times what the database takes to answer, and
a submission makes a dozen such reads (docs/architecture.md "Plain statements"). A
``PreparedQuery`` builds its queryset once per database connection with placeholder values,
keeps the SQL, and then only binds the values and turns the rows into model instances the way
the ORM does (its field converters, ``select_related`` populators and annotations).

The builder must depend on nothing but its arguments: the SQL is kept, so ``timezone.now()`` or
a setting read inside it would be frozen at the first call. Arguments are text or whole numbers
and may only be compared for equality (``field=value``): the placeholders must reach the SQL
parameters unchanged, which is checked when the SQL is built (twice, with two sets of
placeholders). ``prefetch_related`` is not supported; fetch the related rows with a second
prepared query and hand them over with ``set_prefetched``.
"""

import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

T = TypeVar("T")

_INT_RANGE = range(-(2**63), 2**63)  # what a bound integer may be (SQLite's and bigint's)


class _NoRows(Exception):
    """A value no column can hold: nothing matches (as the ORM answers)."""


@dataclass(frozen=True)
class _Slot:
    name: str
    kind: type


@dataclass
class _Compiled:
    sql: str
    params: list[Any]  # constants, and _Slot where a value is bound
    converters: list[tuple[int, list[Any], Any]]
    make: Callable[[list[Any]], Any]


class PreparedQuery(Generic[T]):
    """``build(**values)`` returns the queryset; ``kinds`` names each value's type (str or int)."""

    def __init__(self, build: Callable[..., QuerySet[Any]], **kinds: type) -> None:
        if not kinds or any(kind not in (str, int) for kind in kinds.values()):
            raise TypeError("a prepared query takes text or integer values (str or int)")
        self.build = build
        self.kinds = kinds
        self._compiled: weakref.WeakKeyDictionary[Any, _Compiled] = weakref.WeakKeyDictionary()

    def all(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[T]:
        connection = connections[using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(connection)
        try:
            params = [self._value(p, values) if type(p) is _Slot else p for p in compiled.params]
        except _NoRows:
            return []
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return [compiled.make(row) for row in _converted(rows, compiled.converters, connection)]

    def first(self, using: str = DEFAULT_DB_ALIAS, **values: Any) -> T | None:
        """The first row; the builder limits the query (``[:1]``) where more could match."""
        found = self.all(using, **values)
        return found[0] if found else None

    def _value(self, slot: _Slot, values: dict[str, Any]) -> Any:
        value = values[slot.name]
        if type(value) is not slot.kind:  # bool is not int here: it would bind as 1/0
            raise TypeError(f"{slot.name} must be {slot.kind.__name__}, got {value!r}")
        if slot.kind is int and value not in _INT_RANGE:
            raise _NoRows()
        return value

    def _placeholders(self, round_: int) -> dict[str, Any]:
        # Text with LIKE's special characters, so that a lookup that escapes its value (and would
        # then bind an unescaped one) is caught; small numbers, which fit every integer column.
        return {
            name: f"\ue000zw{round_}:{n}%_\\" if kind is str else 1000 * round_ + n
            for n, (name, kind) in enumerate(self.kinds.items())
        }

    def _compile(self, connection: Any) -> _Compiled:
        # Built twice with different placeholders: the parameters that change are the values,
        # the ones that do not are constants (even one equal to a placeholder).
        first, second = self._placeholders(1), self._placeholders(2)
        queryset = self.build(**first)
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError("a prepared query cannot prefetch; see set_prefetched")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params_1 = compiler.as_sql()
        sql_2, params_2 = self.build(**second).query.get_compiler(connection=connection).as_sql()
        slots = {
            (first[name], second[name]): _Slot(name, kind) for name, kind in self.kinds.items()
        }
        params: list[Any] = []
        for one, two in zip(params_1, params_2, strict=False):
            if one == two and type(one) is type(two):
                params.append(one)
            elif isinstance(one, str | int) and (slot := slots.get((one, two))) is not None:
                params.append(slot)
            else:
                params = []
                break
        missing = sorted(set(self.kinds) - {p.name for p in params if type(p) is _Slot})
        if sql != sql_2 or len(params_1) != len(params_2) or missing:
            raise ValueError(
                f"prepared query: {missing or sorted(self.kinds)} did not reach the SQL unchanged; "
                "only equality with text or integer values can be prepared"
            )
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        converters = [
            (pos, convs, expression)
            for pos, (convs, expression) in compiler.get_converters(fields).items()
        ]
        return _Compiled(sql, params, converters, _maker(queryset, compiler))


def _converted(
    rows: list[Any], converters: list[tuple[int, list[Any], Any]], connection: Any
) -> Iterator[list[Any]]:
    for row in rows:
        row = list(row)
        for pos, convs, expression in converters:
            value = row[pos]
            for convert in convs:
                value = convert(value, expression, connection)
            row[pos] = value
        yield row


def _maker(queryset: QuerySet[Any], compiler: Any) -> Callable[[list[Any]], Any]:
    """Row -> result, as the queryset's iterable class makes it."""
    iterable = queryset._iterable_class
    if iterable is FlatValuesListIterable:
        return lambda row: row[0]
    if iterable is ValuesListIterable:
        return tuple
    if iterable is not ModelIterable:
        raise ValueError("a prepared query returns model instances or values_list rows")
    db = queryset.db
    select, klass_info = compiler.select, compiler.klass_info
    annotations = list(compiler.annotation_col_map.items())
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    populators = get_related_populators(klass_info, select, db)

    def make(row: list[Any]) -> Model:
        obj = model.from_db(db, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for name, pos in annotations:
            setattr(obj, name, row[pos])
        return obj

    return make


def set_prefetched(obj: Model, name: str, related: list[Any]) -> None:
    """Hand ``related`` to ``obj`` as if ``prefetch_related(name)`` had fetched it: ``obj.<name>
    .all()`` then reads no rows. Filtering it still asks the database, as with a prefetch."""
    queryset = getattr(obj, name).get_queryset()
    queryset._result_cache = related
    queryset._prefetch_done = True
    obj.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset
