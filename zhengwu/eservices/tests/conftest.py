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


# ----------------------------------------------------------------------------- cases (办件)

CASE_FORM = {
    "type": "object",
    "required": ["shop_name", "area"],
    "properties": {
        "shop_name": {"type": "string", "title": "店铺名称", "maxLength": 50},
        "area": {"type": "integer", "title": "经营面积（平方米）", "minimum": 1},
        "note": {"type": "string", "title": "备注", "maxLength": 500},
    },
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class CaseWorld:
    """The catalogue world plus case roles, a published item with a form, and applicants."""

    def __init__(self, w: World) -> None:
        from zhengwu.directory.models import Enterprise, Person
        from zhengwu.eservices.cases import case_processes_setup
        from zhengwu.identifiers.checksums import generate_credit_code, generate_resident_id

        self.w = w
        case_perms = Permission.objects.filter(
            content_type__app_label="eservices", codename="handle_application"
        )
        decide = Permission.objects.filter(
            content_type__app_label="eservices", codename="decide_application"
        )
        self.clerk_role = Role.objects.create(code="clerk", name="受理员")
        self.clerk_role.permissions.set(case_perms)
        self.reviewer_role = Role.objects.create(code="reviewer", name="审核员")
        self.reviewer_role.permissions.set(case_perms)
        self.leader_role = Role.objects.create(code="leader", name="部门领导")
        self.leader_role.permissions.set([*case_perms, *decide])
        self.clerk = w.staff("caseclerk", "孙受理", w.bureau, self.clerk_role)
        self.reviewer = w.staff("casereviewer", "周审核", w.bureau, self.reviewer_role)
        self.leader = w.staff("caseleader", "吴局长", w.bureau, self.leader_role)
        self.other_clerk = w.staff("otherclerk2", "郑民政", w.other, self.clerk_role)
        self.other_reviewer = w.staff("otherreviewer", "冯民政", w.other, self.reviewer_role)
        case_processes_setup(actor=None)
        self.item = w.item("食品经营许可", status="published", form_schema=CASE_FORM)
        self.material = self.item.materials.get(name="食品经营许可申请书")
        self.citizen = self.citizen_account("citizen1", "陈小明", 1)
        self.citizen2 = self.citizen_account("citizen2", "林小红", 2)
        ent = Enterprise.objects.create(
            name="云泽美食有限公司",
            credit_code=generate_credit_code("9", "1", "990100", "12345678"),
        )
        self.company = Account.objects.create_user(
            "company1", PASSWORD, display_name="云泽美食", kind="enterprise", enterprise=ent
        )
        self._person = Person
        self._gen = generate_resident_id

    def citizen_account(self, username: str, name: str, seq: int) -> Account:
        import datetime as dt

        from zhengwu.directory.models import Person
        from zhengwu.identifiers.checksums import generate_resident_id

        person = Person.objects.create(
            name=name, id_number=generate_resident_id("990100", dt.date(1990, 1, seq), seq)
        )
        return Account.objects.create_user(
            username,
            PASSWORD,
            display_name=name,
            kind="citizen",
            person=person,
            mobile="13800000000",
        )

    def upload(self, name: str = "申请书.pdf", content: bytes = PDF) -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return SimpleUploadedFile(name, content, content_type="application/pdf")

    def submitted(self, applicant: Any = None, item: Any = None) -> Any:
        """A submitted case through the real actions; returns (application, query code)."""
        from zhengwu.eservices import cases

        applicant = applicant or self.citizen
        item = item or self.item
        app = cases.application_draft_create(actor=applicant, item=item)
        cases.application_draft_save(
            actor=applicant, application=app, form_data={"shop_name": "小明面馆", "area": "30"}
        )
        for m in item.materials.filter(required=True):
            cases.application_material_add(
                actor=applicant, application=app, material=m, upload=self.upload()
            )
        result = cases.application_submit(actor=applicant, application=app)
        return result.application, result.query_code


@pytest.fixture
def cw(world: World) -> CaseWorld:
    return CaseWorld(world)
