"""Scorecards (绩效考核): a department's monthly performance from the supervision data.

Four components, each 0–100, weighted by the current ``ScoringRule`` version:

- on-time rate of the time limits concluded in the month (cases, documents, letters — not the
  workflow steps, whose lateness is the case's): ``min(100, rate / target × 100)``;
- irregularities confirmed in the month (监察审核 rejected the explanation):
  ``max(0, 100 − n × penalty)``;
- 好差评 ratings given in the month: the share satisfied (level ≥ ``satisfied_level``);
- complaints answered in the month by outcome: ``max(0, 100 − justified × p − partly × q)``.

A component without data in the month (no limit concluded, no rating) is left out and the
others' weights count in proportion, so a department is neither rewarded nor punished for it.

Every number on a card is a count over ``component_rows(component, month, organisation)`` —
the very queryset the drill-down page lists — computed with one grouped query per component
(set-based; the number of departments, not of rows, is what Python loops over).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhengwu.audit.actions import audit_record
from zhengwu.core.errors import NotFound, PermissionDenied, ValidationFailed
from zhengwu.directory.models import Organisation
from zhengwu.directory.selectors import account_has_perm_in, organisations_where
from zhengwu.supervision.models import (
    Clock,
    Complaint,
    ComplaintOutcome,
    Flag,
    Scorecard,
    ScoringRule,
)

SUPERVISE = "supervision.supervise"
VIEW_RANKING = "supervision.view_ranking"
OWN_CARD = "supervision.receive_cards"  # the department's leaders see its own card
COMPONENTS = {
    "on_time": gettext_lazy("On-time rate"),
    "flags": gettext_lazy("Confirmed irregularities"),
    "ratings": gettext_lazy("Service ratings"),
    "complaints": gettext_lazy("Complaints"),
}
RULE_FIELDS = (
    "weight_on_time",
    "weight_flags",
    "weight_ratings",
    "weight_complaints",
    "on_time_target",
    "flag_penalty",
    "satisfied_level",
    "complaint_penalty",
    "partly_penalty",
)
RULE_LIMITS = {
    "on_time_target": (1, 100),
    "satisfied_level": (1, 5),
}
ONE = Decimal("0.1")
HUNDRED = Decimal(100)


# ----------------------------------------------------------------------------- months


def month_parse(value: str) -> dt.date:
    """``"2026-10"`` → 2026-10-01; anything else → ValidationFailed."""
    try:
        year, month = (int(x) for x in str(value).strip().split("-"))
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("Give the month as YYYY-MM, e.g. 2026-10."), data={"field": "month"}
        ) from None


def month_next(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_previous(month: dt.date, n: int = 1) -> dt.date:
    for _i in range(n):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def _span(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month as aware datetimes [start, end) in the local time zone."""
    tz = timezone.get_current_timezone()
    end = month_next(month)
    return (
        dt.datetime(month.year, month.month, 1, tzinfo=tz),
        dt.datetime(end.year, end.month, 1, tzinfo=tz),
    )


# ----------------------------------------------------------------------------- rules


def current_rule() -> ScoringRule:
    """The newest rule version (the default one is saved the first time it is needed)."""
    rule = ScoringRule.objects.order_by("-pk").first()
    return rule or ScoringRule.objects.create(note=_("default rule"))


def _rule_value(name: str, value: Any) -> int:
    low, high = RULE_LIMITS.get(name, (0, 100))
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not low <= number <= high:
        raise ValidationFailed(
            _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
            data={"field": name},
        )
    return number


@transaction.atomic
def scoring_rule_update(*, actor: Any, values: dict[str, Any], note: str = "") -> ScoringRule:
    """Save a new version of the scoring rule (the old ones stay, for past months' cards)."""
    if not actor.has_perm(SUPERVISE):
        raise PermissionDenied()
    clean = {name: _rule_value(name, values.get(name)) for name in RULE_FIELDS}
    weights = [clean[n] for n in RULE_FIELDS if n.startswith("weight_")]
    if sum(weights) != 100:
        raise ValidationFailed(
            _("The four weights must add up to 100 (now %(sum)s).") % {"sum": sum(weights)},
            data={"field": "weight_on_time"},
        )
    note = str(note or "").strip()[:300]
    # Lock the newest version so two supervisors saving at once each see the other's change.
    before = ScoringRule.objects.select_for_update().order_by("-pk").first() or current_rule()
    changed = {
        n: [getattr(before, n), clean[n]] for n in RULE_FIELDS if getattr(before, n) != clean[n]
    }
    if not changed:
        return before  # a double submit (or nothing changed) saves no new version
    rule = ScoringRule.objects.create(created_by=actor, note=note, **clean)
    audit_record(
        actor=actor,
        action="supervision.scoring_rule.update",
        target=rule,
        changes={**changed, "previous_version": before.pk},
        reason=note,
    )
    return rule


# ----------------------------------------------------------------------------- rows and counts


def _rating_model() -> Any:
    try:
        return apps.get_model("eservices", "Rating")
    except LookupError:
        return None


def component_rows(component: str, month: dt.date, organisation_id: int | None = None) -> Any:
    """The rows behind a component for the month (all departments, or one)."""
    start, end = _span(month)
    if component == "on_time":
        qs = Clock.objects.filter(
            is_open=False,
            closed_on__gte=month,
            closed_on__lt=month_next(month),
            organisation__isnull=False,
        ).exclude(owner_type="workflow.task")
        org_field = "organisation_id"
    elif component == "flags":
        qs = Flag.objects.filter(
            status=Flag.Status.CONFIRMED, reviewed_at__gte=start, reviewed_at__lt=end
        )
        org_field = "organisation_id"
    elif component == "ratings":
        model = _rating_model()
        if model is None:
            return Clock.objects.none()
        qs = model.objects.filter(created_at__gte=start, created_at__lt=end)
        org_field = "application__handling_organisation_id"
    elif component == "complaints":
        qs = Complaint.objects.filter(
            status=Complaint.Status.ANSWERED, answered_at__gte=start, answered_at__lt=end
        )
        org_field = "organisation_id"
    else:
        raise NotFound()
    if organisation_id is not None:
        qs = qs.filter(**{org_field: organisation_id})
    return qs.annotate(org=F(org_field))


@dataclass
class Counts:
    closed_total: int = 0
    closed_late: int = 0
    flags_confirmed: int = 0
    ratings_total: int = 0
    ratings_satisfied: int = 0
    ratings_bad: int = 0
    ratings_level_sum: int = 0
    complaints_total: int = 0
    complaints_justified: int = 0
    complaints_partly: int = 0


def month_counts(month: dt.date, rule: ScoringRule) -> dict[int, Counts]:
    """Counts per department for the month: one grouped query per component."""
    result: dict[int, Counts] = {}

    def entry(org: int) -> Counts:
        return result.setdefault(org, Counts())

    for r in (
        component_rows("on_time", month)
        .values("org")
        .annotate(n=Count("*"), late=Count("pk", filter=Q(closed_on__gt=F("due_date"))))
        .order_by()
    ):
        e = entry(r["org"])
        e.closed_total, e.closed_late = r["n"], r["late"]
    for r in component_rows("flags", month).values("org").annotate(n=Count("*")).order_by():
        entry(r["org"]).flags_confirmed = r["n"]
    if _rating_model() is not None:
        bad = apps.get_model("eservices", "Rating").BAD
        for r in (
            component_rows("ratings", month)
            .values("org")
            .annotate(
                n=Count("*"),
                ok=Count("pk", filter=Q(level__gte=rule.satisfied_level)),
                bad=Count("pk", filter=Q(level__lte=bad)),
                total=Sum("level"),
            )
            .order_by()
        ):
            e = entry(r["org"])
            e.ratings_total, e.ratings_satisfied = r["n"], r["ok"]
            e.ratings_bad, e.ratings_level_sum = r["bad"], r["total"] or 0
    for r in (
        component_rows("complaints", month)
        .values("org")
        .annotate(
            n=Count("*"),
            yes=Count("pk", filter=Q(outcome=ComplaintOutcome.JUSTIFIED)),
            partly=Count("pk", filter=Q(outcome=ComplaintOutcome.PARTLY)),
        )
        .order_by()
    ):
        e = entry(r["org"])
        e.complaints_total, e.complaints_justified = r["n"], r["yes"]
        e.complaints_partly = r["partly"]
    result.pop(None, None)  # type: ignore[call-overload]
    return result


def _round(value: Decimal) -> Decimal:
    return value.quantize(ONE, rounding=ROUND_HALF_UP)


def scores(c: Counts, rule: ScoringRule) -> dict[str, Decimal | None]:
    """The four component scores and the weighted total."""
    on_time = None
    if c.closed_total:
        rate = HUNDRED * (c.closed_total - c.closed_late) / c.closed_total
        on_time = _round(min(HUNDRED, rate * 100 / rule.on_time_target))
    flags = _round(max(Decimal(0), HUNDRED - c.flags_confirmed * rule.flag_penalty))
    ratings = _round(HUNDRED * c.ratings_satisfied / c.ratings_total) if c.ratings_total else None
    complaints = _round(
        max(
            Decimal(0),
            HUNDRED
            - c.complaints_justified * rule.complaint_penalty
            - c.complaints_partly * rule.partly_penalty,
        )
    )
    parts = [
        (on_time, rule.weight_on_time),
        (flags, rule.weight_flags),
        (ratings, rule.weight_ratings),
        (complaints, rule.weight_complaints),
    ]
    weight = sum(w for s, w in parts if s is not None)
    total = sum((s * w for s, w in parts if s is not None), Decimal(0))
    return {
        "score_on_time": on_time,
        "score_flags": flags,
        "score_ratings": ratings,
        "score_complaints": complaints,
        "score": _round(total / weight) if weight else Decimal(0),
    }


@transaction.atomic
def scorecards_compute(
    *, month: dt.date, actor: Any = None, rule: ScoringRule | None = None
) -> list[Scorecard]:
    """Compute (or recompute, idempotently) every department's card for the month.

    Without ``rule`` a month that already has cards is recomputed with the rule version it was
    computed with (the same data gives the same card); a new month uses the current rule.
    """
    if actor is not None and not actor.has_perm(SUPERVISE):
        raise PermissionDenied()
    month = month.replace(day=1)
    if rule is None:
        used = Scorecard.objects.filter(month=month).values_list("rule_id", flat=True).first()
        rule = ScoringRule.objects.get(pk=used) if used else current_rule()
    # One computation of a month at a time (the unique constraint would stop the second anyway).
    ScoringRule.objects.select_for_update().get(pk=rule.pk)
    counts = month_counts(month, rule)
    active = set(
        Organisation.objects.filter(pk__in=list(counts), is_active=True).values_list(
            "pk", flat=True
        )
    )
    now = timezone.now()
    cards = [
        Scorecard(
            organisation_id=org,
            month=month,
            rule=rule,
            computed_at=now,
            **c.__dict__,
            **scores(c, rule),
        )
        for org, c in counts.items()
        if org in active
    ]
    cards.sort(key=lambda card: -card.score)
    for position, card in enumerate(cards, start=1):  # equal scores share a rank (1, 2, 2, 4)
        tied = position > 1 and cards[position - 2].score == card.score
        card.rank = cards[position - 2].rank if tied else position
    before = dict(Scorecard.objects.filter(month=month).values_list("organisation_id", "score"))
    Scorecard.objects.filter(month=month).delete()
    Scorecard.objects.bulk_create(cards)
    after = {c.organisation_id: c.score for c in cards}
    if not before and not after:
        return cards  # a month without data: nothing changed, nothing to audit
    audit_record(
        actor=actor,
        action="supervision.scorecards.compute",
        target=rule,
        changes={
            "month": month.strftime("%Y-%m"),
            "rule": rule.pk,
            "cards": len(cards),
            "scores_changed": {
                str(org): [str(before.get(org)), str(score)]
                for org, score in after.items()
                if before.get(org) != score
            },
        },
    )
    return cards


# ----------------------------------------------------------------------------- access


def ranking_organisations(actor: Any) -> QuerySet[Organisation] | None:
    """The departments whose cards the actor sees in the ranking; None = all of them."""
    if getattr(actor, "is_superuser", False):
        return None
    return (
        organisations_where(actor, SUPERVISE) | organisations_where(actor, VIEW_RANKING)
    ).distinct()


def may_view_ranking(actor: Any) -> bool:
    return actor.has_perm(SUPERVISE) or actor.has_perm(VIEW_RANKING)


def scorecard_list(actor: Any, month: dt.date) -> QuerySet[Scorecard]:
    """The month's cards the actor may see, best first: supervisors and leaders with the
    ranking permission see their scope; a department's leaders see their own card."""
    qs = Scorecard.objects.filter(month=month).select_related("organisation", "rule")
    if may_view_ranking(actor):
        scope = ranking_organisations(actor)
    else:
        scope = organisations_where(actor, OWN_CARD)
    if scope is not None:
        qs = qs.filter(organisation__in=scope.order_by().values("pk"))
    return qs.order_by("rank", "organisation__sort_path")


def access_scorecard(actor: Any, pk: int) -> Scorecard:
    card = Scorecard.objects.filter(pk=pk).select_related("organisation", "rule").first()
    if card is None or not (
        account_has_perm_in(actor, SUPERVISE, card.organisation)
        or account_has_perm_in(actor, VIEW_RANKING, card.organisation)
        or account_has_perm_in(actor, OWN_CARD, card.organisation)
    ):
        raise NotFound()
    return card


def scorecard_rows(card: Scorecard, component: str) -> Any:
    """The rows behind one component of a card (what its numbers count)."""
    if component not in COMPONENTS:
        raise NotFound()
    qs = component_rows(component, card.month, card.organisation_id)
    if component == "ratings":
        return qs.select_related("application").order_by("created_at", "pk")
    if component == "on_time":
        return qs.order_by("closed_on", "pk")
    return qs.order_by("pk")


def months_with_cards() -> list[dt.date]:
    return list(Scorecard.objects.order_by("-month").values_list("month", flat=True).distinct())
