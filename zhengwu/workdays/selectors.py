"""Working-day arithmetic for every time limit in the platform, and the calendar's queries.

Rules (行政许可法 Art. 82; 民法典 Art. 201 and 203):

* A working day is Monday to Friday, except statutory holidays (法定节假日); a 调休 make-up
  workday (a Saturday or Sunday declared a working day) is a working day.
* Counting starts on the day after the start date (开始的当日不计入，自下一日开始计算).
  ``add_working_days(start, n)`` is the n-th working day after ``start``; it is therefore always a
  working day, which also honours Art. 203 (a period ending on a holiday ends on the next working
  day). ``n == 0`` returns ``start`` itself (an on-the-spot matter). A negative ``n`` counts
  backwards from the day before ``start``: ``add_working_days(due, -3)`` is the third working day
  before ``due``, e.g. for a reminder.
* ``working_days_between(a, b)`` counts the working days in (a, b], and is negative when b < a,
  so ``working_days_between(a, b) == -working_days_between(b, a)`` and
  ``working_days_between(a, add_working_days(a, n)) == n`` for n >= 0.
* A year the calendar does not know (neither seeded from chinese-calendar nor confirmed by an
  administrator) follows Monday–Friday plus any overrides entered for it; ``explain_due_date``
  flags such years so nobody takes the date for certain.

The calendar is cached per process. It is revalidated against ``CalendarRevision`` at most every
``ZHENGWU_WORKDAYS_CACHE_SECONDS`` seconds (and on every call inside a transaction, where a change
may still roll back); the process making a change drops its cache at once.
"""

import bisect
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from zhengwu.core.errors import NotFound, ValidationFailed
from zhengwu.workdays.models import (
    CalendarDay,
    CalendarRevision,
    CalendarYear,
    Deadline,
    DeadlineSuspension,
)

ONE_DAY = timedelta(days=1)


# --------------------------------------------------------------------------- the cached calendar


@dataclass
class _Calendar:
    token: str
    holidays: dict[date, str]  # weekday holidays → name
    makeups: dict[date, str]  # weekend make-up workdays → name
    known_years: frozenset[int]
    holiday_dates: list[date] = field(default_factory=list)  # sorted, for counting by bisection
    makeup_dates: list[date] = field(default_factory=list)
    trusted: bool = False  # loaded outside a transaction, so it cannot be rolled back
    validated_at: float = 0.0


_lock = threading.Lock()
_cached: _Calendar | None = None


_TOKEN_SQL = f"SELECT token FROM {CalendarRevision._meta.db_table} WHERE id = 1"  # noqa: S608


def _current_token() -> str:
    # Read inside every transaction that computes a deadline (several per case submission): one
    # plain statement, without the ORM's query building, which costs ten times the read itself.
    with connection.cursor() as cursor:
        cursor.execute(_TOKEN_SQL)
        row = cursor.fetchone()
    return (row[0] if row else "") or ""


def _load(token: str) -> _Calendar:
    holidays: dict[date, str] = {}
    makeups: dict[date, str] = {}
    rows = CalendarDay.objects.exclude(kind=CalendarDay.Kind.REGULAR).values_list(
        "date", "kind", "name"
    )
    for day, kind, name in rows:
        # Only overrides that change the Monday–Friday answer matter for counting.
        if kind == CalendarDay.Kind.HOLIDAY and day.weekday() < 5:
            holidays[day] = name
        elif kind == CalendarDay.Kind.MAKEUP_WORKDAY and day.weekday() >= 5:
            makeups[day] = name
    known = CalendarYear.objects.filter(
        status__in=[CalendarYear.Status.SEEDED, CalendarYear.Status.CONFIRMED]
    ).values_list("year", flat=True)
    return _Calendar(
        token=token,
        holidays=holidays,
        makeups=makeups,
        known_years=frozenset(known),
        holiday_dates=sorted(holidays),
        makeup_dates=sorted(makeups),
    )


def _calendar() -> _Calendar:
    global _cached
    now = time.monotonic()
    cal = _cached
    ttl = settings.ZHENGWU_WORKDAYS_CACHE_SECONDS
    in_transaction = connection.in_atomic_block
    # Inside a transaction always compare tokens: the caller may be about to store a result.
    if cal is not None and cal.trusted and not in_transaction and now - cal.validated_at < ttl:
        return cal
    token = _current_token()
    if cal is None or cal.token != token:
        cal = _load(token)
    cal.trusted = not in_transaction
    cal.validated_at = now
    with _lock:
        _cached = cal
    return cal


def invalidate_cache() -> None:
    """Drop this process's copy of the calendar (actions call it on every change)."""
    global _cached
    with _lock:
        _cached = None


# --------------------------------------------------------------------------- arithmetic


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date, got {type(value).__name__}")


def _is_working(cal: _Calendar, day: date) -> bool:
    if day.weekday() < 5:
        return day not in cal.holidays
    return day in cal.makeups


def _weekdays_through(day: date) -> int:
    """Mondays to Fridays from 0001-01-01 (a Monday) through ``day``."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def _count_in(dates: list[date], after: date, through: date) -> int:
    return bisect.bisect_right(dates, through) - bisect.bisect_right(dates, after)


def _step(day: date, sign: int) -> date:
    try:
        return day + ONE_DAY * sign
    except OverflowError:
        raise ValidationFailed(_("The date is outside the range the calendar can count.")) from None


def is_working_day(day: date) -> bool:
    """Whether public bodies work on ``day``."""
    return _is_working(_calendar(), _as_date(day))


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after ``start`` (before it when n < 0); ``start`` when n == 0."""
    cal = _calendar()
    day = _as_date(start)
    sign = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        day = _step(day, sign)
        if _is_working(cal, day):
            remaining -= 1
    return day


def working_days_between(a: date, b: date) -> int:
    """Working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``."""
    a, b = _as_date(a), _as_date(b)
    if b < a:
        return -working_days_between(b, a)
    cal = _calendar()
    return (
        _weekdays_through(b)
        - _weekdays_through(a)
        - _count_in(cal.holiday_dates, a, b)
        + _count_in(cal.makeup_dates, a, b)
    )


def unknown_years_between(a: date, b: date) -> list[int]:
    """Years touched by [a, b] whose holidays the calendar does not know."""
    a, b = sorted((_as_date(a), _as_date(b)))
    known = _calendar().known_years
    return [y for y in range(a.year, b.year + 1) if y not in known]


# --------------------------------------------------------------------------- explanations


@dataclass(frozen=True)
class ExplainedDay:
    date: date
    status: str  # "working", "makeup", "holiday" or "weekend"
    name: str = ""  # the holiday's name for holidays and make-up workdays
    ordinal: int | None = None  # which working day of the count this is (1..n), or None
    year_known: bool = True

    @property
    def counted(self) -> bool:
        return self.ordinal is not None

    @property
    def status_label(self) -> str:
        return {
            "working": _("working day"),
            "makeup": _("make-up workday"),
            "holiday": _("statutory holiday"),
            "weekend": _("weekend"),
        }[self.status]


@dataclass(frozen=True)
class HolidayPeriod:
    """Consecutive holiday days of one name (weekends inside the period included)."""

    name: str
    first: date
    last: date
    weekdays_off: int


@dataclass(frozen=True)
class Explanation:
    """How a due date was reached, day by day, for a clerk to show an applicant."""

    start: date
    working_days: int
    due_date: date
    days: tuple[ExplainedDay, ...]
    unknown_years: tuple[int, ...]

    @property
    def holidays_skipped(self) -> list[ExplainedDay]:
        return [d for d in self.days if d.status == "holiday"]

    @property
    def makeup_days_counted(self) -> list[ExplainedDay]:
        return [d for d in self.days if d.status == "makeup"]

    @property
    def weekends_skipped(self) -> list[ExplainedDay]:
        return [d for d in self.days if d.status == "weekend"]

    @property
    def is_certain(self) -> bool:
        return not self.unknown_years

    @property
    def holiday_periods(self) -> list[HolidayPeriod]:
        periods: list[HolidayPeriod] = []
        last_working: date | None = None
        for day in self.days:
            if day.status in ("working", "makeup"):
                last_working = day.date
                continue
            if day.status != "holiday":
                continue
            prev = periods[-1] if periods else None
            # Same name and no working day since the previous holiday day: the same period.
            if (
                prev
                and prev.name == day.name
                and (last_working is None or last_working < prev.last)
            ):
                periods[-1] = HolidayPeriod(prev.name, prev.first, day.date, prev.weekdays_off + 1)
            else:
                periods.append(HolidayPeriod(day.name, day.date, day.date, 1))
        return periods

    def as_lines(self) -> list[str]:
        """The explanation as plain sentences (for notices, print-outs and API answers)."""

        def fmt(d: date) -> str:
            return formats.date_format(d, "DATE_FORMAT")

        if self.working_days >= 0:
            lines = [
                _(
                    "Counting starts on the day after %(start)s; %(count)s working days end on "
                    "%(due)s."
                )
                % {"start": fmt(self.start), "count": self.working_days, "due": fmt(self.due_date)}
            ]
        else:
            lines = [
                _("%(count)s working days before %(start)s is %(due)s.")
                % {
                    "start": fmt(self.start),
                    "count": -self.working_days,
                    "due": fmt(self.due_date),
                }
            ]
        for period in self.holiday_periods:
            if period.first == period.last:
                line = _("Statutory holiday %(name)s on %(date)s is not counted.") % {
                    "name": period.name,
                    "date": fmt(period.first),
                }
            else:
                line = _(
                    "Statutory holiday %(name)s from %(first)s to %(last)s is not counted."
                ) % {
                    "name": period.name,
                    "first": fmt(period.first),
                    "last": fmt(period.last),
                }
            lines.append(line)
        for day in self.makeup_days_counted:
            lines.append(
                _("%(date)s is a make-up workday (%(name)s) and is counted.")
                % {"date": fmt(day.date), "name": day.name}
            )
        if self.weekends_skipped:
            lines.append(
                _("%(count)s weekend days are not counted.") % {"count": len(self.weekends_skipped)}
            )
        if self.unknown_years:
            lines.append(
                _(
                    "The holidays of %(years)s are not yet known to the calendar; Monday to Friday "
                    "was assumed, so the due date may still change."
                )
                % {"years": "、".join(str(y) for y in self.unknown_years)}
            )
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "working_days": self.working_days,
            "due_date": self.due_date.isoformat(),
            "unknown_years": list(self.unknown_years),
            "days": [
                {
                    "date": d.date.isoformat(),
                    "status": d.status,
                    "name": d.name,
                    "ordinal": d.ordinal,
                    "year_known": d.year_known,
                }
                for d in self.days
            ],
            "lines": self.as_lines(),
        }


def _explain_day(cal: _Calendar, day: date, ordinal: int | None) -> ExplainedDay:
    known = day.year in cal.known_years
    if day.weekday() < 5:
        if day in cal.holidays:
            return ExplainedDay(day, "holiday", cal.holidays[day], None, known)
        return ExplainedDay(day, "working", "", ordinal, known)
    if day in cal.makeups:
        return ExplainedDay(day, "makeup", cal.makeups[day], ordinal, known)
    return ExplainedDay(day, "weekend", "", None, known)


def explain_due_date(start: date, n: int) -> Explanation:
    """``add_working_days(start, n)`` with every day of the count accounted for."""
    cal = _calendar()
    start = _as_date(start)
    sign = 1 if n >= 0 else -1
    days: list[ExplainedDay] = []
    day, counted = start, 0
    while counted < abs(n):
        day = _step(day, sign)
        working = _is_working(cal, day)
        if working:
            counted += 1
        days.append(_explain_day(cal, day, counted if working else None))
    if sign < 0:
        days.reverse()
    touched = {d.date.year for d in days}
    unknown = tuple(sorted(y for y in touched if y not in cal.known_years))
    return Explanation(start, n, day, tuple(days), unknown)


# --------------------------------------------------------------------------- calendar queries


def calendar_year_status(year: int) -> str:
    row = CalendarYear.objects.filter(year=year).values_list("status", flat=True).first()
    return row or CalendarYear.Status.UNKNOWN


def calendar_year_get(year: int) -> CalendarYear:
    """The year's row, or an unsaved one with status unknown."""
    return CalendarYear.objects.filter(year=year).first() or CalendarYear(year=year)


def calendar_year_list() -> list[CalendarYear]:
    """Every year with a row, plus this year and the next (so the UI always offers them)."""
    rows = {y.year: y for y in CalendarYear.objects.all()}
    this_year = timezone.localdate().year
    for year in (this_year, this_year + 1):
        rows.setdefault(year, CalendarYear(year=year))
    return [rows[y] for y in sorted(rows)]


def calendar_day_list(year: int) -> list[CalendarDay]:
    return list(
        CalendarDay.objects.filter(date__year=year).select_related("updated_by").order_by("date")
    )


def calendar_day_get(day: date) -> CalendarDay | None:
    return CalendarDay.objects.filter(date=day).first()


@dataclass(frozen=True)
class DayCell:
    date: date
    in_month: bool
    status: str  # as ExplainedDay.status
    name: str
    override: str  # the stored kind, "" when the date follows the weekday rule
    is_today: bool


def _weeks(year: int, month: int) -> Iterator[date]:
    first = date(year, month, 1)
    day = first - timedelta(days=first.weekday())
    while day.month == month or day < first or day.weekday() != 0:
        yield day
        day += ONE_DAY


def year_grid(year: int) -> list[tuple[date, list[list[DayCell]]]]:
    """Twelve month grids (weeks Monday first) for the year view."""
    if not 1900 <= year <= 2200:
        raise NotFound()
    cal = _calendar()
    stored = {d.date: d for d in CalendarDay.objects.filter(date__year=year)}
    today = timezone.localdate()
    months = []
    for month in range(1, 13):
        weeks: list[list[DayCell]] = []
        for day in _weeks(year, month):
            if day.weekday() == 0:
                weeks.append([])
            explained = _explain_day(cal, day, None)
            row = stored.get(day) if day.month == month else None
            weeks[-1].append(
                DayCell(
                    date=day,
                    in_month=day.month == month,
                    status=explained.status,
                    name=explained.name or (row.name if row else ""),
                    override=row.kind if row else "",
                    is_today=day == today,
                )
            )
        months.append((date(year, month, 1), weeks))
    return months


# --------------------------------------------------------------------------- deadlines


def deadline_get(pk: int) -> Deadline:
    deadline = Deadline.objects.filter(pk=pk).first()
    if deadline is None:
        raise NotFound()
    return deadline


def deadline_list_for_owner(
    *, owner_type: str, owner_id: str, open_only: bool = True
) -> list[Deadline]:
    qs = Deadline.objects.filter(owner_type=owner_type, owner_id=str(owner_id))
    if open_only:
        qs = qs.open()
    return list(qs)


def deadline_suspensions(deadline: Deadline | int) -> list[DeadlineSuspension]:
    """The deadline's suspension history, oldest first (the open one, if any, last)."""
    pk = deadline.pk if isinstance(deadline, Deadline) else deadline
    return list(DeadlineSuspension.objects.filter(deadline_id=pk).order_by("suspended_on", "pk"))
