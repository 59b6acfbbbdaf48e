"""The clock engine: sync clocks from deadlines, re-evaluate colours set-based, notify.

``clocks_tick`` (cron, ``manage.py supervision_tick``) runs three phases:

1. ``clocks_sync`` — incremental: only deadlines changed since the last sync (``updated_at``,
   with an overlap) are read; for each, the clock's dates are recomputed with ``workdays`` (the
   yellow rule precomputed into ``yellow_on``), paused while the deadline is suspended, closed
   with the deadline (a late conclusion turns the card red).
2. ``clocks_evaluate`` — set-based: one ``INSERT … SELECT`` writes the cards and one ``UPDATE``
   moves the colours of every clock whose ``next_change_on`` has come, both over one index. No
   Python loop over rows, so 1,000,000 open clocks cost what the ~1 % that change cost.
3. ``cards_notify`` — the handler, the department's leaders and the supervisors get one in-app
   message and one SMS per colour per tick, listing how many cards they got.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zhengwu.audit.actions import audit_record
from zhengwu.directory.models import Organisation, RoleAssignment
from zhengwu.notify.actions import notify_send
from zhengwu.supervision.models import Card, Clock, Colour, RuleSettings, SyncState
from zhengwu.supervision.registry import resolve_owners
from zhengwu.workdays.models import Deadline
from zhengwu.workdays.selectors import add_working_days, working_days_between

SYNC_OVERLAP = timedelta(minutes=10)  # re-read recent rows: a slow transaction commits late
SYNC_BATCH = 2000
SUPERVISE_PERM = ("supervision", "supervise")
LEADER_PERM = ("supervision", "receive_cards")


def rule_settings() -> RuleSettings:
    rule, _created = RuleSettings.objects.get_or_create(pk=1)
    return rule


@dataclass(frozen=True)
class ClockDates:
    yellow_on: date
    red_on: date


def clock_dates(deadline: Deadline, rule: RuleSettings) -> ClockDates:
    """Yellow from the day the share of the limit is used or N working days remain, whichever
    comes first (never before the start); red from the day after the due date."""
    due = deadline.due_date
    used = math.ceil(deadline.working_days * rule.yellow_share / 100)
    by_share = add_working_days(deadline.start, deadline.suspended_working_days + used)
    by_left = add_working_days(due, -rule.yellow_days_left) if rule.yellow_days_left else due
    yellow = max(deadline.start, min(by_share, by_left, due))
    return ClockDates(yellow, due + timedelta(days=1))


def colour_on(day: date, yellow_on: date, red_on: date) -> str:
    if day >= red_on:
        return Colour.RED
    if day >= yellow_on:
        return Colour.YELLOW
    return Colour.GREEN


def next_change(colour: str, yellow_on: date, red_on: date) -> date | None:
    return {Colour.GREEN: yellow_on, Colour.YELLOW: red_on}.get(colour)


_RANK = {Colour.GREEN: 0, Colour.YELLOW: 1, Colour.RED: 2}


def _owner_infos(deadlines: list[Deadline]) -> dict[tuple[str, str], Any]:
    by_type: dict[str, list[str]] = defaultdict(list)
    for d in deadlines:
        by_type[d.owner_type].append(d.owner_id)
    found = {}
    for owner_type, ids in by_type.items():
        for owner_id, info in resolve_owners(owner_type, ids).items():
            found[(owner_type, owner_id)] = info
    return found


def _apply(
    clock: Clock,
    deadline: Deadline,
    rule: RuleSettings,
    today: date,
    now: datetime,
    cards: list[Card],
) -> None:
    """Bring one clock in line with its deadline (a new, moved, paused, resumed or closed one)."""
    dates = clock_dates(deadline, rule)
    clock.start, clock.working_days, clock.due_date = (
        deadline.start,
        deadline.working_days,
        deadline.due_date,
    )
    clock.yellow_on, clock.red_on = dates.yellow_on, dates.red_on
    clock.deadline_updated_at = deadline.updated_at
    clock.is_paused = deadline.suspended_on is not None
    if not deadline.is_open:
        clock.is_open = False
        closed = timezone.localdate(deadline.closed_at) if deadline.closed_at else today
        clock.closed_on = closed
        clock.elapsed_days = max(
            0, working_days_between(deadline.start, closed) - deadline.suspended_working_days
        )
        clock.next_change_on = None
        if closed > deadline.due_date and clock.colour != Colour.RED:
            clock.colour, clock.colour_since = Colour.RED, closed
            cards.append(_card(clock, Colour.RED, Card.Reason.LATE, today, now))
        return
    clock.is_open = True
    if clock.is_paused:
        clock.next_change_on = None  # the clock stands still while suspended
        return
    should = colour_on(today, dates.yellow_on, dates.red_on)
    if _RANK[should] < _RANK[Colour(clock.colour)]:
        # The limit moved later (extension, resumption, calendar): the colour goes back, the
        # cards already issued stay in the history.
        clock.colour, clock.colour_since = should, today
    # Upward changes are left to ``clocks_evaluate`` so that they issue their cards set-based.
    clock.next_change_on = next_change(clock.colour, dates.yellow_on, dates.red_on)


def _card(clock: Clock, colour: str, reason: str, today: date, now: datetime) -> Card:
    return Card(
        clock=clock,
        colour=colour,
        reason=reason,
        organisation_id=clock.organisation_id,
        due_date=clock.due_date,
        issued_on=today,
        issued_at=now,
    )


_CLOCK_FIELDS = [
    "start",
    "working_days",
    "due_date",
    "yellow_on",
    "red_on",
    "next_change_on",
    "colour",
    "colour_since",
    "is_open",
    "is_paused",
    "closed_on",
    "elapsed_days",
    "deadline_updated_at",
]


@transaction.atomic
def clocks_sync(*, now: datetime | None = None, full: bool = False) -> int:
    """Create or update the clocks of the deadlines changed since the last sync. Returns the
    number of clocks written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    state, _created = SyncState.objects.select_for_update().get_or_create(pk=1)
    rule = rule_settings()
    deadlines = Deadline.objects.order_by("updated_at", "pk")
    if state.synced_through is not None and not full:
        deadlines = deadlines.filter(updated_at__gte=state.synced_through - SYNC_OVERLAP)
    written = 0
    newest = state.synced_through
    last_pk = 0
    while True:
        batch = list(deadlines.filter(pk__gt=last_pk).order_by("pk")[:SYNC_BATCH])
        if not batch:
            break
        last_pk = batch[-1].pk
        clocks = {c.deadline_id: c for c in Clock.objects.filter(deadline__in=batch)}
        fresh = [d for d in batch if d.pk not in clocks or _stale(clocks[d.pk], d)]
        if not fresh:
            continue
        infos = _owner_infos([d for d in fresh if d.pk not in clocks])
        cards: list[Card] = []
        created: list[Clock] = []
        updated: list[Clock] = []
        for d in fresh:
            newest = max(newest or d.updated_at, d.updated_at)
            clock = clocks.get(d.pk)
            if clock is None:
                info = infos.get((d.owner_type, d.owner_id))
                clock = Clock(
                    deadline=d,
                    owner_type=d.owner_type,
                    owner_id=d.owner_id,
                    label=d.label,
                    colour=Colour.GREEN,
                    colour_since=d.start,
                    organisation_id=info.organisation_id if info else None,
                    title=(info.title if info else "")[:300],
                    url=(info.url if info else "")[:500],
                    category=(info.category if info else "")[:200],
                )
                _apply(clock, d, rule, today, now, cards)
                created.append(clock)
            else:
                _apply(clock, d, rule, today, now, cards)
                updated.append(clock)
        Clock.objects.bulk_create(created)
        Clock.objects.bulk_update(updated, _CLOCK_FIELDS)
        for card in cards:
            card.clock_id = card.clock.pk
        Card.objects.bulk_create(cards)
        written += len(created) + len(updated)
    state.synced_through = newest
    state.save(update_fields=["synced_through"])
    return written


def _stale(clock: Clock, deadline: Deadline) -> bool:
    return clock.deadline_updated_at != deadline.updated_at


@transaction.atomic
def clocks_evaluate(*, today: date | None = None, now: datetime | None = None) -> int:
    """Move every clock whose colour changes by ``today``; one card per change. Set-based: one
    INSERT … SELECT and one UPDATE over the ``next_change_on`` index. Returns the changed count.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    SyncState.objects.select_for_update().get_or_create(pk=1)  # one evaluator at a time
    clock_table, card_table = Clock._meta.db_table, Card._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {card_table} "  # noqa: S608 - table names from the models
            "(clock_id, colour, reason, organisation_id, due_date, issued_on, issued_at, "
            "recipients) "
            f"SELECT id, CASE WHEN red_on <= %s THEN %s ELSE %s END, %s, organisation_id, "
            # '[]' as a literal: an untyped literal becomes jsonb on PostgreSQL, a text parameter
            # would not.
            f"due_date, %s, %s, '[]' FROM {clock_table} WHERE next_change_on <= %s",
            [
                today,
                Colour.RED.value,
                Colour.YELLOW.value,
                Card.Reason.TIME.value,
                today,
                now,
                today,
            ],
        )
    turns_red = Q(red_on__lte=today)
    changed = Clock.objects.filter(next_change_on__lte=today).update(
        colour=Case(
            When(turns_red, then=Value(Colour.RED.value)), default=Value(Colour.YELLOW.value)
        ),
        next_change_on=Case(When(turns_red, then=Value(None)), default=F("red_on")),
        colour_since=today,
    )
    return changed


# --------------------------------------------------------------------------- notifications


def _holders(perm: tuple[str, str]) -> list[RoleAssignment]:
    app_label, codename = perm
    return list(
        RoleAssignment.objects.filter(
            role__permissions__content_type__app_label=app_label,
            role__permissions__codename=codename,
            account__is_active=True,
        )
        .select_related("account", "organisation")
        .distinct()
    )


def _covering(assignments: list[RoleAssignment], org: Organisation | None) -> set[Any]:
    if org is None:
        return set()
    found = set()
    for a in assignments:
        if a.organisation_id == org.pk or (
            a.covers_subtree and org.tree_path.startswith(a.organisation.tree_path)
        ):
            found.add(a.account)
    return found


def cards_notify(*, now: datetime | None = None, limit: int = 20000) -> int:
    """Tell the handler, the department's leaders and the supervisors of new cards: one
    in-app message (and SMS) per person and colour. Returns the number of cards notified."""
    now = now or timezone.now()
    with transaction.atomic():
        cards = list(
            Card.objects.select_for_update(
                of=("self",), skip_locked=connection.features.has_select_for_update_skip_locked
            )
            .filter(notified_at__isnull=True)
            .select_related("clock", "organisation")
            .order_by("issued_at", "pk")[:limit]
        )
        if not cards:
            return 0
        leaders, supervisors = _holders(LEADER_PERM), _holders(SUPERVISE_PERM)
        by_type: dict[str, list[str]] = defaultdict(list)
        for card in cards:
            by_type[card.clock.owner_type].append(card.clock.owner_id)
        handlers: dict[tuple[str, str], list[int]] = {}
        for owner_type, ids in by_type.items():
            for owner_id, info in resolve_owners(owner_type, sorted(set(ids))).items():
                handlers[(owner_type, owner_id)] = info.handler_ids
        per_org: dict[int | None, set[Any]] = {}
        inbox: dict[tuple[Any, str], list[Card]] = defaultdict(list)
        from zhengwu.directory.models import Account

        handler_accounts = {
            a.pk: a
            for a in Account.objects.filter(
                pk__in={i for ids in handlers.values() for i in ids}, is_active=True
            )
        }
        for card in cards:
            if card.organisation_id not in per_org:
                per_org[card.organisation_id] = _covering(leaders, card.organisation) | _covering(
                    supervisors, card.organisation
                )
            people = set(per_org[card.organisation_id])
            for pk in handlers.get((card.clock.owner_type, card.clock.owner_id), []):
                if pk in handler_accounts:
                    people.add(handler_accounts[pk])
            card.recipients = sorted(p.pk for p in people)
            card.notified_at = now
            for person in people:
                inbox[(person, card.colour)].append(card)
        link = reverse("supervision:clocks")
        for (person, colour), got in inbox.items():
            titles = "；".join(c.clock.title or c.clock.label for c in got[:5])
            if colour == Colour.RED:
                subject = ngettext(
                    "%(n)d red card: a time limit has passed",
                    "%(n)d red cards: time limits have passed",
                    len(got),
                ) % {"n": len(got)}
            else:
                subject = ngettext(
                    "%(n)d yellow card: a time limit is close",
                    "%(n)d yellow cards: time limits are close",
                    len(got),
                ) % {"n": len(got)}
            notify_send(
                recipients=[person],
                subject=subject,
                body=titles + ("……" if len(got) > 5 else ""),
                link=f"{link}?colour={colour}",
                channels=("inapp", "sms"),
                category="supervision.card",
            )
        Card.objects.bulk_update(cards, ["recipients", "notified_at"], batch_size=1000)
        return len(cards)


def clocks_tick(*, now: datetime | None = None) -> dict[str, int]:
    """The cron entry point: sync, evaluate, notify (three transactions)."""
    now = now or timezone.now()
    synced = clocks_sync(now=now)
    changed = clocks_evaluate(now=now)
    notified = cards_notify(now=now)
    SyncState.objects.filter(pk=1).update(last_tick_at=now)
    if changed or synced:
        audit_record(
            actor=None,
            action="supervision.clocks.tick",
            object_type="supervision.clock",
            object_repr=_("clock evaluation"),
            changes={"synced": synced, "changed": changed, "notified": notified},
        )
    return {"synced": synced, "changed": changed, "notified": notified}
