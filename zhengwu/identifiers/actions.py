"""Issuing numbers: gapless, never twice."""

import datetime as dt

from django.db import IntegrityError, transaction

from zhengwu.identifiers.models import NumberSequence
from zhengwu.identifiers.numbers import format_case_number

MIN_YEAR = 1900
MAX_YEAR = 9999
_CREATE_ATTEMPTS = 3


def number_next(*, register: str, year: int) -> int:
    """Issue the next number of ``register`` for ``year`` (1, 2, 3, … restarting each year).

    Call it inside the transaction that uses the number. The row stays locked (by the UPDATE,
    or SELECT … FOR UPDATE for the year's first number) until that transaction ends, so a
    concurrent caller waits and then gets the following number; if the transaction rolls back,
    so does the increment — no number is issued twice and none is skipped. The first call of a
    year creates the row; a concurrent creator losing the race on the unique constraint reads
    the winner's row instead (``get_or_create`` retries after the IntegrityError inside a
    savepoint).

    Outside a transaction the number would be committed at once and lost if the caller's own
    write then failed, so that is refused.
    """
    register = register.strip()
    if not register or len(register) > NumberSequence._meta.get_field("register").max_length:
        raise ValueError(f"invalid register name {register!r}")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} out of range")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next must run inside the transaction that uses the number")
    issued = _increment(register, year)
    if issued is not None:
        return issued
    row = _locked_row(register, year)  # the year's first number (or an old SQLite)
    row.last_value += 1
    row.save(update_fields=["last_value"])
    return row.last_value


def _increment(register: str, year: int) -> int | None:
    """One ``UPDATE … RETURNING`` (it takes the row lock as SELECT … FOR UPDATE would); None
    when the year's row does not exist yet or the database cannot return from an UPDATE."""
    connection = transaction.get_connection()
    if connection.vendor == "sqlite" and connection.Database.sqlite_version_info < (3, 35):
        return None
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(NumberSequence._meta.db_table)} SET {q('last_value')} = "  # noqa: S608
            f"{q('last_value')} + 1 WHERE {q('register')} = %s AND {q('year')} = %s "
            f"RETURNING {q('last_value')}",
            [register, year],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def _locked_row(register: str, year: int) -> NumberSequence:
    locked = NumberSequence.objects.select_for_update()
    for attempt in range(_CREATE_ATTEMPTS):
        try:
            # get_or_create inserts inside a savepoint, so a lost race leaves the caller's
            # transaction usable; it then re-reads (and locks) the winner's row.
            return locked.get_or_create(register=register, year=year)[0]
        except IntegrityError:
            # The re-read found nothing: the winner rolled back after all. Try again.
            if attempt == _CREATE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def case_number_next(*, register: str, region_code: str, on: dt.date) -> str:
    """Issue the next 办件编号 of ``register`` (see ``numbers.format_case_number``)."""
    return format_case_number(region_code, on, number_next(register=register, year=on.year))
