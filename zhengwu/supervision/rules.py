"""Irregularity rules (set-based queries). Each returns findings; ``actions.rules_run`` turns new
ones into flags with an explanation task. Rules about cases read the eservices models only when
they exist (the case model is being built in parallel)."""

from typing import Any

from django.apps import apps
from django.db.models import Count, F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhengwu.supervision.models import Clock
from zhengwu.supervision.registry import Finding, register_rule
from zhengwu.workflow.models import TaskEvent

REASSIGN_LIMIT = 3  # 转办 this many times within one process is "reassigned repeatedly"
CASE_TYPE = "eservices.application"


def concluded_late() -> list[Finding]:
    """A subject (a case, a document, a letter) whose time limit closed after its due date.
    Workflow steps are excluded: their lateness is the case's, shown by cards."""
    rows = (
        Clock.objects.filter(is_open=False, closed_on__gt=F("due_date"), organisation__isnull=False)
        .exclude(owner_type="workflow.task")
        .values_list(
            "owner_type",
            "owner_id",
            "organisation_id",
            "title",
            "url",
            "label",
            "due_date",
            "closed_on",
        )
    )
    return [
        Finding(
            owner_type=t,
            owner_id=i,
            organisation_id=org,
            title=title or f"{t}#{i}",
            url=url,
            detail=_("“%(label)s” was due on %(due)s but concluded on %(closed)s.")
            % {"label": label, "due": due.isoformat(), "closed": closed.isoformat()},
        )
        for t, i, org, title, url, label, due, closed in rows
    ]


def reassigned_repeatedly() -> list[Finding]:
    rows = (
        TaskEvent.objects.filter(kind=TaskEvent.Kind.TRANSFERRED)
        .values(
            "instance_id",
            "instance__owner_type",
            "instance__owner_id",
            "instance__organisation_id",
            "instance__title",
            "instance__url",
        )
        .annotate(n=Count("pk"))
        .filter(n__gte=REASSIGN_LIMIT)
    )
    return [
        Finding(
            owner_type=r["instance__owner_type"],
            owner_id=r["instance__owner_id"],
            organisation_id=r["instance__organisation_id"],
            title=r["instance__title"],
            url=r["instance__url"],
            detail=_("Reassigned %(n)s times in one process.") % {"n": r["n"]},
        )
        for r in rows
    ]


def _case_model() -> Any:
    try:
        return apps.get_model("eservices", "Application")
    except LookupError:
        return None


def _case_fields(model: Any, *names: str) -> bool:
    have = {f.name for f in model._meta.get_fields()}
    return all(n in have for n in names)


def _case_findings(qs: Any, detail: Any) -> list[Finding]:
    from django.urls import NoReverseMatch, reverse

    found = []
    for pk, number, org, *extra in qs:
        try:
            url = reverse("cases:detail", args=[pk])
        except NoReverseMatch:
            url = ""
        found.append(
            Finding(
                owner_type=CASE_TYPE,
                owner_id=str(pk),
                organisation_id=org,
                title=_("Case %(number)s") % {"number": number},
                url=url,
                detail=detail(*extra),
            )
        )
    return found


def correction_repeated() -> list[Finding]:
    model = _case_model()
    if model is None or not _case_fields(model, "correction_count", "handling_organisation"):
        return []
    qs = model.objects.filter(correction_count__gt=1).values_list(
        "pk", "number", "handling_organisation_id", "correction_count"
    )
    return _case_findings(
        qs,
        lambda n: (
            _(
                "A correction notice (补正) was issued %(n)s times; the law asks for one "
                "notice listing everything missing."
            )
            % {"n": n}
        ),
    )


def fee_differs() -> list[Finding]:
    """The fee charged is not the sum of the catalogue's fees for the item."""
    model = _case_model()
    if model is None or not _case_fields(model, "fee_charged", "item", "handling_organisation"):
        return []
    from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    fees = (
        apps.get_model("eservices", "Fee")
        .objects.filter(item=OuterRef("item_id"))
        .values("item")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    qs = (
        model.objects.filter(fee_charged__isnull=False)
        .annotate(catalogue=Coalesce(Subquery(fees), Value(0), output_field=DecimalField()))
        .exclude(fee_charged=F("catalogue"))
        .values_list("pk", "number", "handling_organisation_id", "fee_charged", "catalogue")
    )
    return _case_findings(
        qs,
        lambda charged, cat: (
            _("Charged %(charged)s yuan; the catalogue says %(cat)s yuan.")
            % {"charged": charged, "cat": cat}
        ),
    )


# Steps that must have been completed before a decision, when the case's process has them:
# 审查 (or 联合审查 of a joint item) and 决定. 受理 is not among them: a case accepted by
# operation of law (行政许可法 Art. 32) legitimately has no completed 受理 step.
REQUIRED_STEPS = ("review", "joint_review", "decide")


def decided_without_steps() -> list[Finding]:
    """A case approved, refused or concluded while a required step of ITS process (see
    ``REQUIRED_STEPS``) has no completed task: a process without a review step (e.g. an
    immediate item) needs none. Cases without a process instance (imported history, decided
    outside the platform) are not checked. One ``NOT EXISTS`` per step and process version, so
    the query stays set-based."""
    model = _case_model()
    if model is None or not _case_fields(
        model, "status", "handling_organisation", "workflow_instance"
    ):
        return []
    from django.db.models import Exists, OuterRef, Q

    from zhengwu.workflow.models import ProcessDefinition, WorkTask

    decided = model.objects.filter(
        status__in=["approved", "refused", "concluded"], workflow_instance__isnull=False
    )
    definitions = ProcessDefinition.objects.filter(
        pk__in=decided.values("workflow_instance__definition_id")
    ).values_list("pk", "user_tasks")
    missing = Q(pk__in=[])
    for definition_id, user_tasks in definitions:
        for step in (s for s in REQUIRED_STEPS if s in (user_tasks or {})):
            done = WorkTask.objects.filter(
                instance_id=OuterRef("workflow_instance_id"), element_id=step, status="completed"
            )
            missing |= Q(workflow_instance__definition_id=definition_id) & ~Exists(done)
    qs = decided.filter(missing).values_list("pk", "number", "handling_organisation_id")
    return _case_findings(
        qs, lambda: _("Decided without completing the required steps of its process.")
    )


def register_default_rules() -> None:
    register_rule("concluded_late", gettext_lazy("concluded after the limit"), concluded_late)
    register_rule("reassigned", gettext_lazy("reassigned repeatedly"), reassigned_repeatedly)
    register_rule(
        "correction_repeated",
        gettext_lazy("correction requested more than once"),
        correction_repeated,
    )
    register_rule("fee_differs", gettext_lazy("fee differs from the catalogue"), fee_differs)
    register_rule(
        "decided_without_steps",
        gettext_lazy("decision without the required steps"),
        decided_without_steps,
    )
