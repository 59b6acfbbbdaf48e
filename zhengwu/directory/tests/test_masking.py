from types import SimpleNamespace

import pytest

from zhengwu.directory import actions, selectors
from zhengwu.directory.selectors import AccountFilters
from zhengwu.directory.tests.conftest import STRONG_PASSWORD, make_staff


def test_id_numbers_keep_region_and_last_four() -> None:
    assert selectors.mask_id_number("11010519491231002X") == "110105********002X"
    assert selectors.mask_id_number("") == ""
    assert selectors.mask_id_number(None) == ""
    assert selectors.mask_id_number("12345") == "*****"


def test_mobile_numbers_keep_first_three_and_last_four() -> None:
    assert selectors.mask_mobile("13912345678") == "139****5678"
    assert selectors.mask_mobile("") == ""
    assert selectors.mask_mobile("12345") == "*****"


def test_unmasked_values_need_the_personal_data_grant(
    orgs: SimpleNamespace, sysadmin: object
) -> None:
    clerk = make_staff("clerk", orgs.scjg)
    assert selectors.shown_id_number(clerk, "11010519491231002X") == "110105********002X"
    assert selectors.shown_mobile(sysadmin, "13912345678") == "13912345678"


@pytest.fixture
def accounts(orgs: SimpleNamespace) -> None:
    for n in range(25):
        make_staff(f"clerk{n:02d}", orgs.registry if n % 2 else orgs.ga, display_name=f"科员{n}")
    actions.account_create_citizen(actor=None, username="citizen", name="张三",
                                   id_number="11010519491231002X",
                                   password=STRONG_PASSWORD)  # fmt: skip


def test_account_list_pages_and_filters_by_subtree(orgs: SimpleNamespace, accounts: None) -> None:
    first = selectors.account_list(page=1)
    assert first.paginator.count == 26 and len(first.object_list) == 20
    assert len(selectors.account_list(page="999").object_list) == 6  # last page, not an error
    assert len(selectors.account_list(page="x' OR 1=1").object_list) == 20
    in_scjg = selectors.account_list(filters=AccountFilters(organisation=orgs.scjg))
    assert in_scjg.paginator.count == 12  # the odd ones, all in 登记注册科 below it
    only_scjg = AccountFilters(organisation=orgs.scjg, include_subtree=False)
    assert selectors.account_list(filters=only_scjg).paginator.count == 0


def test_id_numbers_are_searchable_only_exactly(accounts: None) -> None:
    def found(term: str) -> list[str]:
        page = selectors.account_list(filters=AccountFilters(search=term))
        return [a.username for a in page.object_list]

    assert found("11010519491231002x") == ["citizen"]
    assert found("110105") == []
    assert found("张三") == ["citizen"]
    assert len(found("科员1")) == 11  # 科员1, 科员10-19
    assert found("%") == []
