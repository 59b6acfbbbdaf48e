"""Commands that change the calendar and the deadlines counted on it.

Every calendar change recomputes, in its own transaction, the open deadlines whose counting
window contains a changed date, then calls the listeners registered with
``on_deadlines_changed`` so that domain modules update their own copies of the due dates.
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_record, changes_between, snapshot
from zhengwu.core.db.rows import insert
from zhengwu.core.errors import Conflict, NotFound, ValidationFailed
from zhengwu.workdays import package
from zhengwu.workdays.models import (
    CalendarDay,
    CalendarRevision,
    CalendarYear,
    Deadline,
    DeadlineSuspension,
)
from zhengwu.workdays.selectors import add_working_days, invalidate_cache, working_days_between

DeadlineListener = Callable[[list[Deadline]], None]
_listeners: list[DeadlineListener] = []

# Key of the PostgreSQL advisory lock that orders calendar changes against deadline computations.
_LOCK_KEY = 990_100_202_601

MIN_YEAR, MAX_YEAR = 1900, 2200
NAME_MAX = 100
NOTE_MAX = 2000
_DAY_FIELDS = ["kind", "name", "source", "note"]


def on_deadlines_changed(callback: DeadlineListener) -> DeadlineListener:
    """Register ``callback(deadlines)``, called with the deadlines whose due date moved.

    It runs inside the calendar change's transaction: raising aborts the whole change. Usable as a
    decorator; registering the same callback twice has no effect.
    """
    if callback not in _listeners:
        _listeners.append(callback)
    return callback


def remove_deadlines_listener(callback: DeadlineListener) -> None:
    if callback in _listeners:
        _listeners.remove(callback)


# --------------------------------------------------------------------------- helpers


def _lock_calendar(*, exclusive: bool) -> None:
    """Order calendar changes (exclusive) against deadline computations (shared).

    Without it a deadline opened while an administrator adds a holiday could be computed on the
    old calendar after the change had recomputed the others. SQLite already serialises writers.
    """
    if connection.vendor != "postgresql":
        return
    sql = (
        "SELECT pg_advisory_xact_lock(%s)"
        if exclusive
        else "SELECT pg_advisory_xact_lock_shared(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_LOCK_KEY])


def _calendar_changed() -> None:
    CalendarRevision.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})
    invalidate_cache()
    # Again after commit, in case another thread cached the old state in between.
    transaction.on_commit(invalidate_cache)


def _check_date(value: Any) -> date:
    if isinstance(value, datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if not isinstance(value, date):
        raise ValidationFailed(_("Enter a valid date."))
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationFailed(
            _("The calendar covers the years %(min)s to %(max)s.")
            % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    return value


def _clean_text(
    value: Any, *, max_length: int, required: bool, message: str, field_name: str = ""
) -> str:
    text = str(value if value is not None else "").strip()
    data = {"field": field_name} if field_name else None
    if required and not text:
        raise ValidationFailed(message, data=data)
    if len(text) > max_length:
        raise ValidationFailed(
            _("Use at most %(max)s characters.") % {"max": max_length}, data=data
        )
    return text


@dataclass
class _Recomputed:
    examined: int = 0
    moved: list[Deadline] = field(default_factory=list)
    moves: list[dict[str, Any]] = field(default_factory=list)


def _due(deadline: Deadline) -> date:
    """The due date: the limit plus the working days of completed suspensions."""
    return add_working_days(deadline.start, deadline.working_days + deadline.suspended_working_days)


def _recompute_deadlines(days: Iterable[date]) -> _Recomputed:
    """Recompute the open deadlines whose window (start, due] contains any of ``days``, or one
    of whose completed suspensions (suspended_on, resumed_on] does.

    Selected in one query by window overlap; only deadlines whose due date moves are written.
    The working days of each completed suspension are counted again on the new calendar.
    """
    days = sorted(set(days))
    result = _Recomputed()
    if not days:
        return result
    first, last = days[0], days[-1]
    if len(days) == 1:
        window = Q(start__lt=first, due_date__gte=first)
    else:
        window = Q(start__lt=last, due_date__gte=first)
    # A suspension may lie after the due date it extends (an overdue deadline suspended late).
    in_suspension = DeadlineSuspension.objects.filter(
        resumed_on__isnull=False, suspended_on__lt=last, resumed_on__gte=first
    ).values("deadline_id")
    candidates = Deadline.objects.open().filter(window | Q(pk__in=in_suspension))
    now = timezone.now()
    suspensions_changed: list[DeadlineSuspension] = []
    recounted: list[Deadline] = []  # suspension total changed, due date did not
    for deadline in candidates.select_for_update().order_by("pk").prefetch_related("suspensions"):
        result.examined += 1
        total = 0
        for suspension in deadline.suspensions.all():
            if suspension.resumed_on is None:
                continue
            count = working_days_between(suspension.suspended_on, suspension.resumed_on)
            if count != suspension.working_days:
                suspension.working_days = count
                suspensions_changed.append(suspension)
            total += count
        recount = total != deadline.suspended_working_days
        deadline.suspended_working_days = total
        new_due = _due(deadline)
        if new_due != deadline.due_date:
            result.moves.append(
                {
                    "id": deadline.pk,
                    "owner": f"{deadline.owner_type}#{deadline.owner_id}",
                    "label": deadline.label,
                    "due_date": [deadline.due_date, new_due],
                }
            )
            deadline.due_date = new_due
            deadline.updated_at = now
            result.moved.append(deadline)
        elif recount:
            recounted.append(deadline)
    if suspensions_changed:
        DeadlineSuspension.objects.bulk_update(suspensions_changed, ["working_days"])
    if result.moved or recounted:
        Deadline.objects.bulk_update(
            [*result.moved, *recounted], ["due_date", "suspended_working_days", "updated_at"]
        )
    if result.moved:
        _tell_listeners(result.moved)
    return result


def _tell_listeners(moved: list[Deadline]) -> None:
    for listener in _listeners:
        listener(list(moved))


def _recompute_audit(result: _Recomputed) -> dict[str, Any]:
    return {
        "deadlines_recomputed": result.examined,
        "deadlines_moved": len(result.moved),
        "deadline_moves": result.moves,
    }


def _effective(kind: str | None, day: date) -> bool:
    """Whether ``day`` is a working day under an override of ``kind`` (None: no override)."""
    if kind == CalendarDay.Kind.HOLIDAY:
        return False
    if kind == CalendarDay.Kind.MAKEUP_WORKDAY:
        return True
    return day.weekday() < 5


# --------------------------------------------------------------------------- calendar days


@transaction.atomic
def calendar_day_set(
    *, actor: Any, date: date, kind: str, name: str = "", note: str = ""
) -> CalendarDay:
    """Mark ``date`` as a statutory holiday or a make-up workday, as an administrator.

    ``note`` is the reason (e.g. the State Council notice) and is required. Marking a weekend as a
    holiday or a weekday as a make-up workday is refused: it would change nothing.
    """
    day = _check_date(date)
    if kind not in (CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.MAKEUP_WORKDAY):
        raise ValidationFailed(
            _("Choose whether the day is a statutory holiday or a make-up workday."),
            data={"field": "kind"},
        )
    name = _clean_text(
        name,
        max_length=NAME_MAX,
        required=kind == CalendarDay.Kind.HOLIDAY,
        message=_("Enter the name of the holiday, for example National Day."),
        field_name="name",
    )
    note = _clean_text(
        note,
        max_length=NOTE_MAX,
        required=True,
        message=_("Enter the reason for the change, for example the State Council notice."),
        field_name="note",
    )
    if kind == CalendarDay.Kind.HOLIDAY and day.weekday() >= 5:
        raise ValidationFailed(
            _(
                "%(date)s is a Saturday or Sunday and is not a working day anyway; "
                "there is no need to mark it as a statutory holiday."
            )
            % {"date": day.isoformat()},
            data={"field": "kind"},
        )
    if kind == CalendarDay.Kind.MAKEUP_WORKDAY and day.weekday() < 5:
        raise ValidationFailed(
            _(
                "%(date)s is a weekday and is a working day anyway; only a Saturday or Sunday can "
                "be a make-up workday."
            )
            % {"date": day.isoformat()},
            data={"field": "kind"},
        )

    _lock_calendar(exclusive=True)
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    before = snapshot(row, _DAY_FIELDS) if row else {}
    after = {"kind": kind, "name": name, "source": CalendarDay.Source.ADMIN, "note": note}
    if row and before == after:
        return row  # a double submit: nothing to do
    was_working = _effective(row.kind if row else None, day)
    if row is None:
        row = CalendarDay(date=day)
    row.kind, row.name, row.source, row.note = kind, name, CalendarDay.Source.ADMIN, note
    row.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    row.full_clean()
    row.save()
    # So the year appears in the year list (as unknown until seeded or confirmed).
    CalendarYear.objects.get_or_create(year=day.year)
    _calendar_changed()
    result = _recompute_deadlines([day] if was_working != _effective(kind, day) else [])
    audit_record(
        actor=actor,
        action="workdays.calendar_day.set",
        target=row,
        changes={**changes_between(before, after), **_recompute_audit(result)},
        reason=note,
    )
    return row


@transaction.atomic
def calendar_day_clear(*, actor: Any, date: date, reason: str) -> None:
    """Remove the override of ``date``, so that it follows Monday–Friday again.

    When chinese-calendar lists the date, a "regular" row stays behind so reseeding keeps the
    administrator's decision.
    """
    day = _check_date(date)
    reason = _clean_text(
        reason,
        max_length=NOTE_MAX,
        required=True,
        message=_("Enter the reason for the change, for example the State Council notice."),
        field_name="reason",
    )
    _lock_calendar(exclusive=True)
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    if row is None or row.kind == CalendarDay.Kind.REGULAR:
        raise NotFound(
            _("%(date)s has no holiday or make-up workday to remove.") % {"date": day.isoformat()}
        )
    before = snapshot(row, _DAY_FIELDS)
    was_working = _effective(row.kind, day)
    if package.package_day(day) is not None:
        row.kind, row.name, row.source, row.note = (
            CalendarDay.Kind.REGULAR,
            "",
            CalendarDay.Source.ADMIN,
            reason,
        )
        row.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        row.save()
        after = snapshot(row, _DAY_FIELDS)
    else:
        row.delete()
        after = {}
    _calendar_changed()
    result = _recompute_deadlines([day] if was_working != _effective(None, day) else [])
    audit_record(
        actor=actor,
        action="workdays.calendar_day.clear",
        object_type=CalendarDay._meta.label_lower,
        object_id=day.isoformat(),
        object_repr=str(before.get("name") or day.isoformat()),
        changes={**changes_between(before, after), **_recompute_audit(result)},
        reason=reason,
    )


# --------------------------------------------------------------------------- calendar years


@dataclass(frozen=True)
class SeedResult:
    year: int
    created: int
    updated: int
    deleted: int
    deadlines_moved: int
    status_changed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted or self.status_changed)


@transaction.atomic
def calendar_year_seed(*, actor: Any, year: int) -> SeedResult:
    """Bring ``year`` in line with chinese-calendar, leaving every administrator's row alone.

    Idempotent: a second run finds nothing to change, writes nothing and audits nothing.
    """
    if year not in package.package_years():
        years = package.package_years()
        raise ValidationFailed(
            _(
                "chinese-calendar has no data for %(year)s (it knows %(first)s to %(last)s); "
                "enter that year's holidays by hand and confirm the year."
            )
            % {"year": year, "first": years.start, "last": years.stop - 1}
        )
    _lock_calendar(exclusive=True)
    wanted = package.package_days(year)
    rows = {r.date: r for r in CalendarDay.objects.select_for_update().filter(date__year=year)}
    created: list[CalendarDay] = []
    updated: list[CalendarDay] = []
    deleted: list[CalendarDay] = []
    flipped: list[date] = []  # dates whose working status changes
    for day, wanted_day in sorted(wanted.items()):
        row = rows.get(day)
        if row is None:
            created.append(
                CalendarDay(
                    date=day,
                    kind=wanted_day.kind,
                    name=wanted_day.name,
                    source=CalendarDay.Source.PACKAGE,
                )
            )
            flipped.append(day)
        elif row.source == CalendarDay.Source.PACKAGE and (row.kind, row.name) != (
            wanted_day.kind,
            wanted_day.name,
        ):
            if _effective(row.kind, day) != _effective(wanted_day.kind, day):
                flipped.append(day)
            row.kind, row.name = wanted_day.kind, wanted_day.name
            updated.append(row)
    for day, row in rows.items():
        if row.source == CalendarDay.Source.PACKAGE and day not in wanted:
            if _effective(row.kind, day) != _effective(None, day):
                flipped.append(day)
            deleted.append(row)

    year_row, _created = CalendarYear.objects.select_for_update().get_or_create(year=year)
    old_status = year_row.status
    if year_row.status != CalendarYear.Status.CONFIRMED:
        year_row.status = CalendarYear.Status.SEEDED

    if not (created or updated or deleted) and year_row.status == old_status:
        return SeedResult(year, 0, 0, 0, 0)

    CalendarDay.objects.bulk_create(created)
    for row in updated:
        row.save(update_fields=["kind", "name", "updated_at"])
    CalendarDay.objects.filter(pk__in=[r.pk for r in deleted]).delete()
    year_row.save()
    _calendar_changed()
    result = _recompute_deadlines(flipped)
    audit_record(
        actor=actor,
        action="workdays.calendar_year.seed",
        target=year_row,
        changes={
            "status": [old_status, year_row.status],
            "created": [f"{r.date.isoformat()} {r.kind} {r.name}" for r in created],
            "updated": [f"{r.date.isoformat()} {r.kind} {r.name}" for r in updated],
            "deleted": [f"{r.date.isoformat()} {r.kind} {r.name}" for r in deleted],
            **_recompute_audit(result),
        },
        reason="chinese-calendar",
    )
    return SeedResult(
        year,
        len(created),
        len(updated),
        len(deleted),
        len(result.moved),
        status_changed=old_status != year_row.status,
    )


def calendar_seed_all(*, actor: Any) -> list[SeedResult]:
    """Seed every year chinese-calendar knows, one transaction per year."""
    return [calendar_year_seed(actor=actor, year=y) for y in package.package_years()]


@transaction.atomic
def calendar_year_confirm(*, actor: Any, year: int, note: str) -> CalendarYear:
    """Declare that ``year``'s holidays and make-up workdays are complete (e.g. entered by hand
    from the State Council's notice for a year chinese-calendar does not know yet)."""
    if not MIN_YEAR <= int(year) <= MAX_YEAR:
        raise ValidationFailed(
            _("The calendar covers the years %(min)s to %(max)s.")
            % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    note = _clean_text(
        note,
        max_length=NOTE_MAX,
        required=True,
        message=_("Enter the reason for the change, for example the State Council notice."),
    )
    _lock_calendar(exclusive=True)
    row, _created = CalendarYear.objects.select_for_update().get_or_create(year=year)
    if row.status == CalendarYear.Status.CONFIRMED:
        return row
    before = snapshot(row, ["status", "note"])
    row.status, row.note = CalendarYear.Status.CONFIRMED, note
    row.save()
    _calendar_changed()
    audit_record(
        actor=actor,
        action="workdays.calendar_year.confirm",
        target=row,
        changes=changes_between(before, snapshot(row, ["status", "note"])),
        reason=note,
    )
    return row


# --------------------------------------------------------------------------- deadlines


def _deadline_snapshot(d: Deadline) -> dict[str, Any]:
    return snapshot(
        d, ["owner_type", "owner_id", "label", "start", "working_days", "due_date", "is_open"]
    )


@transaction.atomic
def deadline_open(
    *,
    owner_type: str,
    owner_id: str | int,
    label: str,
    start: date,
    working_days: int,
    actor: Any = None,
) -> Deadline:
    """Start tracking the time limit ``label`` of an object: due ``working_days`` after ``start``.

    Opening the same open deadline again (same start and count) returns it; opening one with
    the same label but a different start or count is refused until the first is closed.
    """
    owner_type = _clean_text(
        owner_type, max_length=100, required=True, message=_("The deadline needs an owner.")
    )
    owner_id = _clean_text(
        owner_id, max_length=64, required=True, message=_("The deadline needs an owner.")
    )
    label = _clean_text(
        label, max_length=100, required=True, message=_("The deadline needs a label.")
    )
    start = _check_date(start)
    if isinstance(working_days, bool) or not isinstance(working_days, int) or working_days < 0:
        raise ValidationFailed(_("The number of working days must be a whole number, 0 or more."))
    _lock_calendar(exclusive=False)
    due = add_working_days(start, working_days)
    try:
        with transaction.atomic():
            deadline = insert(Deadline(
                owner_type=owner_type,
                owner_id=owner_id,
                label=label,
                start=start,
                working_days=working_days,
                due_date=due,
            ))  # fmt: skip
    except IntegrityError:  # the label is open already (one open deadline per label)
        existing = (
            Deadline.objects.open()
            .filter(owner_type=owner_type, owner_id=owner_id, label=label)
            .first()
        )
        if existing is not None and (existing.start, existing.working_days) == (
            start,
            working_days,
        ):
            return existing
        raise Conflict(
            _("The deadline “%(label)s” is already open; close it before opening a new one.")
            % {"label": label}
        ) from None
    audit_record(
        actor=actor,
        action="workdays.deadline.open",
        target=deadline,
        changes=changes_between({}, _deadline_snapshot(deadline)),
    )
    return deadline


@transaction.atomic
def deadline_close(
    *, owner_type: str, owner_id: str | int, label: str | None = None, actor: Any = None
) -> list[Deadline]:
    """Stop tracking the owner's open deadlines (only ``label`` if given); returns those closed.

    Closing what is already closed does nothing.
    """
    qs = Deadline.objects.open().filter(owner_type=owner_type, owner_id=str(owner_id))
    if label is not None:
        qs = qs.filter(label=label)
    closed = list(qs.select_for_update().order_by("pk"))
    now = timezone.now()
    for deadline in closed:
        deadline.is_open = False
        deadline.closed_at = now
        deadline.save(update_fields=["is_open", "closed_at", "updated_at"])
        audit_record(
            actor=actor,
            action="workdays.deadline.close",
            target=deadline,
            changes={"is_open": [True, False]},
        )
    return closed


def _open_deadlines(owner_type: str, owner_id: str | int, label: str | None) -> list[Deadline]:
    qs = Deadline.objects.open().filter(owner_type=owner_type, owner_id=str(owner_id))
    if label is not None:
        qs = qs.filter(label=label)
    return list(qs.select_for_update().order_by("pk"))


def _no_open_deadline(label: str | None) -> NotFound:
    if label is None:
        return NotFound(_("The item has no open deadline."))
    return NotFound(_("The item has no open deadline “%(label)s”.") % {"label": label})


@transaction.atomic
def deadline_suspend(
    *,
    owner_type: str,
    owner_id: str | int,
    label: str | None = None,
    on: date,
    reason: str,
    actor: Any = None,
) -> list[Deadline]:
    """Stop the clock of the owner's open deadlines (only ``label`` if given) as of ``on``.

    For the periods 行政许可法 Art. 45 excludes from the limit (听证、招标、拍卖、检验、检测、检疫、
    鉴定、专家评审): ``on`` is counted, the working days after it up to the resume date are not.
    ``reason`` (the ground, e.g. "专家评审") is required and kept in the history. Suspending
    again on the same date does nothing (a double submit); a deadline already suspended since
    another date raises ``Conflict``. Returns the owner's deadlines concerned.
    """
    day = _check_date(on)
    reason = _clean_text(
        reason,
        max_length=NOTE_MAX,
        required=True,
        message=_("Enter the reason for the suspension, for example expert review."),
        field_name="reason",
    )
    _lock_calendar(exclusive=False)
    deadlines = _open_deadlines(owner_type, owner_id, label)
    if not deadlines:
        raise _no_open_deadline(label)
    for deadline in deadlines:
        if deadline.suspended_on == day:
            continue  # the same suspension submitted twice
        if deadline.suspended_on is not None:
            raise Conflict(
                _("The deadline “%(label)s” has been suspended since %(date)s; resume it first.")
                % {"label": deadline.label, "date": deadline.suspended_on.isoformat()}
            )
        if day < deadline.start:
            raise ValidationFailed(
                _("The deadline “%(label)s” starts on %(start)s; it cannot be suspended before.")
                % {"label": deadline.label, "start": deadline.start.isoformat()},
                data={"field": "on"},
            )
        deadline.suspended_on = day
        deadline.save(update_fields=["suspended_on", "updated_at"])
        suspension = DeadlineSuspension.objects.create(
            deadline=deadline,
            suspended_on=day,
            reason=reason,
            suspended_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            action="workdays.deadline.suspend",
            target=deadline,
            changes={"suspended_on": [None, day], "suspension": suspension.pk},
            reason=reason,
        )
    return deadlines


@transaction.atomic
def deadline_resume(
    *,
    owner_type: str,
    owner_id: str | int,
    label: str | None = None,
    on: date,
    actor: Any = None,
) -> list[Deadline]:
    """Restart the clock of the owner's suspended deadlines (only ``label`` if given) on ``on``.

    The due date moves by the working days strictly after the suspension date up to and
    including ``on`` (``working_days_between(suspended_on, on)``); the listeners registered with
    ``on_deadlines_changed`` hear of every due date that moved. Resuming again on the same date
    does nothing (a double submit); resuming a deadline that is not suspended raises ``Conflict``.
    Returns the owner's deadlines concerned.
    """
    day = _check_date(on)
    _lock_calendar(exclusive=False)
    deadlines = _open_deadlines(owner_type, owner_id, label)
    if not deadlines:
        raise _no_open_deadline(label)
    suspended = [d for d in deadlines if d.suspended_on is not None]
    if not suspended:
        last = (
            DeadlineSuspension.objects.filter(deadline__in=deadlines)
            .order_by("-resumed_on", "-pk")
            .values_list("resumed_on", flat=True)
            .first()
        )
        if last == day:
            return deadlines  # the same resumption submitted twice
        raise Conflict(_("No deadline of this item is suspended."))
    moved: list[Deadline] = []
    for deadline in suspended:
        since = deadline.suspended_on
        if since is None:
            continue
        if day < since:
            raise ValidationFailed(
                _("The deadline “%(label)s” was suspended on %(date)s; it cannot resume before.")
                % {"label": deadline.label, "date": since.isoformat()},
                data={"field": "on"},
            )
        suspension = DeadlineSuspension.objects.select_for_update().get(
            deadline=deadline, resumed_on__isnull=True
        )
        count = working_days_between(since, day)
        suspension.resumed_on = day
        suspension.working_days = count
        suspension.resumed_by = actor if getattr(actor, "is_authenticated", False) else None
        suspension.save(update_fields=["resumed_on", "working_days", "resumed_by"])
        old_due = deadline.due_date
        deadline.suspended_on = None
        deadline.suspended_working_days += count
        deadline.due_date = _due(deadline)
        deadline.save(
            update_fields=["suspended_on", "suspended_working_days", "due_date", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="workdays.deadline.resume",
            target=deadline,
            changes={
                "suspended_on": [suspension.suspended_on, None],
                "resumed_on": day,
                "working_days_suspended": count,
                "due_date": [old_due, deadline.due_date],
                "suspension": suspension.pk,
            },
        )
        if deadline.due_date != old_due:
            moved.append(deadline)
    if moved:
        _tell_listeners(moved)
    return deadlines


@transaction.atomic
def deadline_extend(
    *,
    actor: Any,
    owner_type: str,
    owner_id: str | int,
    label: str,
    extra_working_days: int,
    reason: str,
) -> Deadline:
    """Lengthen the open deadline ``label`` by ``extra_working_days`` (延长, 行政许可法 Art. 42).

    The caller has obtained the approval (e.g. the head of the authority, through a workflow
    task); this records it: the limit grows, the due date is recomputed from the same start
    (suspensions still count), the reason is kept in the audit trail, and the listeners hear of
    the moved due date.
    """
    if (
        isinstance(extra_working_days, bool)
        or not isinstance(extra_working_days, int)
        or extra_working_days <= 0
    ):
        raise ValidationFailed(
            _("The extension must be a whole number of working days, 1 or more.")
        )
    reason = _clean_text(
        reason,
        max_length=NOTE_MAX,
        required=True,
        message=_("Enter the reason for the extension."),
        field_name="reason",
    )
    _lock_calendar(exclusive=False)
    deadlines = _open_deadlines(owner_type, owner_id, label)
    if not deadlines:
        raise _no_open_deadline(label)
    deadline = deadlines[0]
    old = (deadline.working_days, deadline.due_date)
    deadline.working_days += extra_working_days
    deadline.due_date = _due(deadline)
    deadline.save(update_fields=["working_days", "due_date", "updated_at"])
    audit_record(
        actor=actor,
        action="workdays.deadline.extend",
        target=deadline,
        changes={
            "working_days": [old[0], deadline.working_days],
            "due_date": [old[1], deadline.due_date],
        },
        reason=reason,
    )
    _tell_listeners([deadline])
    return deadline
