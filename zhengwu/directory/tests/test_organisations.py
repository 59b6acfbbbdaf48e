import re
from types import SimpleNamespace

import pytest

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import ValidationFailed
from zhengwu.directory import actions, selectors
from zhengwu.directory.models import Organisation

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def fresh(org: Organisation) -> Organisation:
    return Organisation.objects.get(pk=org.pk)


def test_tree_paths_are_set_on_creation(orgs: SimpleNamespace) -> None:
    assert orgs.gov.tree_path == f"/{orgs.gov.pk}/"
    assert fresh(orgs.registry).tree_path == f"/{orgs.gov.pk}/{orgs.scjg.pk}/{orgs.registry.pk}/"


def test_moving_an_organisation_moves_its_whole_subtree(
    orgs: SimpleNamespace, regions: SimpleNamespace
) -> None:
    party = actions.organisation_create(actor=None, name="中共云泽市委", kind="party",
                                        region=regions.city)  # fmt: skip
    actions.organisation_move(actor=None, organisation=orgs.scjg, new_parent=party)
    scjg, registry = fresh(orgs.scjg), fresh(orgs.registry)
    assert scjg.parent == party
    assert scjg.tree_path == f"/{party.pk}/{scjg.pk}/"
    assert registry.tree_path == f"/{party.pk}/{scjg.pk}/{registry.pk}/"
    assert registry.sort_path.startswith(fresh(party).sort_path)
    assert list(selectors.organisation_subtree(party)) == [party, scjg, registry]
    assert orgs.scjg not in selectors.organisation_subtree(orgs.gov)
    entry = AuditEntry.objects.get(action="directory.organisation.move")
    assert entry.changes["parent"] == ["云泽市人民政府", "中共云泽市委"]


def test_moving_to_the_top_makes_a_root(orgs: SimpleNamespace) -> None:
    actions.organisation_move(actor=None, organisation=orgs.scjg, new_parent=None)
    assert fresh(orgs.registry).tree_path == f"/{orgs.scjg.pk}/{orgs.registry.pk}/"
    assert selectors.organisation_ancestors(fresh(orgs.registry)) == [fresh(orgs.scjg)]


@pytest.mark.parametrize("target", ["scjg", "registry"])
def test_a_move_under_itself_or_its_subtree_is_refused(orgs: SimpleNamespace, target: str) -> None:
    paths = dict(Organisation.objects.values_list("pk", "tree_path"))
    with pytest.raises(ValidationFailed) as refused:
        actions.organisation_move(actor=None, organisation=orgs.scjg,
                                  new_parent=getattr(orgs, target))  # fmt: skip
    assert CHINESE.search(str(refused.value.message))
    assert dict(Organisation.objects.values_list("pk", "tree_path")) == paths
    assert not AuditEntry.objects.filter(action="directory.organisation.move").exists()


def test_ancestors_are_listed_from_the_root_down(orgs: SimpleNamespace) -> None:
    assert selectors.organisation_ancestors(fresh(orgs.registry)) == [orgs.gov, fresh(orgs.scjg)]
    assert selectors.organisation_ancestors(orgs.gov) == []


def test_siblings_are_listed_in_their_sort_order_and_reordering_moves_subtrees(
    orgs: SimpleNamespace,
) -> None:
    names = [o.name for o in selectors.organisation_subtree(orgs.gov)]
    assert names == ["云泽市人民政府", "市公安局", "市市场监督管理局", "登记注册科"]
    actions.organisation_update(actor=None, organisation=orgs.scjg, sort_order=5)
    names = [o.name for o in selectors.organisation_subtree(fresh(orgs.gov))]
    assert names == ["云泽市人民政府", "市市场监督管理局", "登记注册科", "市公安局"]


def test_a_wrong_credit_code_is_refused_with_the_chinese_message(
    regions: SimpleNamespace,
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        actions.organisation_create(actor=None, name="错误机关", kind="department",
                                    region=regions.city,
                                    credit_code="91350200776049653B")  # fmt: skip
    assert "校验码错误" in str(refused.value.message)
    assert not Organisation.objects.filter(name="错误机关").exists()


def test_an_organisation_with_active_children_cannot_be_deactivated(
    orgs: SimpleNamespace,
) -> None:
    with pytest.raises(ValidationFailed):
        actions.organisation_update(actor=None, organisation=orgs.scjg, is_active=False)
    actions.organisation_update(actor=None, organisation=orgs.registry, is_active=False)
    actions.organisation_update(actor=None, organisation=orgs.scjg, is_active=False)
    assert not fresh(orgs.scjg).is_active


def test_an_organisation_with_staff_cannot_be_deleted(orgs: SimpleNamespace) -> None:
    from zhengwu.directory.tests.conftest import make_staff

    make_staff("clerk1", orgs.registry)
    with pytest.raises(ValidationFailed):
        actions.organisation_delete(actor=None, organisation=orgs.registry)
    actions.organisation_delete(actor=None, organisation=orgs.ga)
    assert not Organisation.objects.filter(pk=orgs.ga.pk).exists()
    assert AuditEntry.objects.filter(action="directory.organisation.delete").count() == 1
