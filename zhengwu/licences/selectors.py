"""Queries on electronic licences; ``access_*`` answer the same ``NotFound`` for missing and
forbidden."""

from typing import Any

from django.db.models import Q, QuerySet

from zhengwu.core.errors import NotFound
from zhengwu.directory.selectors import account_has_perm_in, organisations_where
from zhengwu.licences.models import Licence

VIEW_PERM = "licences.view_licence"


def _holder_scope(account: Any) -> Q | None:
    """Licences held by ``account``: issued to it, or to its real-name identity (the citizen's
    resident ID number, the enterprise's credit code), so licences issued at the counter show up
    too."""
    if not getattr(account, "is_authenticated", False) or not account.is_active:
        return None
    scope = Q(holder_account=account)
    if account.kind == "citizen" and account.person_id and account.person.id_number:
        scope |= Q(holder_id_number=account.person.id_number, holder_code_type="111")
    if account.kind == "enterprise" and account.enterprise_id:
        scope |= Q(holder_id_number=account.enterprise.credit_code, holder_code_type="001")
    return scope


def held_licences(account: Any) -> QuerySet[Licence]:
    scope = _holder_scope(account)
    if scope is None:
        return Licence.objects.none()
    return Licence.objects.filter(scope).select_related("licence_type", "issuing_organisation")


def access_held_licence(account: Any, licence_id: int) -> Licence:
    licence = held_licences(account).filter(pk=licence_id).first()
    if licence is None:
        raise NotFound()
    return licence


def is_holder(account: Any, licence: Licence) -> bool:
    scope = _holder_scope(account)
    return scope is not None and Licence.objects.filter(scope, pk=licence.pk).exists()


def staff_licences(
    account: Any, *, search: str = "", status: str = "", licence_type: str = "",
    organisation_id: int | None = None,
) -> QuerySet[Licence]:  # fmt: skip
    """Licences issued by organisations where ``account`` holds ``licences.view_licence``."""
    from django.utils import timezone

    orgs = organisations_where(account, VIEW_PERM)
    qs = Licence.objects.filter(issuing_organisation__in=orgs).select_related(
        "licence_type", "issuing_organisation"
    )
    if organisation_id:
        qs = qs.filter(issuing_organisation_id=organisation_id)
    if licence_type:
        qs = qs.filter(licence_type__code=licence_type)
    today = timezone.localdate()
    if status == "revoked":
        qs = qs.filter(status="revoked")
    elif status == "expired":
        qs = qs.filter(status="valid", valid_until__lt=today)
    elif status == "valid":
        qs = qs.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today), status="valid")
    search = (search or "").strip()[:100]
    if search:
        qs = qs.filter(
            Q(number__icontains=search) | Q(holder_name__icontains=search)
            | Q(holder_id_number=search.upper()) | Q(identifier=search)
        )  # fmt: skip
    return qs


def access_staff_licence(account: Any, licence_id: int) -> Licence:
    licence = (
        Licence.objects.select_related("licence_type", "issuing_organisation", "revoked_by")
        .filter(pk=licence_id)
        .first()
    )
    if licence is None or not account_has_perm_in(account, VIEW_PERM, licence.issuing_organisation):
        raise NotFound()
    return licence


def licence_by_token(token: str) -> Licence | None:
    if not token or len(token) > 64:
        return None
    return (
        Licence.objects.select_related("licence_type", "issuing_organisation")
        .filter(verify_token=token)
        .first()
    )


def licence_by_pdf_sha256(sha256: str) -> Licence | None:
    return (
        Licence.objects.select_related("licence_type", "issuing_organisation")
        .filter(pdf_sha256=sha256)
        .first()
    )


def licence_by_number(number: str) -> Licence | None:
    return Licence.objects.select_related("pdf").filter(number=number).first()


def latest_licence() -> Licence | None:
    return Licence.objects.select_related("pdf").order_by("-issued_at", "-id").first()


def may_read_pdf(account: Any, stored_file: Any) -> bool:
    """files read rule for purpose ``licence``: the holder, or staff who may view the issuing
    organisation's licences."""
    licence = Licence.objects.select_related("issuing_organisation").filter(pdf=stored_file).first()
    if licence is None:
        return False
    if is_holder(account, licence):
        return True
    return getattr(account, "kind", "") == "staff" and account_has_perm_in(
        account, VIEW_PERM, licence.issuing_organisation
    )
