"""A small world: 云泽市人民政府 with its office (register 云政办发), two departments that
countersign, recipient units, and the people of every step (drafter, reviewer, leader,
department leaders), all through the real actions."""

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from zhengwu.directory.actions import organisation_create
from zhengwu.directory.models import Account, Region, Role, RoleAssignment
from zhengwu.documents import actions
from zhengwu.documents.models import OfficialDocument
from zhengwu.documents.rules import DocumentInput

PASSWORD = "Xx-12345678"

BODY = """为进一步做好政务服务工作，经市政府同意，现将有关事项通知如下。
一、总体要求
以优化营商环境为目标，推进政务服务标准化、规范化、便利化。
（一）加强组织领导
各地各部门要高度重视，主要负责同志亲自抓。
1.明确责任分工
各牵头单位要制定具体方案，2026年12月31日前完成。
（1）建立台账
逐项明确责任人和完成时限。"""


def perms(*codenames: str) -> list[Permission]:
    return list(
        Permission.objects.filter(content_type__app_label="documents", codename__in=codenames)
    )


class World:
    def __init__(self) -> None:
        self.region = Region.objects.create(code="990100", name="云泽市", level=2)
        self.city = self.org("云泽市人民政府", "government", None, "dc-city")
        self.office = self.org("市政府办公室", "department", self.city, "dc-szfb")
        self.edu = self.org("市教育局", "department", self.city, "dc-edu")
        self.fin = self.org("市财政局", "department", self.city, "dc-fin")
        self.other = self.org("市民政局", "department", self.city, "dc-mz")
        self.units = [self.org(f"测试县{i}人民政府", "government", self.city, f"dc-u{i}")
                      for i in range(3)]  # fmt: skip
        self.secretary_role = self.role(
            "secretary", "文秘", "view_officialdocument", "draft_officialdocument",
            "issue_officialdocument",
        )  # fmt: skip
        self.reviewer_role = self.role("reviewer", "审核员", "view_officialdocument",
                                       "review_officialdocument")  # fmt: skip
        self.leader_role = self.role(
            "leader", "部门领导", "view_officialdocument", "countersign_officialdocument",
            "signoff_officialdocument",
        )  # fmt: skip
        self.drafter = self.staff("drafter", "李文秘", self.office, self.secretary_role)
        self.reviewer = self.staff("reviewer", "王核稿", self.office, self.reviewer_role)
        self.leader = self.staff("leader", "张秘书长", self.office, self.leader_role)
        self.edu_leader = self.staff("eduleader", "赵局长", self.edu, self.leader_role)
        self.fin_leader = self.staff("finleader", "钱局长", self.fin, self.leader_role)
        self.outsider = self.staff("outsider", "孙民政", self.other, self.secretary_role)
        self.register = actions.register_create(
            actor=None,
            organisation=self.office,
            code="云政办发",
            issuer_mark="云泽市人民政府办公室文件",
        )
        actions.process_ensure()

    def org(self, name: str, kind: str, parent: Any, code: str) -> Any:
        return organisation_create(
            actor=None, name=name, kind=kind, region=self.region, parent=parent, code=code
        )

    def role(self, code: str, name: str, *codenames: str) -> Role:
        role = Role.objects.filter(code=code).first() or Role.objects.create(code=code, name=name)
        role.permissions.add(*perms(*codenames))
        return role

    def staff(self, username: str, name: str, org: Any, role: Role) -> Account:
        account = Account.objects.create_user(
            username, PASSWORD, display_name=name, kind="staff", organisation=org
        )
        RoleAssignment.objects.create(account=account, role=role, organisation=org)
        return account

    def data(self, **overrides: Any) -> DocumentInput:
        values: dict[str, Any] = {
            "doc_type": "notice",
            "title": "云泽市人民政府办公室关于进一步做好政务服务工作的通知",
            "body": BODY,
            "main_recipients": [*self.units],
            "main_recipients_text": "",
            "cc_recipients": [self.other],
            "attachment_names": "政务服务事项清单",
            "doc_date": date(2026, 11, 20),
            "note": "此件公开发布",
        }
        values.update(overrides)
        return DocumentInput(**values)

    def draft(self, **overrides: Any) -> OfficialDocument:
        return actions.document_create(
            actor=self.drafter, organisation=self.office, register=self.register,
            data=self.data(**overrides),
        )  # fmt: skip

    def to(self, doc: OfficialDocument, status: str) -> OfficialDocument:
        """Drive ``doc`` through the real process up to ``status``."""
        order = ["draft", "in_review", "countersigning", "awaiting_signoff", "signed_off",
                 "numbered", "sealed", "sent"]  # fmt: skip
        target = order.index(status)
        if target >= 1 and doc.status == "draft":
            doc = actions.document_submit(actor=self.drafter, document=doc)
        if target >= 2 and doc.status == "in_review":
            doc = actions.document_decide(actor=self.reviewer, document=doc, decision="approve")
        if target >= 3 and doc.status == "countersigning":
            for who in (self.edu_leader, self.fin_leader):
                if doc.status == "countersigning":
                    doc = actions.document_decide(actor=who, document=doc, decision="approve",
                                                  opinion="同意。")  # fmt: skip
        for step, who in ((4, self.leader), (5, self.drafter), (6, self.drafter),
                          (7, self.drafter)):  # fmt: skip
            if target >= step and order.index(doc.status) == step - 1:
                doc = actions.document_decide(actor=who, document=doc, decision="approve")
        return doc


@pytest.fixture
def world(db: Any) -> World:
    return World()
