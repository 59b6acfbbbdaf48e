"""Supervision queries. Every dashboard number and the list behind it come from the same
``clock_list`` queryset, so a number always equals the rows its drill-down shows."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from zhengwu.core.errors import NotFound
from zhengwu.directory.models import Organisation
from zhengwu.directory.selectors import organisations_where
from zhengwu.supervision.models import Card, Clock, Colour, Extension, Flag
from zhengwu.workdays.models import DeadlineSuspension

SUPERVISE = "supervision.supervise"


@dataclass
class ClockFilters:
    organisation_id: int | None = None
    region_code: str = ""
    owner_type: str = ""
    label: str = ""
    category: str = ""
    colour: str = ""  # green | yellow | red
    state: str = "open"  # open | closed | late | all
    date_from: date | None = None  # start date range
    date_to: date | None = None
    search: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def query(self, **override: Any) -> str:
        """The filters as a query string (for drill-down links)."""
        from urllib.parse import urlencode

        values = {
            "organisation": self.organisation_id or "",
            "region": self.region_code,
            "type": self.owner_type,
            "label": self.label,
            "category": self.category,
            "colour": self.colour,
            "state": self.state,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "q": self.search,
        }
        values.update(override)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def supervised_organisations(actor: Any) -> QuerySet[Organisation]:
    return organisations_where(actor, SUPERVISE)


def _scope(actor: Any) -> Q:
    """The clocks of the departments the actor supervises. A supervisor whose scope covers every
    organisation (the city's 监察 office) needs no filter, which keeps the aggregates on their
    index-only scans."""
    if getattr(actor, "is_superuser", False):
        return Q()
    scope = supervised_organisations(actor).order_by()
    if scope.count() == Organisation.objects.count():
        return Q()
    return Q(organisation__in=scope.values("pk"))


def clock_list(actor: Any, filters: ClockFilters) -> QuerySet[Clock]:
    qs = Clock.objects.filter(_scope(actor))
    f = filters
    if f.organisation_id:
        org = Organisation.objects.filter(pk=f.organisation_id).only("tree_path").first()
        qs = qs.filter(organisation__tree_path__startswith=org.tree_path) if org else qs.none()
    if f.region_code:
        qs = qs.filter(organisation__region__code__startswith=f.region_code)
    if f.owner_type:
        qs = qs.filter(owner_type=f.owner_type)
    if f.label:
        qs = qs.filter(label=f.label)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.colour:
        qs = qs.filter(colour=f.colour)
    if f.state == "open":
        qs = qs.filter(is_open=True)
    elif f.state == "closed":
        qs = qs.filter(is_open=False)
    elif f.state == "late":
        qs = qs.filter(is_open=False, closed_on__gt=models_F("due_date"))
    elif f.state == "ontime":
        qs = qs.filter(is_open=False, closed_on__lte=models_F("due_date"))
    elif f.state == "overdue":
        qs = qs.filter(is_open=True, colour=Colour.RED)
    if f.date_from:
        qs = qs.filter(start__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(start__lte=f.date_to)
    if f.search:
        qs = qs.filter(Q(title__icontains=f.search) | Q(owner_id=f.search))
    return qs


def models_F(name: str) -> Any:  # noqa: N802 - a tiny alias keeps the filters readable
    from django.db.models import F

    return F(name)


def counts_by_organisation(actor: Any, filters: ClockFilters) -> list[dict[str, Any]]:
    """Open clocks by department and colour: [{organisation, green, yellow, red, total}]."""
    rows = (
        clock_list(actor, filters)
        .values("organisation_id", "colour")
        .annotate(n=Count("*"))
        .order_by()
    )
    table: dict[int | None, dict[str, Any]] = {}
    for r in rows:
        entry = table.setdefault(r["organisation_id"], {"green": 0, "yellow": 0, "red": 0})
        entry[r["colour"]] = r["n"]
    names = dict(
        Organisation.objects.filter(pk__in=[k for k in table if k]).values_list("pk", "name")
    )
    result = []
    for org_id, entry in table.items():
        entry.update(
            organisation_id=org_id,
            organisation=names.get(org_id, "—"),
            total=entry["green"] + entry["yellow"] + entry["red"],
        )
        result.append(entry)
    return sorted(result, key=lambda e: (-e["red"], -e["yellow"], e["organisation"]))


def on_time(actor: Any, filters: ClockFilters) -> dict[str, Any]:
    """Closed clocks: how many concluded within the limit."""
    closed = ClockFilters(**{**filters.__dict__, "state": "closed", "colour": ""})
    agg = clock_list(actor, closed).aggregate(
        total=Count("*"), late=Count("closed_on", filter=Q(closed_on__gt=models_F("due_date")))
    )
    total, late = agg["total"], agg["late"]
    return {
        "total": total,
        "late": late,
        "on_time": total - late,
        "rate": round(100 * (total - late) / total, 1) if total else None,
    }


def processing_times(actor: Any, filters: ClockFilters) -> list[dict[str, Any]]:
    """Average and 90th percentile of working days taken, per category (e.g. service item).

    One grouped query returns the histogram (category, days taken, count) — days taken is a
    small integer, so it has at most a few hundred rows per category — and the exact average
    and P90 (the ceil(0.9 n)-th smallest value) are read off it. Same SQL on SQLite and
    PostgreSQL, and no sort of the underlying rows.
    """
    closed = ClockFilters(**{**filters.__dict__, "state": "closed", "colour": ""})
    qs = clock_list(actor, closed).exclude(category="").filter(elapsed_days__isnull=False)
    histogram: dict[str, list[tuple[int, int]]] = {}
    for category, days, n in (
        qs.values_list("category", "elapsed_days").annotate(n=Count("*")).order_by()
    ):
        histogram.setdefault(category, []).append((days, n))
    rows = []
    for category in sorted(histogram):
        bins = sorted(histogram[category])
        total = sum(n for _d, n in bins)
        rank = -(-9 * total // 10)  # ceil(0.9 n), 1-based
        seen, p90 = 0, bins[-1][0]
        for days, n in bins:
            seen += n
            if seen >= rank:
                p90 = days
                break
        rows.append(
            {
                "category": category,
                "name": category.split(":", 1)[-1],
                "n": total,
                "avg": round(sum(d * n for d, n in bins) / total, 1),
                "p90": p90,
            }
        )
    return rows


def monthly_trend(actor: Any, filters: ClockFilters) -> list[dict[str, Any]]:
    """Concluded and late per month. Grouped by day in SQL (an index-only scan of the closed
    clocks' (closed_on, due_date) index, no per-row date arithmetic) and folded into months
    here: at most a few hundred rows per year."""
    closed = ClockFilters(**{**filters.__dict__, "state": "closed", "colour": ""})
    rows = (
        clock_list(actor, closed)
        .values("closed_on")
        .annotate(
            total=Count("*"), late=Count("closed_on", filter=Q(closed_on__gt=models_F("due_date")))
        )
        .order_by()
    )
    months: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["closed_on"] is None:
            continue
        key = r["closed_on"].strftime("%Y-%m")
        entry = months.setdefault(key, {"month": key, "total": 0, "late": 0})
        entry["total"] += r["total"]
        entry["late"] += r["late"]
    return [months[k] for k in sorted(months)]


def access_clock(actor: Any, pk: int) -> Clock:
    """The clock, if the actor supervises its department (else the same NotFound)."""
    clock = (
        Clock.objects.filter(_scope(actor), pk=pk)
        .select_related("organisation", "deadline")
        .first()
    )
    if clock is None:
        raise NotFound()
    return clock


def access_clock_for_extension(actor: Any, pk: int) -> Clock:
    """A clock whose department the actor may ask extensions for, or that the actor supervises."""
    clock = Clock.objects.filter(pk=pk).select_related("organisation", "deadline").first()
    if clock is None or clock.organisation is None:
        raise NotFound()
    from zhengwu.directory.selectors import account_has_perm_in

    if not (
        account_has_perm_in(actor, "supervision.add_extension", clock.organisation)
        or account_has_perm_in(actor, SUPERVISE, clock.organisation)
    ):
        raise NotFound()
    return clock


def clock_timeline(clock: Clock) -> list[dict[str, Any]]:
    """Everything that happened to a time limit, oldest first: start, suspensions, extensions,
    cards, close — plus the clocks of the same owner (e.g. a case's statutory and promised)."""
    events: list[dict[str, Any]] = [{"on": clock.start, "what": "start", "clock": clock}]
    for s in DeadlineSuspension.objects.filter(deadline_id=clock.deadline_id).order_by("pk"):
        events.append({"on": s.suspended_on, "what": "suspended", "detail": s.reason})
        if s.resumed_on:
            events.append({"on": s.resumed_on, "what": "resumed", "detail": s.working_days})
    events += [
        {"on": timezone.localdate(e.requested_at), "what": "extension", "obj": e}
        for e in Extension.objects.filter(clock=clock).order_by("pk")
    ]
    events += [
        {"on": c.issued_on, "what": "card", "obj": c}
        for c in Card.objects.filter(clock=clock).order_by("pk")
    ]
    if clock.closed_on:
        events.append({"on": clock.closed_on, "what": "closed"})
    return sorted(events, key=lambda e: e["on"])


def flag_list(actor: Any, *, status: str = "", rule: str = "") -> QuerySet[Flag]:
    qs = Flag.objects.filter(_scope(actor)).select_related("organisation").order_by("-found_at")
    if status:
        qs = qs.filter(status=status)
    if rule:
        qs = qs.filter(rule=rule)
    return qs


def access_flag(actor: Any, pk: int) -> Flag:
    """A flag: its supervisors, and the leaders of its department who explain it."""
    flag = Flag.objects.filter(pk=pk).select_related("organisation").first()
    if flag is None:
        raise NotFound()
    from zhengwu.directory.selectors import account_has_perm_in

    if not (
        account_has_perm_in(actor, SUPERVISE, flag.organisation)
        or account_has_perm_in(actor, "supervision.receive_cards", flag.organisation)
    ):
        raise NotFound()
    return flag


def access_complaint(actor: Any, pk: int) -> Any:
    from zhengwu.supervision.models import Complaint

    complaint = (
        Complaint.objects.filter(_scope(actor), pk=pk).select_related("organisation").first()
    )
    if complaint is None:
        raise NotFound()
    return complaint


def case_events(application_id: int) -> list[Any]:
    """The case's own history (eservices ``ApplicationEvent``), oldest first."""
    from django.apps import apps

    try:
        model = apps.get_model("eservices", "ApplicationEvent")
    except LookupError:
        return []
    return list(model.objects.filter(application_id=application_id).order_by("pk")[:200])


# ----------------------------------------------------------------------------- 好差评 (ratings)


def _rating_model() -> Any:
    from django.apps import apps

    try:
        return apps.get_model("eservices", "Rating")
    except LookupError:
        return None


def rating_list(
    actor: Any,
    filters: ClockFilters,
    *,
    item_id: int | None = None,
    department_id: int | None = None,
    bad: bool = False,
    rectified: str = "",  # "" | "yes" | "no" (bad ratings answered or not)
) -> Any:
    """Ratings of the cases of the departments the actor supervises, with the dashboard's
    department / region / item / date filters (date = when rated). Every ratings number on the
    dashboard is an aggregate of this queryset, and its drill-down lists the same rows."""
    model = _rating_model()
    if model is None:
        return Clock.objects.none()
    qs = model.objects.all()
    scope = _scope(actor)
    if scope:
        qs = qs.filter(
            application__handling_organisation__in=supervised_organisations(actor)
            .order_by()
            .values("pk")
        )
    f = filters
    if f.organisation_id:
        org = Organisation.objects.filter(pk=f.organisation_id).only("tree_path").first()
        qs = (
            qs.filter(application__handling_organisation__tree_path__startswith=org.tree_path)
            if org
            else qs.none()
        )
    if f.region_code:
        qs = qs.filter(application__handling_organisation__region__code__startswith=f.region_code)
    if f.date_from:
        qs = qs.filter(created_at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(created_at__date__lte=f.date_to)
    if item_id:
        qs = qs.filter(application__item_id=item_id)
    if department_id:  # exactly this department (a row of the by-department table)
        qs = qs.filter(application__handling_organisation_id=department_id)
    if bad or rectified:
        qs = qs.filter(level__lte=model.BAD)
    if rectified == "yes":
        qs = qs.filter(responded_at__isnull=False)
    elif rectified == "no":
        qs = qs.filter(responded_at__isnull=True)
    return qs


def rating_summary(actor: Any, filters: ClockFilters) -> dict[str, Any]:
    """好差评 by department and by item: count, share satisfied (level ≥ 4), average level, bad
    ratings and how many of those are rectified (answered)."""
    from django.db.models import Avg

    model = _rating_model()
    if model is None:
        return {"by_organisation": [], "by_item": [], "total": None}
    aggregates = {
        "n": Count("*"),
        "satisfied": Count("pk", filter=Q(level__gte=4)),
        "avg": Avg("level"),
        "bad": Count("pk", filter=Q(level__lte=model.BAD)),
        "rectified": Count("pk", filter=Q(level__lte=model.BAD, responded_at__isnull=False)),
    }

    def finish(row: dict[str, Any]) -> dict[str, Any]:
        n = row["n"]
        row["share"] = round(100 * row["satisfied"] / n, 1) if n else None
        row["avg"] = round(row["avg"], 2) if row["avg"] is not None else None
        row["unrectified"] = row["bad"] - row["rectified"]
        return row

    qs = rating_list(actor, filters)
    by_org = [
        finish(r)
        for r in qs.values(
            "application__handling_organisation_id", "application__handling_organisation__name"
        )
        .annotate(**aggregates)
        .order_by("application__handling_organisation__name")
    ]
    by_item = [
        finish(r)
        for r in qs.values("application__item_id", "application__item__name")
        .annotate(**aggregates)
        .order_by("application__item__name")
    ]
    total = finish(qs.aggregate(**aggregates))
    return {"by_organisation": by_org, "by_item": by_item, "total": total}
