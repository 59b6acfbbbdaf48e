"""Fixtures: a sending bureau, receiving units with 收发员 (secretary) and leaders, PDFs."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from zhengwu.directory.actions import organisation_create
from zhengwu.directory.models import Account, Organisation, Region, Role, RoleAssignment
from zhengwu.exchange import actions
from zhengwu.files.actions import file_store

PASSWORD = "Xx-12345678"
EXCHANGE_PERMS = ["handle_delivery", "register_received", "track_dispatch", "manage_archive"]


@functools.cache
def pdf_bytes(text: str = "关于做好防汛工作的通知") -> bytes:
    from weasyprint import HTML

    return HTML(
        string=f"<html><body><h1>{text}</h1><p>各单位：请做好防汛抗旱准备。</p></body></html>"
    ).write_pdf()


def store_pdf(
    actor: Any = None, text: str = "关于做好防汛工作的通知", purpose: str = "exchange_test"
) -> Any:
    return file_store(
        actor=actor,
        upload=SimpleUploadedFile("通知.pdf", pdf_bytes(text), content_type="application/pdf"),
        purpose=purpose,
    )


def clear(account: Any, level: str) -> None:
    """Personal clearance (密级) — defined by documents, a higher layer, hence by model name."""
    from django.apps import apps

    apps.get_model("documents", "DocumentClearance").objects.update_or_create(
        account=account, defaults={"level": level}
    )


class World:
    def __init__(self) -> None:
        self.region = Region.objects.create(code="990100", name="云泽市", level=2)
        self.city = organisation_create(
            actor=None, name="云泽市人民政府", kind="government", region=self.region, code="ex-city"
        )
        self.sender = self.org("云泽市人民政府办公室", "ex-szfb")
        self.unit = self.org("云泽市教育局", "ex-jyj")
        self.unit2 = self.org("云泽市民政局", "ex-mzj")
        self.div_a = self.org("基础教育科", "ex-jyj-a", parent=self.unit, kind="internal")
        self.div_b = self.org("职业教育科", "ex-jyj-b", parent=self.unit, kind="internal")
        perms = list(
            Permission.objects.filter(
                content_type__app_label="exchange", codename__in=EXCHANGE_PERMS
            )
        )
        self.secretary_role = Role.objects.create(code="secretary", name="文秘")
        self.secretary_role.permissions.set(perms)
        self.leader_role = Role.objects.create(code="leader", name="部门领导")
        self.sender_clerk = self.staff("sclerk", "孙文秘", self.sender, self.secretary_role)
        self.clerk = self.staff("clerk", "张收发", self.unit, self.secretary_role)
        self.clerk2 = self.staff("clerk2", "李收发", self.unit, self.secretary_role)
        self.leader = self.staff("leader", "王局长", self.unit, self.leader_role)
        self.leader_a = self.staff("leader_a", "赵科长", self.div_a, self.leader_role)
        self.leader_b = self.staff("leader_b", "钱科长", self.div_b, self.leader_role)
        self.reader = self.staff("reader", "周科员", self.div_a, None)
        self.other_clerk = self.staff("oclerk", "吴收发", self.unit2, self.secretary_role)

    def org(
        self, name: str, code: str, parent: Organisation | None = None, kind: str = "department"
    ) -> Organisation:
        return organisation_create(
            actor=None,
            name=name,
            kind=kind,
            region=self.region,
            parent=parent or self.city,
            code=code,
        )

    def staff(self, username: str, name: str, org: Organisation, role: Role | None) -> Account:
        account = Account.objects.create_user(
            username, PASSWORD, display_name=name, kind="staff", organisation=org
        )
        if role is not None:
            RoleAssignment.objects.create(account=account, role=role, organisation=org)
        return account

    def send(
        self,
        recipients: list[Organisation] | None = None,
        cc: list[Organisation] | None = None,
        **overrides: Any,
    ) -> Any:
        values: dict[str, Any] = {
            "actor": self.sender_clerk,
            "sender_organisation": self.sender,
            "title": "关于做好防汛工作的通知",
            "doc_number": "云政办发〔2026〕12号",
            "doc_type": "通知",
            "security_level": "",
            "urgency": "",
            "main_recipients": recipients if recipients is not None else [self.unit],
            "cc_recipients": cc or [],
            "pdf": store_pdf(self.sender_clerk),
            "attachments": [],
            "source_type": "tests.document",
            "source_id": "1",
        }
        values.update(overrides)
        return actions.dispatch_send(**values)


@pytest.fixture
def world(db: Any) -> World:
    return World()
