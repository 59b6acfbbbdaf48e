from types import SimpleNamespace

import pytest

from zhengwu.directory import actions, selectors
from zhengwu.directory.models import Account, Role
from zhengwu.directory.tests.conftest import make_staff

PERM = "directory.view_person"


def reload(account: Account) -> Account:
    return Account.objects.get(pk=account.pk)  # permissions are cached per instance


@pytest.fixture
def clerk(orgs: SimpleNamespace) -> Account:
    return make_staff("clerk", orgs.registry)


def test_a_role_in_an_organisation_grants_its_permission_there_only(
    orgs: SimpleNamespace, clerk: Account, clerk_role: Role
) -> None:
    actions.role_assign(actor=None, account=clerk, role=clerk_role, organisation=orgs.scjg)
    assert selectors.account_has_perm_in(clerk, PERM, orgs.scjg)
    assert not selectors.account_has_perm_in(clerk, PERM, orgs.registry)  # no subtree coverage
    assert not selectors.account_has_perm_in(clerk, PERM, orgs.ga)  # sibling
    assert not selectors.account_has_perm_in(clerk, PERM, orgs.gov)  # parent
    assert not selectors.account_has_perm_in(clerk, "directory.change_person", orgs.scjg)
    assert list(selectors.organisations_where(clerk, PERM)) == [orgs.scjg]


def test_covers_subtree_extends_to_every_organisation_below(
    orgs: SimpleNamespace, clerk: Account, clerk_role: Role
) -> None:
    actions.role_assign(actor=None, account=clerk, role=clerk_role, organisation=orgs.scjg,
                        covers_subtree=True)  # fmt: skip
    assert selectors.account_has_perm_in(clerk, PERM, orgs.registry)
    assert not selectors.account_has_perm_in(clerk, PERM, orgs.ga)
    assert [o.pk for o in selectors.organisations_where(clerk, PERM)] == [
        orgs.scjg.pk, orgs.registry.pk,
    ]  # fmt: skip


def test_inactive_accounts_and_organisations_grant_nothing(
    orgs: SimpleNamespace, clerk: Account, clerk_role: Role
) -> None:
    actions.role_assign(actor=None, account=clerk, role=clerk_role, organisation=orgs.ga)
    assert reload(clerk).has_perm(PERM)
    actions.organisation_update(actor=None, organisation=orgs.ga, is_active=False)
    assert not selectors.account_has_perm_in(clerk, PERM, orgs.ga)
    assert not reload(clerk).has_perm(PERM)
    actions.organisation_update(actor=None, organisation=orgs.ga, is_active=True)
    actions.account_deactivate(actor=None, account=clerk)
    assert not selectors.account_has_perm_in(reload(clerk), PERM, orgs.ga)
    assert not reload(clerk).has_perm(PERM)


def test_the_backend_answers_has_perm_from_roles(
    orgs: SimpleNamespace, clerk: Account, clerk_role: Role
) -> None:
    assert not reload(clerk).has_perm(PERM)
    assignment = actions.role_assign(actor=None, account=clerk, role=clerk_role,
                                     organisation=orgs.scjg)  # fmt: skip
    assert reload(clerk).has_perm(PERM)
    assert reload(clerk).get_all_permissions() == {PERM}
    actions.role_revoke(actor=None, assignment=assignment)
    assert not reload(clerk).has_perm(PERM)
