"""The calendar pages on the workbench: parse, authorise, call one action or selector, render."""

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.core.access import staff_required
from zhengwu.core.errors import ApplicationError, NotFound, ValidationFailed
from zhengwu.workdays import actions, selectors
from zhengwu.workdays.forms import (
    CalendarDayForm,
    ConfirmYearForm,
    DueDateForm,
    ReasonForm,
    YearForm,
    add_action_error,
)
from zhengwu.workdays.models import CalendarDay
from zhengwu.workdays.package import package_years

VIEW_PERM = "workdays.view_calendarday"
CHANGE_PERM = "workdays.change_calendarday"


def _year_url(year: int, anchor: str = "") -> str:
    return f"{reverse('workdays:year')}?year={year}{anchor}"


def _parse_day(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Http404 from None
    if not actions.MIN_YEAR <= day.year <= actions.MAX_YEAR:
        raise Http404
    return day


@require_GET
@staff_required(VIEW_PERM)
def calendar_year(request: HttpRequest) -> HttpResponse:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
        grid = selectors.year_grid(year)
    except (ValueError, NotFound):
        raise Http404 from None
    overrides = list(selectors.calendar_day_list(year))
    return render(
        request,
        "workdays/calendar_year.html",
        {
            "year": year,
            "year_row": selectors.calendar_year_get(year),
            "years": selectors.calendar_year_list(),
            "months": grid,
            "overrides": overrides,
            "package_knows_year": year in package_years(),
            "package_years": package_years(),
            "confirm_form": ConfirmYearForm(initial={"year": year}),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required(CHANGE_PERM)
def calendar_day_edit(request: HttpRequest, day: str) -> HttpResponse:
    the_day = _parse_day(day)
    row = selectors.calendar_day_get(the_day)
    current = row if row and row.kind != CalendarDay.Kind.REGULAR else None
    if request.method == "POST":
        form = CalendarDayForm(request.POST)
        if form.is_valid():
            try:
                actions.calendar_day_set(
                    actor=request.user,
                    date=the_day,
                    kind=form.cleaned_data["kind"],
                    name=form.cleaned_data["name"],
                    note=form.cleaned_data["note"],
                )
            except ValidationFailed as error:
                add_action_error(form, error)
            else:
                messages.success(request, _("The calendar has been updated."))
                return redirect(_year_url(the_day.year, f"#d-{the_day.isoformat()}"))
    else:
        initial = {"kind": current.kind, "name": current.name} if current else {}
        if not current:
            initial["kind"] = (
                CalendarDay.Kind.HOLIDAY
                if the_day.weekday() < 5
                else CalendarDay.Kind.MAKEUP_WORKDAY
            )
        form = CalendarDayForm(initial=initial)
    return render(
        request,
        "workdays/calendar_day_form.html",
        {
            "day": the_day,
            "row": row,
            "current": current,
            "is_weekend": the_day.weekday() >= 5,
            "is_working_day": selectors.is_working_day(the_day),
            "form": form,
            "clear_form": ReasonForm(),
        },
    )


@require_POST
@staff_required(CHANGE_PERM)
def calendar_day_clear(request: HttpRequest, day: str) -> HttpResponse:
    the_day = _parse_day(day)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            actions.calendar_day_clear(
                actor=request.user, date=the_day, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The override has been removed."))
            return redirect(_year_url(the_day.year, f"#d-{the_day.isoformat()}"))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("workdays:day_edit", day=the_day.isoformat())


@require_POST
@staff_required(CHANGE_PERM)
def calendar_seed(request: HttpRequest) -> HttpResponse:
    form = YearForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a year."))
        return redirect("workdays:year")
    year = form.cleaned_data["year"]
    try:
        result = actions.calendar_year_seed(actor=request.user, year=year)
    except ValidationFailed as error:
        messages.error(request, str(error.message))
    else:
        if result.changed:
            messages.success(
                request,
                _(
                    "%(year)s seeded from chinese-calendar: %(created)s days added, %(updated)s "
                    "changed, %(deleted)s removed; %(moved)s open deadlines moved."
                )
                % {
                    "year": year,
                    "created": result.created,
                    "updated": result.updated,
                    "deleted": result.deleted,
                    "moved": result.deadlines_moved,
                },
            )
        else:
            messages.info(
                request,
                _("%(year)s already matches chinese-calendar; nothing changed.") % {"year": year},
            )
    return redirect(_year_url(year))


@require_POST
@staff_required(CHANGE_PERM)
def calendar_year_confirm(request: HttpRequest) -> HttpResponse:
    form = ConfirmYearForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        year = request.POST.get("year", "")
        return redirect(_year_url(int(year)) if year.isdigit() else reverse("workdays:year"))
    year = form.cleaned_data["year"]
    try:
        actions.calendar_year_confirm(actor=request.user, year=year, note=form.cleaned_data["note"])
    except ValidationFailed as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The holidays of %(year)s are confirmed.") % {"year": year})
    return redirect(_year_url(year))


@require_GET
@staff_required(VIEW_PERM)
def due_date_calculator(request: HttpRequest) -> HttpResponse:
    explanation = None
    if "start" in request.GET or "days" in request.GET:
        form = DueDateForm(request.GET)
        if form.is_valid():
            try:
                explanation = selectors.explain_due_date(
                    form.cleaned_data["start"], form.cleaned_data["days"]
                )
            except ValidationFailed as error:
                add_action_error(form, error)
    else:
        form = DueDateForm(initial={"start": timezone.localdate(), "days": 20})
    return render(
        request,
        "workdays/due_date_calculator.html",
        {"form": form, "explanation": explanation},
    )
