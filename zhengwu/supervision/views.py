"""Supervision pages (workbench): dashboard, clocks with drill-down, one clock's timeline,
extension requests, flags. Parse, authorise, call one selector or action, render."""

from datetime import date
from typing import Any

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.core.access import staff_required
from zhengwu.core.errors import ApplicationError, NotFound
from zhengwu.core.spreadsheet import xlsx_response, xlsx_table
from zhengwu.supervision import actions, selectors
from zhengwu.supervision.clocks import rule_settings
from zhengwu.supervision.models import Colour, Flag
from zhengwu.supervision.registry import clock_owners, rule_label, rules

SUPERVISE = "supervision.supervise"
PAGE_SIZE = 30
STATES = [
    ("open", pgettext_lazy("clock", "running")),
    ("overdue", _lazy("overdue")),
    ("closed", _lazy("closed")),
    ("ontime", _lazy("closed on time")),
    ("late", _lazy("closed late")),
    ("all", _lazy("All")),
]


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str) -> int | None:
    return int(value) if value and value.isdigit() else None


def _filters(request: HttpRequest, *, default_state: str = "open") -> selectors.ClockFilters:
    g = request.GET
    state = g.get("state", default_state)
    colour = g.get("colour", "")
    return selectors.ClockFilters(
        organisation_id=_int(g.get("organisation", "")),
        region_code=g.get("region", "").strip()[:12],
        owner_type=g.get("type", "").strip()[:100],
        label=g.get("label", "").strip()[:100],
        category=g.get("category", "").strip()[:200],
        colour=colour if colour in Colour.values else "",
        state=state if state in ("open", "closed", "late", "ontime", "overdue", "all") else "open",
        date_from=_date(g.get("from", "")),
        date_to=_date(g.get("to", "")),
        search=g.get("q", "").strip()[:100],
    )


def _filter_context(request: HttpRequest, filters: selectors.ClockFilters) -> dict[str, Any]:
    return {
        "filters": filters,
        "organisations": selectors.supervised_organisations(request.user).filter(
            kind__in=["department", "government"]
        )[:300],
        "owner_types": clock_owners(),
        "colours": Colour.choices,
    }


@require_GET
@staff_required(SUPERVISE)
def dashboard(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    counts = selectors.counts_by_organisation(request.user, filters)
    totals = {c: sum(r[c] for r in counts) for c in ("green", "yellow", "red", "total")}
    ratings = selectors.rating_summary(request.user, filters)
    return render(
        request,
        "supervision/dashboard.html",
        {
            **_filter_context(request, filters),
            "counts": counts,
            "totals": totals,
            "on_time": selectors.on_time(request.user, filters),
            "times": selectors.processing_times(request.user, filters),
            "trend": selectors.monthly_trend(request.user, filters),
            "ratings": ratings,
            "ratings_tables": _ratings_tables(ratings),
            "data_url": request.path + "data/?" + filters.query(),
            "chart_labels": {
                "green": _("green"),
                "yellow": _("yellow card"),
                "red": _("red card"),
                "avg": _("Average"),
                "p90": _("90th percentile"),
                "total": _("Concluded"),
                "late": _("Late"),
            },
        },
    )


def _ratings_tables(ratings: dict[str, Any]) -> list[tuple[Any, str, list[dict[str, Any]]]]:
    """The 好差评 tables with each row's drill-down parameter (department or item)."""
    by_org = [
        {**r, "name": r["application__handling_organisation__name"],
         "param": f"dept={r['application__handling_organisation_id']}"}
        for r in ratings["by_organisation"]
    ]  # fmt: skip
    by_item = [
        {**r, "name": r["application__item__name"], "param": f"item={r['application__item_id']}"}
        for r in ratings["by_item"]
    ]
    return [(_("By department"), "organisation", by_org), (_("By item"), "item", by_item)]


@require_GET
@staff_required(SUPERVISE)
def dashboard_data(request: HttpRequest) -> JsonResponse:
    """The chart data (ECharts options are built in the page's script)."""
    filters = _filters(request)
    return JsonResponse(
        {
            "by_organisation": selectors.counts_by_organisation(request.user, filters),
            "on_time": selectors.on_time(request.user, filters),
            "times": selectors.processing_times(request.user, filters),
            "trend": selectors.monthly_trend(request.user, filters),
        }
    )


@require_GET
@staff_required(SUPERVISE)
def clock_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    qs = selectors.clock_list(request.user, filters).select_related("organisation")
    qs = qs.order_by("due_date", "pk")
    if request.GET.get("export") == "xlsx":
        return _export(qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/clocks.html",
        {
            **_filter_context(request, filters),
            "page": page,
            "today": timezone.localdate(),
            "query": filters.query(),
            "states": STATES,
        },
    )


def _export(qs: Any) -> HttpResponse:
    headers = (
        _("Subject"), _("Time limit"), _("Department"), _("Start date"), _("Due date"),
        _("Colour"), _("Closed on"), _("Working days taken"),
    )  # fmt: skip
    rows = (
        (c.title, c.label, c.organisation.name if c.organisation else "", c.start, c.due_date,
         c.get_colour_display(), c.closed_on, c.elapsed_days)
        for c in qs.iterator(chunk_size=2000)
    )  # fmt: skip
    return xlsx_response(xlsx_table(_("Time limits"), headers, rows), "time-limits.xlsx")


@require_http_methods(["GET", "POST"])
@staff_required(SUPERVISE)
def clock_detail(request: HttpRequest, clock_id: int) -> HttpResponse:
    try:
        clock = selectors.access_clock(request.user, clock_id)
    except NotFound:
        raise Http404 from None
    error = ""
    if request.method == "POST":
        try:
            flag = actions.flag_raise(
                actor=request.user, clock=clock, detail=request.POST.get("detail", "")
            )
        except ApplicationError as exc:
            error = str(exc.message)
        else:
            flash.success(request, _("The supervision task was sent to the department."))
            return redirect("supervision:flag", flag.pk)
    return render(
        request,
        "supervision/clock.html",
        {
            "clock": clock,
            "timeline": selectors.clock_timeline(clock),
            "error": error,
            "siblings": selectors.clock_list(request.user, selectors.ClockFilters(state="all"))
            .filter(owner_type=clock.owner_type, owner_id=clock.owner_id)
            .exclude(pk=clock.pk),
        },
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_required("supervision.add_extension")
def extension_request(request: HttpRequest, clock_id: int) -> HttpResponse:
    try:
        clock = selectors.access_clock_for_extension(request.user, clock_id)
    except NotFound:
        raise Http404 from None
    error = ""
    if request.method == "POST":
        try:
            actions.extension_request(
                actor=request.user,
                clock=clock,
                extra_working_days=request.POST.get("extra_working_days", ""),
                reason=request.POST.get("reason", ""),
            )
        except ApplicationError as exc:
            error = str(exc.message)
        else:
            flash.success(request, _("The extension was sent for approval."))
            return redirect("workflow:inbox")
    return render(
        request,
        "supervision/extension.html",
        {"clock": clock, "error": error},
        status=400 if error else 200,
    )


@require_GET
@staff_required(SUPERVISE)
def flag_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rule = request.GET.get("rule", "")
    qs = selectors.flag_list(
        request.user, status=status if status in Flag.Status.values else "", rule=rule[:40]
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/flags.html",
        {
            "page": page,
            "statuses": Flag.Status.choices,
            "status": status,
            "rule": rule,
            "rules": rules(),
        },
    )


@require_GET
@staff_required()
def flag_detail(request: HttpRequest, flag_id: int) -> HttpResponse:
    try:
        flag = selectors.access_flag(request.user, flag_id)
    except NotFound:
        raise Http404 from None
    return render(
        request, "supervision/flag.html", {"flag": flag, "rule_label": rule_label(flag.rule)}
    )


@require_http_methods(["GET", "POST"])
@staff_required(SUPERVISE)
def rule_edit(request: HttpRequest) -> HttpResponse:
    rule = rule_settings()
    error = ""
    if request.method == "POST":
        try:
            actions.rule_settings_update(
                actor=request.user,
                yellow_share=_int(request.POST.get("yellow_share", "")) or 0,
                yellow_days_left=_int(request.POST.get("yellow_days_left", ""))
                if request.POST.get("yellow_days_left", "").isdigit()
                else -1,
            )
        except ApplicationError as exc:
            error = str(exc.message)
        else:
            flash.success(request, _("The card rule was saved."))
            return redirect("supervision:rule")
    return render(
        request,
        "supervision/rule.html",
        {"rule": rule, "error": error},
        status=400 if error else 200,
    )


@require_POST
@staff_required(SUPERVISE)
def rules_run(request: HttpRequest) -> HttpResponse:
    created = actions.rules_run(actor=request.user)
    flash.success(request, _("%(n)s new irregularities flagged.") % {"n": len(created)})
    return redirect("supervision:flags")


@require_GET
@staff_required(SUPERVISE)
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    """A complaint with the case's history: its time limits and their timelines."""
    try:
        complaint = selectors.access_complaint(request.user, complaint_id)
    except NotFound:
        raise Http404 from None
    clocks = selectors.clock_list(request.user, selectors.ClockFilters(state="all")).filter(
        owner_type="eservices.application", owner_id=str(complaint.application_id)
    )
    return render(
        request,
        "supervision/complaint.html",
        {
            "complaint": complaint,
            "history": [(c, selectors.clock_timeline(c)) for c in clocks],
            "events": selectors.case_events(complaint.application_id),
        },
    )
