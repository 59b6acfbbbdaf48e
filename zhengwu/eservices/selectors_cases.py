"""Queries on applications (办件). ``access_*`` raise the same ``NotFound`` for a missing case and
for one the viewer may not see (no probing of case numbers)."""

import hmac
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from zhengwu.core.errors import NotFound
from zhengwu.directory.selectors import organisations_where
from zhengwu.eservices.cases import HANDLE_PERM, query_code_digest
from zhengwu.eservices.models import Application, JointOpinion

S = Application.Status


def open_draft(account: Any, item: Any) -> Application | None:
    """The account's draft for the item, which "apply" resumes (one draft per item)."""
    return Application.objects.filter(applicant=account, item=item, status=S.DRAFT).first()


def my_applications(account: Any) -> QuerySet[Application]:
    return (
        Application.objects.filter(applicant=account)
        .select_related("item", "handling_organisation")
        .order_by("-updated_at", "-pk")
    )


def access_own_application(account: Any, pk: Any) -> Application:
    app = (
        Application.objects.select_related("item", "handling_organisation")
        .filter(pk=int(pk) if str(pk).isdigit() else 0, applicant_id=getattr(account, "pk", None))
        .first()
    )
    if app is None:
        raise NotFound()
    return app


def query_application(number: str, code: str) -> Application:
    """Public lookup by case number + query code; constant-time comparison of the digest."""
    number = (number or "").strip()[:40]
    code = (code or "").strip()[:20]
    app = (
        Application.objects.select_related("item", "handling_organisation")
        .filter(number=number)
        .exclude(number__isnull=True)
        .first()
        if number
        else None
    )
    digest = query_code_digest(code) if code else ""
    stored = app.query_code if app is not None else "0" * 64
    if not (hmac.compare_digest(stored, digest or "x" * 64) and app is not None and code):
        raise NotFound()
    return app


def _org_ids(account: Any) -> list[int]:
    return list(organisations_where(account, HANDLE_PERM).values_list("pk", flat=True))


def _visible(account: Any) -> Q:
    orgs = _org_ids(account)
    joint = JointOpinion.objects.filter(organisation_id__in=orgs).values("application_id")
    return Q(handling_organisation_id__in=orgs) | Q(pk__in=joint)


@dataclass
class CaseFilters:
    status: str = ""
    item: str = ""
    q: str = ""
    overdue: bool = False


def staff_cases(account: Any, filters: CaseFilters) -> QuerySet[Application]:
    qs = (
        Application.objects.exclude(status=S.DRAFT)
        .filter(_visible(account))
        .select_related("item", "handling_organisation")
        .order_by("-submitted_at", "-pk")
    )
    if filters.status in S.values:
        qs = qs.filter(status=filters.status)
    if filters.item.isdigit():
        qs = qs.filter(item_id=int(filters.item))
    if filters.q:
        q = filters.q.strip()[:100]
        qs = qs.filter(
            Q(number__icontains=q) | Q(applicant_name__icontains=q) | Q(item__name__icontains=q)
        )
    if filters.overdue:
        from django.utils import timezone

        qs = qs.filter(
            status__in=[S.ACCEPTED, S.UNDER_REVIEW], promised_due__lt=timezone.localdate()
        )
    return qs


def access_case(account: Any, pk: Any) -> Application:
    if not str(pk).isdigit():
        raise NotFound()
    app = (
        Application.objects.exclude(status=S.DRAFT)
        .filter(_visible(account), pk=int(pk))
        .select_related("item", "handling_organisation", "applicant", "workflow_instance")
        .first()
    )
    if app is None:
        raise NotFound()
    return app


def concluded_public(q: str = "") -> QuerySet[Application]:
    """办件公示: concluded cases (and not accepted ones) for the public list."""
    qs = (
        Application.objects.filter(status__in=[S.CONCLUDED, S.NOT_ACCEPTED])
        .select_related("item", "handling_organisation")
        .order_by("-concluded_at", "-pk")
    )
    q = (q or "").strip()[:100]
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(item__name__icontains=q)
            | Q(handling_organisation__name__icontains=q)
        )
    return qs
