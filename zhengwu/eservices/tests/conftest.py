"""Fixtures: two departments with clerks (editors) and leaders (reviewers), the taxonomies and
the review process, and a helper that makes items in any status through the real actions."""

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from zhengwu.directory.actions import organisation_create
from zhengwu.directory.models import Account, Region, Role, RoleAssignment
from zhengwu.eservices import actions
from zhengwu.eservices.models import LifeEvent, ServiceItem, Topic
from zhengwu.eservices.rules import FaqInput, FeeInput, ItemInput, MaterialInput
from zhengwu.eservices.taxonomy import taxonomy_ensure
from zhengwu.workflow.models import WorkTask

PASSWORD = "Xx-12345678"


def perms(*codenames: str) -> list[Permission]:
    return list(
        Permission.objects.filter(content_type__app_label="eservices", codename__in=codenames)
    )


class World:
    def __init__(self, settings: Any) -> None:
        region = Region.objects.create(code="990100", name="云泽市", level=2)
        self.city = organisation_create(
            actor=None, name="云泽市人民政府", kind="government", region=region, code="es-city"
        )
        self.bureau = organisation_create(
            actor=None,
            name="市市场监督管理局",
            kind="department",
            region=region,
            parent=self.city,
            code="es-scjg",
        )
        self.other = organisation_create(
            actor=None,
            name="市民政局",
            kind="department",
            region=region,
            parent=self.city,
            code="es-mz",
        )
        self.editor_role = Role.objects.create(code="es-clerk", name="事项维护员")
        self.editor_role.permissions.set(
            perms("view_serviceitem", "add_serviceitem", "change_serviceitem")
        )
        self.reviewer_role = Role.objects.create(code="es-leader", name="事项审核员")
        self.reviewer_role.permissions.set(perms("view_serviceitem", "publish_serviceitem"))
        self.clerk = self.staff("clerk", "张维护", self.bureau, self.editor_role)
        self.clerk2 = self.staff("clerk2", "李维护", self.bureau, self.editor_role)
        self.leader = self.staff("leader", "王局长", self.bureau, self.reviewer_role)
        self.other_clerk = self.staff("otherclerk", "赵民政", self.other, self.editor_role)
        self.other_leader = self.staff("otherleader", "钱民政", self.other, self.reviewer_role)
        taxonomy_ensure()
        actions.review_process_setup(actor=None, role_code="es-leader")
        self.serial = 0

    def staff(self, username: str, name: str, org: Any, role: Role) -> Account:
        account = Account.objects.create_user(
            username, PASSWORD, display_name=name, kind="staff", organisation=org
        )
        RoleAssignment.objects.create(account=account, role=role, organisation=org)
        return account

    def data(self, name: str = "食品经营许可", **overrides: Any) -> ItemInput:
        self.serial += 1
        values: dict[str, Any] = dict(  # noqa: C408 (keyword style reads like the form)
            name=name,
            code=f"TEST-{self.serial:04d}",
            item_type="licensing",
            audience="legal_entity",
            legal_basis="《中华人民共和国食品安全法》第三十五条",
            conditions="具有与经营的食品品种相适应的经营场所。",
            summary="",
            process_description="申请、受理、审查、决定、送达。",
            statutory_limit_days=20,
            promised_limit_days=10,
            service_location="市政务服务中心二楼",
            service_hours="周一至周五 9:00—17:00",
            visits_required=1,
            online_depth=3,
            contact_phone="0999-12345",
            topics=list(Topic.objects.filter(code="food-drug")),
            life_events=list(LifeEvent.objects.filter(code="opening")),
            materials=[
                MaterialInput(name="食品经营许可申请书", form="original"),
                MaterialInput(name="营业执照", form="copy", required=False),
            ],
            fees=[FeeInput(name="工本费", amount=Decimal("10.00"), basis="某收费文件")],
            faqs=[FaqInput(question="许可证有效期多久？", answer="5年。")],
        )
        values.update(overrides)
        return ItemInput(**values)

    def item(
        self,
        name: str = "食品经营许可",
        *,
        org: Any = None,
        status: str = "draft",
        **overrides: Any,
    ) -> ServiceItem:
        org = org or self.bureau
        clerk = self.clerk if org == self.bureau else self.other_clerk
        leader = self.leader if org == self.bureau else self.other_leader
        item = actions.service_item_create(
            actor=clerk, organisation=org, data=self.data(name, **overrides)
        )
        if status == "draft":
            return item
        item = actions.service_item_submit(actor=clerk, item=item, expected_version=item.version)
        if status == "published":
            from zhengwu.workflow.actions import task_complete

            task_complete(actor=leader, task=review_task(item), decision="approve")
            item.refresh_from_db()
        return item


def review_task(item: ServiceItem) -> WorkTask:
    return WorkTask.objects.get(
        instance__owner_type="eservices.service_item",
        instance__owner_id=str(item.pk),
        status__in=["open", "claimed"],
    )


@pytest.fixture
def world(db: Any, settings: Any) -> World:
    return World(settings)
