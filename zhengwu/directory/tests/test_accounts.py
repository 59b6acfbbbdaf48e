import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.test import RequestFactory

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import Conflict, ValidationFailed
from zhengwu.directory import actions
from zhengwu.directory.models import Account, Enterprise, Person, RoleAssignment
from zhengwu.directory.tests.conftest import STRONG_PASSWORD, make_staff

CHINESE = re.compile(r"[\u4e00-\u9fff]")
VALID_ID = "11010519491231002X"
VALID_CREDIT_CODE = "91350200776049653A"


def sign_in(username: str, password: str) -> object:
    return authenticate(RequestFactory().post("/accounts/login/"), username=username,
                        password=password)  # fmt: skip


@pytest.mark.django_db
def test_sex_and_birth_date_come_from_the_id_number() -> None:
    person = actions.person_create(actor=None, name="张三", id_number=VALID_ID.lower())
    assert person.id_number == VALID_ID
    assert person.birth_date == dt.date(1949, 12, 31)
    assert person.sex == Person.Sex.FEMALE  # 17th digit 2 is even


@pytest.mark.django_db
def test_a_wrong_id_check_digit_is_refused_with_the_chinese_message() -> None:
    with pytest.raises(ValidationFailed) as refused:
        actions.person_create(actor=None, name="张三", id_number=VALID_ID[:-1] + "1")
    assert str(refused.value.message) == "公民身份号码校验码错误：第18位应为X，而不是1。"
    assert not Person.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_the_same_id_number_cannot_be_registered_twice() -> None:
    actions.person_create(actor=None, name="张三", id_number=VALID_ID)
    with pytest.raises(ValidationFailed):
        actions.person_create(actor=None, name="李四", id_number=VALID_ID)


def test_an_admin_created_staff_account_gets_a_random_policy_password_to_change(
    orgs: SimpleNamespace,
) -> None:
    new = actions.account_create_staff(actor=None, username="zhang.san", display_name="张三",
                                       organisation=orgs.scjg)  # fmt: skip
    account = new.account
    assert account.must_change_password
    validate_password(new.password, user=account)
    assert sign_in("zhang.san", new.password) == account
    entry = AuditEntry.objects.get(action="directory.account.create")
    assert "password" not in entry.changes
    assert new.password not in str(entry.changes)


@pytest.mark.parametrize("password", ["abc", "abcdefgh", "zhangsan-Pass1", "password"])
def test_weak_initial_passwords_are_refused(orgs: SimpleNamespace, password: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        actions.account_create_staff(actor=None, username="zhangsan", display_name="张三",
                                     organisation=orgs.scjg, password=password)  # fmt: skip
    assert refused.value.data["field"] == "password"
    assert not Account.objects.exists()


@pytest.mark.parametrize("username", ["Admin", "ADMIN", "a", "<script>", "x' OR 1=1 --", "张三"])
def test_taken_or_malformed_user_names_are_refused(orgs: SimpleNamespace, username: str) -> None:
    make_staff("admin", orgs.gov)
    with pytest.raises(ValidationFailed) as refused:
        make_staff(username, orgs.gov)
    assert CHINESE.search(str(refused.value.message))
    assert Account.objects.count() == 1


def test_a_staff_account_needs_an_organisation_in_use(orgs: SimpleNamespace) -> None:
    actions.organisation_update(actor=None, organisation=orgs.ga, is_active=False)
    with pytest.raises(ValidationFailed):
        make_staff("clerk", orgs.ga)


@pytest.mark.django_db
def test_a_citizen_account_is_bound_to_the_person_with_that_id_number() -> None:
    new = actions.account_create_citizen(actor=None, username="13900000001", name="张三",
                                         id_number=VALID_ID, password=STRONG_PASSWORD)  # fmt: skip
    assert new.account.kind == Account.Kind.CITIZEN
    assert new.account.person.id_number == VALID_ID
    assert not new.account.must_change_password
    with pytest.raises(ValidationFailed):  # one citizen account per person
        actions.account_create_citizen(actor=None, username="zhangsan2", name="张三",
                                       id_number=VALID_ID, password=STRONG_PASSWORD)  # fmt: skip


@pytest.mark.django_db
def test_a_citizen_whose_name_does_not_match_the_id_number_is_refused() -> None:
    actions.person_create(actor=None, name="张三", id_number=VALID_ID)
    with pytest.raises(ValidationFailed, match="无法使用该身份信息注册"):
        actions.account_create_citizen(actor=None, username="lisi", name="李四",
                                       id_number=VALID_ID, password=STRONG_PASSWORD)  # fmt: skip
    assert not Account.objects.exists()


@pytest.mark.django_db
def test_registration_does_not_reveal_whether_a_person_is_registered_or_their_name() -> None:
    """A wrong name and an already registered ID number get the same answer; the specific
    reason is in the audit trail only."""
    actions.account_create_citizen(actor=None, username="zhangsan", name="张三",
                                   id_number=VALID_ID, password=STRONG_PASSWORD)  # fmt: skip
    answers = []
    for username, name in (("lisi", "李四"), ("zhangsan2", "张三")):
        with pytest.raises(ValidationFailed) as refused:
            actions.account_create_citizen(actor=None, username=username, name=name,
                                           id_number=VALID_ID, password=STRONG_PASSWORD)
        answers.append((str(refused.value.message), refused.value.data))
    assert answers[0] == answers[1]
    assert "张三" not in answers[0][0] and "已有公众账号" not in answers[0][0]
    reasons = list(AuditEntry.objects.filter(action="directory.account.register_refuse")
                   .order_by("seq").values_list("reason", flat=True))  # fmt: skip
    assert reasons == ["name_mismatch", "already_registered"]
    assert Account.objects.count() == 1


@pytest.mark.django_db
def test_an_enterprise_account_is_bound_by_credit_code() -> None:
    new = actions.account_create_enterprise(
        actor=None, username="ent1", enterprise_name="厦门示范有限公司",
        credit_code=VALID_CREDIT_CODE, password=STRONG_PASSWORD,
    )  # fmt: skip
    assert new.account.enterprise == Enterprise.objects.get(credit_code=VALID_CREDIT_CODE)
    with pytest.raises(ValidationFailed) as refused:
        actions.account_create_enterprise(
            actor=None, username="ent2", enterprise_name="错误公司",
            credit_code=VALID_CREDIT_CODE[:-1] + "B", password=STRONG_PASSWORD,
        )  # fmt: skip
    assert "统一社会信用代码校验码错误" in str(refused.value.message)


def test_deactivation_stops_sign_in_and_is_audited(
    orgs: SimpleNamespace, sysadmin: Account
) -> None:
    admin = sysadmin
    clerk = make_staff("clerk", orgs.scjg)
    with pytest.raises(ValidationFailed):
        actions.account_deactivate(actor=admin, account=admin)
    actions.account_deactivate(actor=admin, account=clerk, reason="调离")
    actions.account_deactivate(actor=admin, account=clerk)  # a second click changes nothing
    assert sign_in("clerk", STRONG_PASSWORD) is None
    entries = AuditEntry.objects.filter(action="directory.account.deactivate")
    assert entries.count() == 1
    assert entries.get().actor == admin


def test_role_assignment_is_idempotent_and_self_assignment_refused(
    orgs: SimpleNamespace, clerk_role: object, sysadmin: Account
) -> None:
    admin = sysadmin
    clerk = make_staff("clerk", orgs.scjg)
    for _ in range(2):
        actions.role_assign(actor=admin, account=clerk, role=clerk_role, organisation=orgs.scjg)
    assert RoleAssignment.objects.filter(account=clerk).count() == 1
    assert AuditEntry.objects.filter(action="directory.role_assignment.create",
                                     actor=admin).count() == 1  # fmt: skip
    with pytest.raises(ValidationFailed):
        actions.role_assign(actor=admin, account=admin, role=clerk_role, organisation=orgs.gov)
    assignment = RoleAssignment.objects.get(account=clerk)
    actions.role_revoke(actor=admin, assignment=assignment)
    actions.role_revoke(actor=admin, assignment=assignment)
    assert not RoleAssignment.objects.filter(account=clerk).exists()


@pytest.mark.django_db
def test_roles_are_only_for_staff(orgs: SimpleNamespace, clerk_role: object) -> None:
    citizen = actions.account_create_citizen(actor=None, username="citizen", name="张三",
                                             id_number=VALID_ID,
                                             password=STRONG_PASSWORD).account  # fmt: skip
    with pytest.raises(ValidationFailed):
        actions.role_assign(actor=None, account=citizen, role=clerk_role, organisation=orgs.scjg)


def test_a_lost_race_for_a_user_name_is_a_conflict(
    orgs: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_staff("clerk", orgs.scjg)
    # Simulate the second of two simultaneous submissions: its uniqueness check ran too early.
    monkeypatch.setattr("zhengwu.directory.rules.check_username", lambda username: username)
    monkeypatch.setattr(Account, "validate_unique", lambda self, exclude=None: None)
    with pytest.raises(Conflict):
        make_staff("clerk", orgs.scjg)
    assert Account.objects.count() == 1


def test_role_permission_changes_are_audited_as_labels(orgs: SimpleNamespace) -> None:
    from zhengwu.directory.tests.conftest import perms

    role = actions.role_create(actor=None, code="reviewer", name="审核员")
    actions.role_update(actor=None, role=role, permissions=perms("directory.view_account"))
    actions.role_update(actor=None, role=role, permissions=perms("directory.view_account"))
    entries = AuditEntry.objects.filter(action="directory.role.update")
    assert entries.count() == 1
    assert entries.get().changes["permissions"] == [[], ["directory.view_account"]]
