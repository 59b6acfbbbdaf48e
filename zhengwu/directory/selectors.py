"""Queries on the directory: the organisation tree, who may act where, masked personal data."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Permission
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from zhengwu.directory.models import Account, Organisation, RoleAssignment
from zhengwu.identifiers.masking import mask_email, mask_mobile, mask_resident_id

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


# --- Organisation tree -----------------------------------------------------------------------


def organisation_subtree(org: Organisation, *, include_self: bool = True) -> QuerySet[Organisation]:
    """``org`` and every organisation below it, depth-first in display order."""
    subtree = Organisation.objects.filter(tree_path__startswith=org.tree_path)
    if not include_self:
        subtree = subtree.exclude(pk=org.pk)
    return subtree.order_by("sort_path")


def _ancestor_ids(org: Organisation) -> list[int]:
    return [int(part) for part in org.tree_path.strip("/").split("/") if part][:-1]


def organisation_ancestors(org: Organisation) -> list[Organisation]:
    """The organisations above ``org``, from the root down to its parent."""
    by_id = Organisation.objects.in_bulk(_ancestor_ids(org))
    return [by_id[pk] for pk in _ancestor_ids(org) if pk in by_id]


def organisation_depth(org: Organisation) -> int:
    """0 for a root, 1 for its children, and so on."""
    return max(org.tree_path.count("/") - 2, 0)


# --- Roles and scoped permissions ------------------------------------------------------------


def account_roles(account: Account) -> QuerySet[RoleAssignment]:
    """The account's role assignments with their role and organisation."""
    return (
        RoleAssignment.objects.filter(account=account)
        .select_related("role", "organisation")
        .order_by("organisation__sort_path", "role__code")
    )


def _assignments_with_perm(account: Any, perm: str) -> QuerySet[RoleAssignment]:
    app_label, _dot, codename = perm.partition(".")
    return RoleAssignment.objects.filter(
        account=account,
        organisation__is_active=True,
        role__permissions__content_type__app_label=app_label,
        role__permissions__codename=codename,
    )


def account_has_perm_in(account: Any, perm: str, organisation: Organisation) -> bool:
    """May ``account`` use ``perm`` ("app.codename") for ``organisation``?

    True when it holds a role with that permission in the organisation itself, or in an
    ancestor with ``covers_subtree``. Superusers may do everything; inactive accounts nothing.
    """
    if not getattr(account, "is_authenticated", False) or not account.is_active:
        return False
    if account.is_superuser:
        return True
    return (
        _assignments_with_perm(account, perm)
        .filter(
            Q(organisation=organisation)
            | Q(organisation_id__in=_ancestor_ids(organisation), covers_subtree=True)
        )
        .exists()
    )


def organisations_where(account: Any, perm: str) -> QuerySet[Organisation]:
    """The organisations ``account`` may act for with ``perm`` (see ``account_has_perm_in``)."""
    if not getattr(account, "is_authenticated", False) or not account.is_active:
        return Organisation.objects.none()
    if account.is_superuser:
        return Organisation.objects.all()
    scope = Q(pk__in=[])
    for org_id, tree_path, covers in _assignments_with_perm(account, perm).values_list(
        "organisation_id", "organisation__tree_path", "covers_subtree"
    ):
        scope |= Q(tree_path__startswith=tree_path) if covers else Q(pk=org_id)
    return Organisation.objects.filter(scope).order_by("sort_path")


MANAGE_ACCOUNTS_PERM = "directory.change_account"


def role_permissions(account: Any) -> QuerySet[Permission]:
    """The permissions ``account``'s roles carry in organisations in use (whether or not the
    account is active: a deactivated administrator still counts as powerful)."""
    return Permission.objects.filter(
        role__assignments__account=account, role__assignments__organisation__is_active=True
    ).distinct()


def _administers_public_accounts(actor: Any) -> bool:
    """Citizen and enterprise accounts belong to no organisation: they are administered by
    holders of ``directory.change_account`` over a whole top-level organisation tree."""
    return (
        _assignments_with_perm(actor, MANAGE_ACCOUNTS_PERM)
        .filter(organisation__parent__isnull=True, covers_subtree=True)
        .exists()
    )


def accounts_administered_by(actor: Any) -> QuerySet[Account]:
    """The accounts ``actor`` may administer (scope only; see ``rules.check_may_manage_account``
    for the other conditions). Superusers: all of them."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Account.objects.none()
    if actor.is_superuser:
        return Account.objects.all()
    scope = Q(organisation__in=organisations_where(actor, MANAGE_ACCOUNTS_PERM).values("pk"))
    if _administers_public_accounts(actor):
        scope |= Q(organisation__isnull=True, is_superuser=False)
    return Account.objects.filter(scope).exclude(is_superuser=True)


def account_in_admin_scope(actor: Any, account: Account) -> bool:
    return accounts_administered_by(actor).filter(pk=account.pk).exists()


# --- Personal data masking -------------------------------------------------------------------

PERSONAL_DATA_PERM = "directory.view_personal_data"


# One implementation, in identifiers; re-exported here for the directory's callers.
mask_id_number = mask_resident_id


def may_see_personal_data(viewer: Any) -> bool:
    return bool(getattr(viewer, "is_authenticated", False) and viewer.has_perm(PERSONAL_DATA_PERM))


def shown_id_number(viewer: Any, value: str | None) -> str:
    """The ID number as ``viewer`` may see it (masked without the personal-data grant)."""
    return (value or "") if may_see_personal_data(viewer) else mask_id_number(value)


def shown_mobile(viewer: Any, value: str | None) -> str:
    return (value or "") if may_see_personal_data(viewer) else mask_mobile(value)


def shown_email(viewer: Any, value: str | None) -> str:
    return (value or "") if may_see_personal_data(viewer) else mask_email(value)


# --- Account lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountFilters:
    search: str = ""
    kind: str = ""
    organisation: Organisation | None = None
    include_subtree: bool = True
    is_active: bool | None = None


def account_search(filters: AccountFilters) -> QuerySet[Account]:
    accounts = Account.objects.select_related("organisation", "person", "enterprise")
    term = filters.search.strip()
    if term:
        # ID numbers and credit codes match only exactly: a partial match would let a search
        # reveal them digit by digit.
        accounts = accounts.filter(
            Q(username__icontains=term)
            | Q(display_name__icontains=term)
            | Q(person__name__icontains=term)
            | Q(enterprise__name__icontains=term)
            | Q(person__id_number=term.upper())
            | Q(enterprise__credit_code=term.upper())
        )
    if filters.kind:
        accounts = accounts.filter(kind=filters.kind)
    if filters.organisation is not None:
        if filters.include_subtree:
            accounts = accounts.filter(
                organisation__tree_path__startswith=filters.organisation.tree_path
            )
        else:
            accounts = accounts.filter(organisation=filters.organisation)
    if filters.is_active is not None:
        accounts = accounts.filter(is_active=filters.is_active)
    return accounts.order_by("kind", "organisation__sort_path", "username")


def account_list(
    *, filters: AccountFilters | None = None, page: int | str = 1, per_page: int = DEFAULT_PAGE_SIZE
) -> Page:
    """One page of accounts matching ``filters``; out-of-range page numbers give the last page."""
    per_page = max(1, min(per_page, MAX_PAGE_SIZE))
    paginator = Paginator(account_search(filters or AccountFilters()), per_page)
    return paginator.get_page(page)
