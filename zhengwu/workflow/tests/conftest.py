"""Fixtures: a small organisation tree, clerks and leaders with workflow roles, BPMN files."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from zhengwu.directory.actions import organisation_create
from zhengwu.directory.models import Account, Region, Role, RoleAssignment
from zhengwu.workflow import actions
from zhengwu.workflow.registry import register_subject_type, unregister_subject_type

BPMN_DIR = Path(__file__).parent / "bpmn"
SUBJECT = "workflow_tests.subject"


def bpmn(name: str) -> bytes:
    return (BPMN_DIR / name).read_bytes()


class World:
    """Organisations, roles and accounts of the tests."""

    def __init__(self) -> None:
        region = Region.objects.create(code="990100", name="云泽市", level=2)
        self.city = organisation_create(
            actor=None, name="云泽市人民政府", kind="government", region=region, code="wf-city"
        )
        self.bureau = organisation_create(
            actor=None,
            name="云泽市市场监督管理局",
            kind="department",
            region=region,
            parent=self.city,
            code="wf-bureau",
        )
        self.dept_a = organisation_create(
            actor=None,
            name="甲科",
            kind="internal",
            region=region,
            parent=self.bureau,
            code="wf-dept-a",
        )
        self.dept_b = organisation_create(
            actor=None,
            name="乙科",
            kind="internal",
            region=region,
            parent=self.bureau,
            code="wf-dept-b",
        )
        self.other = organisation_create(
            actor=None,
            name="云泽市教育局",
            kind="department",
            region=region,
            parent=self.city,
            code="wf-other",
        )
        self.clerk_role = Role.objects.create(code="wf-clerk", name="承办人")
        self.leader_role = Role.objects.create(code="wf-leader", name="科室负责人")
        self.clerk = self.staff("clerk", "张承办", self.bureau, self.clerk_role)
        self.clerk2 = self.staff("clerk2", "李承办", self.bureau, self.clerk_role)
        self.leader = self.staff("leader", "王科长", self.bureau, self.leader_role)
        self.city_leader = self.staff("cityleader", "赵主任", self.city, self.leader_role)
        self.clerk_a = self.staff("clerka", "甲科员", self.dept_a, self.clerk_role)
        self.clerk_b = self.staff("clerkb", "乙科员", self.dept_b, self.clerk_role)
        self.outsider = self.staff("outsider", "外局承办", self.other, self.clerk_role)
        self.initiator = self.staff("initiator", "发起人", self.bureau, None)
        self.admin = self.staff("wfadmin", "流程管理员", self.city, None)
        admin_role = Role.objects.create(code="wf-admin", name="流程管理员")
        admin_role.permissions.set(
            Permission.objects.filter(
                content_type__app_label="workflow",
                codename__in=["add_processdefinition", "change_processdefinition"],
            )
        )
        RoleAssignment.objects.create(account=self.admin, role=admin_role, organisation=self.city)

    def staff(self, username: str, name: str, org: Any, role: Role | None) -> Account:
        account = Account.objects.create_user(
            username, "Xx-12345678", display_name=name, kind="staff", organisation=org
        )
        if role is not None:
            RoleAssignment.objects.create(account=account, role=role, organisation=org)
        return account

    def deploy(self, *names: str) -> Any:
        definition = None
        for name in names:
            definition = actions.definition_deploy(
                actor=self.admin, bpmn_xml=bpmn(name), filename=name
            )
        return definition

    def start(
        self,
        key: str,
        *,
        variables: dict | None = None,
        org: Any = None,
        initiator: Any = None,
        title: str = "关于某事项的申请",
    ) -> Any:
        return actions.instance_start(
            actor=initiator or self.initiator,
            definition_key=key,
            owner_type=SUBJECT,
            owner_id="42",
            title=title,
            url="/subjects/42/",
            organisation=org or self.bureau,
            variables=variables or {},
        )


@pytest.fixture(autouse=True)
def _subject_type() -> Iterator[None]:
    register_subject_type(SUBJECT, "测试事项")
    yield
    unregister_subject_type(SUBJECT)


@pytest.fixture
def world(db: Any) -> World:
    return World()


def open_tasks(instance: Any) -> list[Any]:
    return list(instance.tasks.filter(status__in=["open", "claimed"]).order_by("element_id", "pk"))
