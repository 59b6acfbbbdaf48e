"""Commands that change the directory. Each runs in one transaction, validates, and audits.

Every function takes ``actor`` (the account acting, or None for the system, e.g. the demo
loader) and raises ``ValidationFailed`` with a Chinese message when the input is refused; a
refused command changes nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Max, ProtectedError, RestrictedError, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_read, audit_record, changes_between, snapshot
from zhengwu.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhengwu.directory import rules, selectors
from zhengwu.directory.credentials import random_password
from zhengwu.directory.models import (
    Account,
    Enterprise,
    Organisation,
    Person,
    Region,
    Role,
    RoleAssignment,
)
from zhengwu.identifiers.checksums import IdentifierError, normalise, parse_resident_id
from zhengwu.identifiers.checksums import validate_credit_code as check_credit_code
from zhengwu.identifiers.validators import message_for

REGION_FIELDS = ["code", "name", "level", "parent_id", "is_active"]
ORGANISATION_FIELDS = [
    "name", "short_name", "code", "kind", "credit_code", "region_id", "parent_id",
    "sort_order", "is_active",
]  # fmt: skip
PERSON_FIELDS = ["name", "id_number", "sex", "birth_date", "mobile", "region_id"]
ENTERPRISE_FIELDS = ["name", "credit_code", "legal_representative", "region_id"]
ACCOUNT_FIELDS = [
    "username", "display_name", "kind", "person_id", "enterprise_id", "organisation_id",
    "job_title", "email", "mobile", "is_active", "must_change_password",
]  # fmt: skip
ROLE_FIELDS = ["code", "name", "description", "requires_second_factor"]


def _changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return changes_between(before, after)


def _created(obj: Any, fields: list[str]) -> dict[str, list[Any]]:
    return {k: [None, v] for k, v in snapshot(obj, fields).items() if v not in (None, "")}


def _deleted(obj: Any, fields: list[str]) -> dict[str, list[Any]]:
    return {k: [v, None] for k, v in snapshot(obj, fields).items()}


def _delete(obj: Any) -> None:
    """Delete a row; other modules' records that still point at it (PROTECT) refuse it."""
    try:
        with transaction.atomic():
            obj.delete()
    except (IntegrityError, ProtectedError, RestrictedError):
        raise rules.fail(_("%(name)s is still referred to and cannot be deleted.")
                         % {"name": str(obj)}) from None  # fmt: skip


def _insert(obj: Any, message: str) -> None:
    """Save a new row; a concurrent insert of the same unique value (it passed our checks at the
    same moment) becomes a Conflict with ``message`` instead of a server error."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise Conflict(message) from None


def _full_clean(obj: Any, exclude: Iterable[str] = ()) -> None:
    """Run model validation (identifier check digits, lengths, uniqueness) as ValidationFailed."""
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise rules.fail(" ".join(messages), None if field == "__all__" else field) from None


def _apply(obj: Any, changes: dict[str, Any], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"cannot change {sorted(unknown)} here")
    for name, value in changes.items():
        setattr(obj, name, value.strip() if isinstance(value, str) else value)


# --- Regions ---------------------------------------------------------------------------------


@transaction.atomic
def region_create(
    *, actor: Any, code: str, name: str, level: int, parent: Region | None = None,
    is_active: bool = True,
) -> Region:  # fmt: skip
    code = (code or "").strip()
    name = rules.check_not_blank(name, "name", _("The name"))
    rules.check_region_code(code, level, parent)
    if Region.objects.filter(code=code).exists():
        raise rules.fail(_("A region with the code %(code)s already exists.") % {"code": code},
                         "code")  # fmt: skip
    region = Region(code=code, name=name, level=level, parent=parent, is_active=is_active)
    _full_clean(region)
    region.save()
    audit_record(actor=actor, action="directory.region.create", target=region,
                 changes=_created(region, REGION_FIELDS))  # fmt: skip
    return region


@transaction.atomic
def region_update(*, actor: Any, region: Region, **changes: Any) -> Region:
    """Change name, in-use flag or (for a region without subdivisions) the code."""
    region = Region.objects.select_for_update().get(pk=region.pk)
    before = snapshot(region, REGION_FIELDS)
    _apply(region, changes, {"name", "code", "is_active"})
    rules.check_not_blank(region.name, "name", _("The name"))
    if region.code != before["code"]:
        if region.children.exists():
            raise rules.fail(
                _("The code of a region with subdivisions cannot change: "
                  "their codes start with it."),
                "code",
            )
        rules.check_region_code(region.code, region.level, region.parent)
        if Region.objects.filter(code=region.code).exclude(pk=region.pk).exists():
            raise rules.fail(_("A region with the code %(code)s already exists.")
                             % {"code": region.code}, "code")  # fmt: skip
    if not region.is_active and region.children.filter(is_active=True).exists():
        raise rules.fail(_("Stop using its subdivisions first."), "is_active")
    changes_made = _changed(before, snapshot(region, REGION_FIELDS))
    if not changes_made:
        return region
    _full_clean(region)
    region.save()
    audit_record(actor=actor, action="directory.region.update", target=region, changes=changes_made)
    return region


@transaction.atomic
def region_delete(*, actor: Any, region: Region) -> None:
    """Delete a region nothing refers to (a mistaken entry); otherwise stop using it instead."""
    region = Region.objects.select_for_update().get(pk=region.pk)
    if (
        region.children.exists()
        or Organisation.objects.filter(region=region).exists()
        or Person.objects.filter(region=region).exists()
        or Enterprise.objects.filter(region=region).exists()
    ):
        raise rules.fail(_("%(name)s is in use and cannot be deleted; mark it as no longer in use.")
                         % {"name": region.name})  # fmt: skip
    audit_record(actor=actor, action="directory.region.delete", target=region,
                 changes=_deleted(region, REGION_FIELDS))  # fmt: skip
    _delete(region)


# --- Organisations ---------------------------------------------------------------------------


def _segment_sort(org: Organisation) -> str:
    return f"{org.sort_order:04d}{org.pk:010d}/"


def _paths_under(parent: Organisation | None, org: Organisation) -> tuple[str, str]:
    tree_base = parent.tree_path if parent else "/"
    sort_base = parent.sort_path if parent else "/"
    return f"{tree_base}{org.pk}/", f"{sort_base}{_segment_sort(org)}"


def _rewrite_subtree(org: Organisation, new_tree: str, new_sort: str) -> None:
    """Replace the path prefixes of ``org`` and every organisation below it in one UPDATE."""
    old_tree, old_sort = org.tree_path, org.sort_path
    if (old_tree, old_sort) == (new_tree, new_sort):
        return
    subtree = Organisation.objects.filter(tree_path__startswith=old_tree)
    longest = subtree.aggregate(
        tree=Max(Length("tree_path")), sort=Max(Length("sort_path"))
    )  # fmt: skip
    if (longest["tree"] or 0) - len(old_tree) + len(new_tree) > rules.PATH_MAX_LENGTH or (
        longest["sort"] or 0
    ) - len(old_sort) + len(new_sort) > rules.PATH_MAX_LENGTH:
        raise rules.fail(_("The organisation tree would become too deep."), "parent")
    subtree.update(
        tree_path=Concat(Value(new_tree), Substr("tree_path", len(old_tree) + 1),
                         output_field=CharField()),
        sort_path=Concat(Value(new_sort), Substr("sort_path", len(old_sort) + 1),
                         output_field=CharField()),
    )  # fmt: skip
    org.tree_path, org.sort_path = new_tree, new_sort


def _check_organisation(org: Organisation) -> None:
    org.name = rules.check_not_blank(org.name, "name", _("The name"))
    rules.check_sort_order(org.sort_order)
    org.code = (org.code or "").strip() or None
    org.credit_code = normalise(org.credit_code) if org.credit_code else None
    if org.parent_id and not org.parent.is_active and org.is_active:
        raise rules.fail(_("%(organisation)s is no longer in use.")
                         % {"organisation": org.parent.name}, "parent")  # fmt: skip


@transaction.atomic
def organisation_create(
    *, actor: Any, name: str, kind: str, region: Region, parent: Organisation | None = None,
    short_name: str = "", code: str | None = None, credit_code: str | None = None,
    sort_order: int = 0, is_active: bool = True,
) -> Organisation:  # fmt: skip
    if parent is not None:
        parent = Organisation.objects.select_for_update().get(pk=parent.pk)
    org = Organisation(
        name=name, kind=kind, region=region, parent=parent, short_name=(short_name or "").strip(),
        code=code, credit_code=credit_code, sort_order=sort_order, is_active=is_active,
    )  # fmt: skip
    _check_organisation(org)
    _full_clean(org, exclude=["tree_path", "sort_path"])
    org.save()
    org.tree_path, org.sort_path = _paths_under(parent, org)
    if len(org.tree_path) > rules.PATH_MAX_LENGTH or len(org.sort_path) > rules.PATH_MAX_LENGTH:
        raise rules.fail(_("The organisation tree would become too deep."), "parent")
    org.save(update_fields=["tree_path", "sort_path"])
    audit_record(actor=actor, action="directory.organisation.create", target=org,
                 changes=_created(org, [*ORGANISATION_FIELDS, "tree_path"]))  # fmt: skip
    return org


@transaction.atomic
def organisation_update(*, actor: Any, organisation: Organisation, **changes: Any) -> Organisation:
    """Change an organisation's own data. To change its place in the tree use organisation_move."""
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = snapshot(org, ORGANISATION_FIELDS)
    _apply(org, changes, {"name", "short_name", "code", "kind", "credit_code", "region",
                          "sort_order", "is_active"})  # fmt: skip
    _check_organisation(org)
    if (
        not org.is_active
        and before["is_active"]
        and org.children.filter(is_active=True).exists()
    ):
        raise rules.fail(_("Stop using its subordinate organisations first."), "is_active")
    changes_made = _changed(before, snapshot(org, ORGANISATION_FIELDS))
    if not changes_made:
        return org
    _full_clean(org, exclude=["tree_path", "sort_path"])
    org.save()
    if "sort_order" in changes_made:
        parent = org.parent
        _rewrite_subtree(org, org.tree_path, _paths_under(parent, org)[1])
    audit_record(actor=actor, action="directory.organisation.update", target=org,
                 changes=changes_made)  # fmt: skip
    return org


@transaction.atomic
def organisation_move(
    *, actor: Any, organisation: Organisation, new_parent: Organisation | None, reason: str = ""
) -> Organisation:
    """Put an organisation (and everything below it) under another parent, or make it a root."""
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if new_parent is not None:
        new_parent = Organisation.objects.select_for_update().get(pk=new_parent.pk)
    if org.parent_id == (new_parent.pk if new_parent else None):
        return org
    rules.check_move(org, new_parent)
    if new_parent is not None and not new_parent.is_active and org.is_active:
        raise rules.fail(_("%(organisation)s is no longer in use.")
                         % {"organisation": new_parent.name}, "parent")  # fmt: skip
    old_parent, old_path = org.parent, org.tree_path
    _rewrite_subtree(org, *_paths_under(new_parent, org))
    org.parent = new_parent
    org.save(update_fields=["parent"])
    audit_record(
        actor=actor, action="directory.organisation.move", target=org, reason=reason,
        changes={"parent": [str(old_parent) if old_parent else None,
                            str(new_parent) if new_parent else None],
                 "tree_path": [old_path, org.tree_path]},
    )  # fmt: skip
    return org


@transaction.atomic
def organisation_delete(*, actor: Any, organisation: Organisation) -> None:
    """Delete an organisation created by mistake; one with history is deactivated instead."""
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if (
        org.children.exists()
        or org.staff.exists()
        or org.role_assignments.exists()
    ):
        raise rules.fail(
            _("%(name)s has subordinate organisations, staff or role assignments and "
              "cannot be deleted; mark it as no longer in use.") % {"name": org.name}
        )  # fmt: skip
    audit_record(actor=actor, action="directory.organisation.delete", target=org,
                 changes=_deleted(org, ORGANISATION_FIELDS))  # fmt: skip
    _delete(org)


# --- People and enterprises ------------------------------------------------------------------


def _resident_id(id_number: str) -> tuple[str, Any, str]:
    """Normalise and parse an ID number; return (number, birth date, sex)."""
    try:
        _region, birth, sex = parse_resident_id(id_number)
    except IdentifierError as error:
        raise rules.fail(message_for(error), "id_number") from None
    return normalise(id_number), birth, sex


def _credit_code(credit_code: str) -> str:
    try:
        return check_credit_code(credit_code)
    except IdentifierError as error:
        raise rules.fail(message_for(error), "credit_code") from None


@transaction.atomic
def person_create(
    *, actor: Any, name: str, id_number: str | None = None, mobile: str = "",
    region: Region | None = None,
) -> Person:  # fmt: skip
    """Register a person. Sex and date of birth are read from the ID number (GB 11643)."""
    name = rules.check_not_blank(name, "name", _("The name"))
    person = Person(name=name, mobile=(mobile or "").strip(), region=region)
    if id_number:
        person.id_number, person.birth_date, person.sex = _resident_id(id_number)
        if Person.objects.filter(id_number=person.id_number).exists():
            raise rules.fail(_("A person with this ID number is already registered."), "id_number")
    _full_clean(person)
    _insert(person, _("The same person was being registered at the same moment; "
                      "reload and try again."))
    audit_record(actor=actor, action="directory.person.create", target=person,
                 changes=_created(person, PERSON_FIELDS))  # fmt: skip
    return person


@transaction.atomic
def person_update(*, actor: Any, person: Person, **changes: Any) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person, PERSON_FIELDS)
    id_number = changes.pop("id_number", person.id_number)
    _apply(person, changes, {"name", "mobile", "region"})
    rules.check_not_blank(person.name, "name", _("The name"))
    if id_number and normalise(id_number) != person.id_number:
        person.id_number, person.birth_date, person.sex = _resident_id(id_number)
        if Person.objects.filter(id_number=person.id_number).exclude(pk=person.pk).exists():
            raise rules.fail(_("A person with this ID number is already registered."), "id_number")
    changes_made = _changed(before, snapshot(person, PERSON_FIELDS))
    if not changes_made:
        return person
    _full_clean(person)
    person.save()
    audit_record(actor=actor, action="directory.person.update", target=person,
                 changes=changes_made)  # fmt: skip
    return person


@transaction.atomic
def person_delete(*, actor: Any, person: Person) -> None:
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.accounts.exists():
        raise rules.fail(_("%(name)s has accounts and cannot be deleted.") % {"name": person.name})
    audit_record(actor=actor, action="directory.person.delete", target=person,
                 changes=_deleted(person, PERSON_FIELDS))  # fmt: skip
    _delete(person)


@transaction.atomic
def enterprise_create(
    *, actor: Any, name: str, credit_code: str, legal_representative: str = "",
    region: Region | None = None,
) -> Enterprise:  # fmt: skip
    name = rules.check_not_blank(name, "name", _("The name"))
    code = _credit_code(credit_code)
    if Enterprise.objects.filter(credit_code=code).exists():
        raise rules.fail(_("An enterprise with this unified social credit code is already "
                           "registered."), "credit_code")  # fmt: skip
    enterprise = Enterprise(name=name, credit_code=code, region=region,
                            legal_representative=(legal_representative or "").strip())  # fmt: skip
    _full_clean(enterprise)
    _insert(enterprise, _("The same enterprise was being registered at the same moment; "
                          "reload and try again."))
    audit_record(actor=actor, action="directory.enterprise.create", target=enterprise,
                 changes=_created(enterprise, ENTERPRISE_FIELDS))  # fmt: skip
    return enterprise


@transaction.atomic
def enterprise_update(*, actor: Any, enterprise: Enterprise, **changes: Any) -> Enterprise:
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    before = snapshot(enterprise, ENTERPRISE_FIELDS)
    if "credit_code" in changes:
        changes["credit_code"] = _credit_code(changes["credit_code"])
    _apply(enterprise, changes, {"name", "credit_code", "legal_representative", "region"})
    rules.check_not_blank(enterprise.name, "name", _("The name"))
    changes_made = _changed(before, snapshot(enterprise, ENTERPRISE_FIELDS))
    if not changes_made:
        return enterprise
    _full_clean(enterprise)
    enterprise.save()
    audit_record(actor=actor, action="directory.enterprise.update", target=enterprise,
                 changes=changes_made)  # fmt: skip
    return enterprise


@transaction.atomic
def enterprise_delete(*, actor: Any, enterprise: Enterprise) -> None:
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.accounts.exists():
        raise rules.fail(_("%(name)s has accounts and cannot be deleted.")
                         % {"name": enterprise.name})  # fmt: skip
    audit_record(actor=actor, action="directory.enterprise.delete", target=enterprise,
                 changes=_deleted(enterprise, ENTERPRISE_FIELDS))  # fmt: skip
    _delete(enterprise)


def personal_data_reveal(*, actor: Any, target: Person | Account, purpose: str) -> None:
    """``actor`` is about to see ``target``'s unmasked ID number and contact details: allowed
    with ``directory.view_personal_data`` only, and recorded as a sensitive read with the
    purpose the viewer stated (个人信息保护法 §51; an empty purpose is refused)."""
    if not selectors.may_see_personal_data(actor):
        raise PermissionDenied(_("You may not see unmasked personal data."))
    audit_read(actor=actor, target=target, purpose=purpose,
               action=f"directory.{target._meta.model_name}.view_personal_data")  # fmt: skip


# --- Accounts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAccount:
    """A created account and its initial password, to be shown once and never stored."""

    account: Account
    password: str


def _new_account(
    account: Account, password: str | None, *, must_change: bool, password_hash: str | None
) -> str:
    account.username = rules.check_username(account.username)
    account.display_name = rules.check_not_blank(account.display_name, "display_name",
                                                 _("The display name"))  # fmt: skip
    if password is None:
        password = random_password()
    rules.check_password(password, account)
    if password_hash is not None:
        # A bulk loader hashed ``password`` ahead of time (in parallel); the policy check above
        # still ran on the clear text.
        account.password = password_hash
    else:
        account.set_password(password)
    account.must_change_password = must_change
    account.password_changed_at = None if must_change else timezone.now()
    _full_clean(account, exclude=["password"])
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        # Two submissions raced past check_username: the second one loses here.
        raise Conflict(_("The user name %(username)s is already taken.")
                       % {"username": account.username}) from None  # fmt: skip
    return password


@transaction.atomic
def account_create_staff(
    *, actor: Any, username: str, display_name: str, organisation: Organisation,
    password: str | None = None, person: Person | None = None, job_title: str = "",
    email: str = "", mobile: str = "", must_change_password: bool = True,
    password_hash: str | None = None,
) -> NewAccount:  # fmt: skip
    """Create a staff account. Without ``password`` a random one is generated; either way the
    holder must change it at first sign-in (等保 2.0), except for demo accounts."""
    if organisation is not None:  # the caller's copy may be stale
        organisation = Organisation.objects.filter(pk=organisation.pk).first()
    rules.check_staff_organisation(organisation)
    account = Account(
        username=username, display_name=display_name, kind=Account.Kind.STAFF,
        organisation=organisation, person=person, job_title=(job_title or "").strip(),
        email=(email or "").strip(), mobile=(mobile or "").strip(),
    )  # fmt: skip
    password = _new_account(account, password, must_change=must_change_password,
                            password_hash=password_hash)  # fmt: skip
    audit_record(actor=actor, action="directory.account.create", target=account,
                 changes=_created(account, ACCOUNT_FIELDS))  # fmt: skip
    return NewAccount(account, password)


class _RegistrationRefused(Exception):
    """Internal: a citizen registration refused for a reason the applicant must not learn."""

    def __init__(self, reason: str, person: Person) -> None:
        super().__init__(reason)
        self.reason, self.person = reason, person


def account_create_citizen(
    *, actor: Any, username: str, name: str, id_number: str, password: str, mobile: str = "",
    password_hash: str | None = None,
) -> NewAccount:  # fmt: skip
    """A real-name citizen account: bound to the Person with this ID number (created if new).

    The citizen chose the password, so there is nothing to change at first sign-in. A name that
    does not match the ID number and an ID number that already has an account get the same
    answer, so the form cannot be used to learn who is registered or what their name is; the
    specific reason goes to the audit trail only.
    """
    try:
        return _create_citizen(actor=actor, username=username, name=name, id_number=id_number,
                               password=password, mobile=mobile, password_hash=password_hash)
    except _RegistrationRefused as refused:
        # The refused transaction rolled back; the refusal is recorded on its own.
        audit_record(actor=actor, action="directory.account.register_refuse",
                     target=refused.person, reason=refused.reason,
                     changes={"username": (username or "").strip()})  # fmt: skip
        raise rules.fail(_("These identity details cannot be used to register. Check the name "
                           "and the ID number; if you already have an account, sign in with it."),
                         "id_number") from None  # fmt: skip


@transaction.atomic
def _create_citizen(
    *, actor: Any, username: str, name: str, id_number: str, password: str, mobile: str,
    password_hash: str | None,
) -> NewAccount:  # fmt: skip
    number, _birth, _sex = _resident_id(id_number)
    name = rules.check_not_blank(name, "name", _("The name"))
    person = Person.objects.select_for_update().filter(id_number=number).first()
    if person is None:
        person = person_create(actor=actor, name=name, id_number=number, mobile=mobile)
    elif person.name != name:
        raise _RegistrationRefused("name_mismatch", person)
    elif person.accounts.filter(kind=Account.Kind.CITIZEN).exists():
        raise _RegistrationRefused("already_registered", person)
    account = Account(username=username, display_name=name, kind=Account.Kind.CITIZEN,
                      person=person, mobile=(mobile or "").strip())  # fmt: skip
    password = _new_account(account, password, must_change=False, password_hash=password_hash)
    audit_record(actor=actor, action="directory.account.create", target=account,
                 changes=_created(account, ACCOUNT_FIELDS))  # fmt: skip
    return NewAccount(account, password)


@transaction.atomic
def account_create_enterprise(
    *, actor: Any, username: str, enterprise_name: str, credit_code: str, password: str,
    display_name: str = "", legal_representative: str = "", mobile: str = "",
    password_hash: str | None = None,
) -> NewAccount:  # fmt: skip
    """An enterprise account, bound to the Enterprise with this credit code (created if new)."""
    code = _credit_code(credit_code)
    enterprise_name = rules.check_not_blank(enterprise_name, "enterprise_name",
                                            _("The enterprise name"))  # fmt: skip
    enterprise = Enterprise.objects.select_for_update().filter(credit_code=code).first()
    if enterprise is None:
        enterprise = enterprise_create(actor=actor, name=enterprise_name, credit_code=code,
                                       legal_representative=legal_representative)  # fmt: skip
    elif enterprise.name != enterprise_name:
        raise rules.fail(_("The enterprise name does not match the unified social credit code."),
                         "enterprise_name")  # fmt: skip
    account = Account(username=username, display_name=(display_name or enterprise_name),
                      kind=Account.Kind.ENTERPRISE, enterprise=enterprise,
                      mobile=(mobile or "").strip())  # fmt: skip
    password = _new_account(account, password, must_change=False, password_hash=password_hash)
    audit_record(actor=actor, action="directory.account.create", target=account,
                 changes=_created(account, ACCOUNT_FIELDS))  # fmt: skip
    return NewAccount(account, password)


@transaction.atomic
def account_update(*, actor: Any, account: Account, **changes: Any) -> Account:
    """Change an account's details. Activation goes through deactivate/reactivate."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    rules.check_may_manage_account(actor, account)
    before = snapshot(account, ACCOUNT_FIELDS)
    _apply(account, changes, {"display_name", "organisation", "job_title", "email", "mobile",
                              "person"})  # fmt: skip
    rules.check_not_blank(account.display_name, "display_name", _("The display name"))
    if (
        account.kind == Account.Kind.STAFF
        and not account.is_superuser
        and account.organisation_id != before["organisation_id"]
    ):
        rules.check_staff_organisation(account.organisation)
        # Moving an account is administering it in its new organisation too.
        rules.check_may_administer_in(actor, account.organisation)
    changes_made = _changed(before, snapshot(account, ACCOUNT_FIELDS))
    if not changes_made:
        return account
    _full_clean(account, exclude=["password"])
    account.save()
    audit_record(actor=actor, action="directory.account.update", target=account,
                 changes=changes_made)  # fmt: skip
    return account


@transaction.atomic
def account_deactivate(*, actor: Any, account: Account, reason: str = "") -> Account:
    """Stop an account from signing in; accounts are never deleted (their history stays)."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    if actor is not None and getattr(actor, "pk", None) == account.pk:
        raise rules.fail(_("You cannot deactivate your own account."), "account")
    rules.check_may_manage_account(actor, account)
    if not account.is_active:
        return account
    account.is_active = False
    account.save(update_fields=["is_active"])
    # Existing sessions end too: authentication backends refuse inactive accounts on each request.
    audit_record(actor=actor, action="directory.account.deactivate", target=account,
                 changes={"is_active": [True, False]}, reason=reason)  # fmt: skip
    return account


@transaction.atomic
def account_reactivate(*, actor: Any, account: Account, reason: str = "") -> Account:
    account = Account.objects.select_for_update().get(pk=account.pk)
    rules.check_may_manage_account(actor, account)
    if account.is_active:
        return account
    account.is_active = True
    account.save(update_fields=["is_active"])
    audit_record(actor=actor, action="directory.account.reactivate", target=account,
                 changes={"is_active": [False, True]}, reason=reason)  # fmt: skip
    return account


@transaction.atomic
def account_reset_password(*, actor: Any, account: Account, password: str | None = None) -> str:
    """An administrator sets a new initial password; the holder must change it at next sign-in."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    rules.check_may_manage_account(actor, account)
    if password is None:
        password = random_password()
    rules.check_password(password, account)
    account.set_password(password)
    account.must_change_password = True
    account.save(update_fields=["password", "must_change_password"])
    audit_record(actor=actor, action="directory.account.reset_password", target=account,
                 changes={"must_change_password": [None, True]})  # fmt: skip
    return password


# --- Roles -----------------------------------------------------------------------------------


def _perm_labels(perms: Iterable[Permission]) -> list[str]:
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in perms)


@transaction.atomic
def role_create(
    *, actor: Any, code: str, name: str, description: str = "",
    permissions: Iterable[Permission] = (), requires_second_factor: bool = False,
) -> Role:  # fmt: skip
    code = (code or "").strip()
    name = rules.check_not_blank(name, "name", _("The name"))
    if Role.objects.filter(code=code).exists():
        raise rules.fail(_("A role with the code %(code)s already exists.") % {"code": code},
                         "code")  # fmt: skip
    role = Role(code=code, name=name, description=(description or "").strip(),
                requires_second_factor=requires_second_factor)  # fmt: skip
    perms = list(Permission.objects.filter(pk__in=[p.pk for p in permissions])
                 .select_related("content_type"))  # fmt: skip
    rules.check_role_change(actor, role, perms)
    _full_clean(role)
    role.save()
    role.permissions.set(perms)
    audit_record(actor=actor, action="directory.role.create", target=role,
                 changes={**_created(role, ROLE_FIELDS),
                          "permissions": [[], _perm_labels(perms)]})  # fmt: skip
    return role


@transaction.atomic
def role_update(
    *, actor: Any, role: Role, permissions: Iterable[Permission] | None = None, **changes: Any
) -> Role:
    """Change a role; ``permissions``, when given, replaces the role's whole permission set."""
    role = Role.objects.select_for_update().get(pk=role.pk)
    rules.check_role_change(actor, role, ())
    before = snapshot(role, ROLE_FIELDS)
    _apply(role, changes, {"code", "name", "description", "requires_second_factor"})
    rules.check_not_blank(role.name, "name", _("The name"))
    changes_made = _changed(before, snapshot(role, ROLE_FIELDS))
    if changes_made:
        if Role.objects.filter(code=role.code).exclude(pk=role.pk).exists():
            raise rules.fail(_("A role with the code %(code)s already exists.")
                             % {"code": role.code}, "code")  # fmt: skip
        _full_clean(role)
        role.save()
    if permissions is not None:
        current = list(role.permissions.select_related("content_type"))
        old = _perm_labels(current)
        perms = list(Permission.objects.filter(pk__in=[p.pk for p in permissions])
                     .select_related("content_type"))  # fmt: skip
        new = _perm_labels(perms)
        have = {p.pk for p in current}
        rules.check_role_change(actor, role, [p for p in perms if p.pk not in have])
        if old != new:
            role.permissions.set(perms)
            changes_made["permissions"] = [old, new]
    if changes_made:
        audit_record(actor=actor, action="directory.role.update", target=role,
                     changes=changes_made)  # fmt: skip
    return role


@transaction.atomic
def role_delete(*, actor: Any, role: Role) -> None:
    role = Role.objects.select_for_update().get(pk=role.pk)
    if role.assignments.exists():
        raise rules.fail(_("The role %(name)s is still held by accounts; revoke it first.")
                         % {"name": role.name})  # fmt: skip
    audit_record(actor=actor, action="directory.role.delete", target=role,
                 changes=_deleted(role, ROLE_FIELDS))  # fmt: skip
    _delete(role)


@transaction.atomic
def role_assign(
    *, actor: Any, account: Account, role: Role, organisation: Organisation,
    covers_subtree: bool = False,
) -> RoleAssignment:  # fmt: skip
    """Give ``account`` the role within ``organisation``. Assigning an already held role only
    updates ``covers_subtree``, so a double submission changes nothing."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    organisation = Organisation.objects.get(pk=organisation.pk)
    rules.check_role_assignment(actor=actor, account=account, organisation=organisation,
                                role=role)  # fmt: skip
    existing = RoleAssignment.objects.select_for_update().filter(
        account=account, role=role, organisation=organisation
    ).first()
    if existing is not None:
        if existing.covers_subtree != covers_subtree:
            existing.covers_subtree = covers_subtree
            existing.save(update_fields=["covers_subtree"])
            audit_record(
                actor=actor, action="directory.role_assignment.update", target=existing,
                changes={"covers_subtree": [not covers_subtree, covers_subtree]},
            )  # fmt: skip
        return existing
    assignment = RoleAssignment.objects.create(
        account=account, role=role, organisation=organisation, covers_subtree=covers_subtree
    )
    audit_record(
        actor=actor, action="directory.role_assignment.create", target=assignment,
        changes={"account": [None, account.username], "role": [None, role.code],
                 "organisation": [None, organisation.name],
                 "covers_subtree": [None, covers_subtree]},
    )  # fmt: skip
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any, assignment: RoleAssignment, reason: str = "") -> None:
    assignment = (
        RoleAssignment.objects.select_for_update()
        .select_related("account", "role", "organisation")
        .filter(pk=assignment.pk)
        .first()
    )
    if assignment is None:  # already revoked (a double submission)
        return
    if actor is not None and getattr(actor, "pk", None) == assignment.account_id:
        raise rules.fail(_("You cannot change the roles of your own account."), "account")
    rules.check_may_manage_account(actor, assignment.account)
    audit_record(
        actor=actor, action="directory.role_assignment.delete", target=assignment, reason=reason,
        changes={"account": [assignment.account.username, None],
                 "role": [assignment.role.code, None],
                 "organisation": [assignment.organisation.name, None]},
    )  # fmt: skip
    assignment.delete()


__all__ = [
    "NewAccount",
    "ValidationFailed",
    "account_create_citizen",
    "account_create_enterprise",
    "account_create_staff",
    "account_deactivate",
    "account_reactivate",
    "account_reset_password",
    "account_update",
    "enterprise_create",
    "enterprise_delete",
    "enterprise_update",
    "organisation_create",
    "organisation_delete",
    "organisation_move",
    "organisation_update",
    "person_create",
    "person_delete",
    "person_update",
    "personal_data_reveal",
    "region_create",
    "region_delete",
    "region_update",
    "role_assign",
    "role_create",
    "role_delete",
    "role_revoke",
    "role_update",
]
