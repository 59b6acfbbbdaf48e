"""Scorecard pages (绩效考核): ranking per month, one department's card, the rows behind a
component, Excel and PDF exports, the scoring rule; and the 好差评 drill-down list."""

import datetime as dt
from typing import Any

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.core.access import staff_required
from zhengwu.core.errors import ApplicationError, NotFound
from zhengwu.core.spreadsheet import xlsx_response, xlsx_table
from zhengwu.supervision import scorecards, selectors
from zhengwu.supervision.models import Scorecard, ScoringRule
from zhengwu.supervision.views import PAGE_SIZE, _filter_context, _filters, _int

SUPERVISE = "supervision.supervise"


def _month(request: HttpRequest) -> dt.date:
    value = request.GET.get("month", "")
    if value:
        try:
            return scorecards.month_parse(value)
        except ApplicationError:
            pass
    months = scorecards.months_with_cards()
    return months[0] if months else scorecards.month_previous(timezone.localdate().replace(day=1))


def _pdf(html: str, filename: str) -> HttpResponse:
    from zhengwu.licences.rendering import html_to_pdf

    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _pdf_context(cards: list[Scorecard], month: dt.date) -> dict[str, Any]:
    from zhengwu.licences.rendering import font_family

    return {
        "cards": cards,
        "month": month,
        "font_family": font_family(),
        "rule": cards[0].rule if cards else None,
        "generated_at": timezone.localtime(),
    }


@require_GET
@staff_required()
def ranking(request: HttpRequest) -> HttpResponse:
    """Departments by score for a month (supervisors and leaders with the ranking permission:
    their scope; a department's leaders: their own card)."""
    month = _month(request)
    cards = list(scorecards.scorecard_list(request.user, month))
    label = month.strftime("%Y-%m")
    export = request.GET.get("export", "")
    if export == "xlsx":
        return _export_xlsx(cards, label)
    if export == "pdf":
        html = render_to_string("supervision/scorecards_pdf.html", _pdf_context(cards, month))
        return _pdf(html, f"scorecards-{label}.pdf")
    months = scorecards.months_with_cards()
    if month not in months:
        months = sorted([*months, month], reverse=True)
    return render(
        request,
        "supervision/ranking.html",
        {
            "cards": cards,
            "month": month,
            "month_label": label,
            "months": months,
            "may_compute": request.user.has_perm(SUPERVISE),
            "is_ranking": scorecards.may_view_ranking(request.user),
            "components": scorecards.COMPONENTS,
        },
    )


def _export_xlsx(cards: list[Scorecard], label: str) -> HttpResponse:
    headers = (
        _("Rank"), _("Department"), _("Score"),
        _("On-time rate"), _("Time limits concluded"), _("Concluded late"),
        _("Confirmed irregularities"),
        _("Service ratings"), _("Satisfied share (%)"), _("Average rating"), _("Bad ratings"),
        _("Complaints answered"), _("Justified"), _("Partly justified"),
        _("Score: on time"), _("Score: irregularities"), _("Score: ratings"),
        _("Score: complaints"), _("Scoring rule"),
    )  # fmt: skip
    rows = (
        (c.rank, c.organisation.name, c.score,
         c.on_time_rate, c.closed_total, c.closed_late, c.flags_confirmed,
         c.ratings_total, c.satisfied_share, c.rating_average, c.ratings_bad,
         c.complaints_total, c.complaints_justified, c.complaints_partly,
         c.score_on_time, c.score_flags, c.score_ratings, c.score_complaints, f"v{c.rule_id}")
        for c in cards
    )  # fmt: skip
    return xlsx_response(
        xlsx_table(_("Scorecards %(month)s") % {"month": label}, headers, rows),
        f"scorecards-{label}.xlsx",
    )


@require_POST
@staff_required(SUPERVISE)
def compute(request: HttpRequest) -> HttpResponse:
    """(Re)compute a month with the current scoring rule."""
    try:
        month = scorecards.month_parse(request.POST.get("month", ""))
        cards = scorecards.scorecards_compute(
            month=month, actor=request.user, rule=scorecards.current_rule()
        )
    except ApplicationError as exc:
        flash.error(request, str(exc.message))
        return redirect("supervision:ranking")
    flash.success(request, _("%(n)s scorecards computed.") % {"n": len(cards)})
    return redirect(f"{reverse('supervision:ranking')}?month={month:%Y-%m}")


@require_GET
@staff_required()
def card_detail(request: HttpRequest, card_id: int) -> HttpResponse:
    try:
        card = scorecards.access_scorecard(request.user, card_id)
    except NotFound:
        raise Http404 from None
    if request.GET.get("export") == "pdf":
        html = render_to_string("supervision/scorecards_pdf.html", _pdf_context([card], card.month))
        return _pdf(html, f"scorecard-{card.organisation_id}-{card.month:%Y-%m}.pdf")
    return render(
        request,
        "supervision/scorecard.html",
        {"card": card, "components": scorecards.COMPONENTS},
    )


@require_GET
@staff_required()
def card_rows(request: HttpRequest, card_id: int, component: str) -> HttpResponse:
    """The rows behind one component of a card."""
    try:
        card = scorecards.access_scorecard(request.user, card_id)
        rows = scorecards.scorecard_rows(card, component)
    except NotFound:
        raise Http404 from None
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/scorecard_rows.html",
        {
            "card": card,
            "component": component,
            "component_label": scorecards.COMPONENTS[component],
            "page": page,
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required(SUPERVISE)
def scoring_rule(request: HttpRequest) -> HttpResponse:
    rule = scorecards.current_rule()
    error = ""
    values: Any = rule.__dict__
    if request.method == "POST":
        values = request.POST
        try:
            scorecards.scoring_rule_update(
                actor=request.user, values=request.POST.dict(), note=request.POST.get("note", "")
            )
        except ApplicationError as exc:
            error = str(exc.message)
        else:
            flash.success(request, _("The scoring rule was saved as a new version."))
            return redirect("supervision:scoring_rule")
    fields = [
        (name, ScoringRule._meta.get_field(name).verbose_name, values.get(name, ""))
        for name in scorecards.RULE_FIELDS
    ]
    return render(
        request,
        "supervision/scoring_rule.html",
        {
            "rule": rule,
            "fields": fields,
            "error": error,
            "versions": ScoringRule.objects.select_related("created_by")[:20],
        },
        status=400 if error else 200,
    )


@require_GET
@staff_required(SUPERVISE)
def rating_list(request: HttpRequest) -> HttpResponse:
    """The ratings behind a 好差评 number on the dashboard."""
    filters = _filters(request)
    rectified = request.GET.get("rectified", "")
    qs = selectors.rating_list(
        request.user,
        filters,
        item_id=_int(request.GET.get("item", "")),
        department_id=_int(request.GET.get("dept", "")),
        bad=request.GET.get("bad") == "1",
        rectified=rectified if rectified in ("yes", "no") else "",
    )
    qs = qs.select_related(
        "application", "application__item", "application__handling_organisation"
    ).order_by("-created_at", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/ratings.html",
        {**_filter_context(request, filters), "page": page},
    )
