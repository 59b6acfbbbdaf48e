"""Demo cases (办件) for the 云泽市 demo world, after the catalogue (order 35).

- grants the case permissions to the clerk / reviewer / leader roles and, in departments without a
  reviewer, the reviewer role to the department's leader (so every 审查 step has a handler);
- maps items to licence types and adds one 一件事一次办 bundle (开办餐饮店);
- about 150 cases through the real actions (every state: draft … concluded, corrections,
  suspensions, ratings with a rectification), some back-dated so that time limits run out;
- about 200 concluded cases of the last four months inserted in bulk with consistent events.

Idempotent: each demo case carries the idempotency key ``demo-case-NNNNN``; existing ones are
skipped, so ``manage.py demo`` twice changes nothing.
"""

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from zhengwu.directory import actions as directory
from zhengwu.directory.models import Account, Organisation, Role, RoleAssignment
from zhengwu.eservices import cases
from zhengwu.eservices.models import (
    Application,
    ApplicationEvent,
    Rating,
    ServiceItem,
)
from zhengwu.workdays.models import Deadline
from zhengwu.workdays.selectors import add_working_days
from zhengwu.workflow import actions as workflow

SEED = 4004
LIVE = 150
BULK = 200
CASE_PERMS = {
    "clerk": ["handle_application"],
    "reviewer": ["handle_application"],
    "leader": ["handle_application", "decide_application"],
    "supervisor": ["handle_application"],
}
LICENCE_TYPES = {
    "食品经营许可": "food-business",
    "建筑工程施工许可": "construction-permit",
    "户外广告设施设置许可": "outdoor-ad",
}
BUNDLE_CODE = "990Z0000001000-990100000000-000-BUNDLE-1-00"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
S = Application.Status


def key(n: int) -> str:
    return f"demo-case-{n:05d}"


def _grant() -> None:
    for code, names in CASE_PERMS.items():
        role = Role.objects.filter(code=code).first()
        if role is None:
            continue
        wanted = list(
            Permission.objects.filter(content_type__app_label="eservices", codename__in=names)
        )
        have = set(role.permissions.values_list("pk", flat=True))
        if any(p.pk not in have for p in wanted):
            directory.role_update(
                actor=None, role=role, permissions=[*role.permissions.all(), *wanted]
            )
    reviewer = Role.objects.filter(code="reviewer").first()
    if reviewer is None:
        return
    for org in Organisation.objects.filter(service_items__isnull=False).distinct():
        if RoleAssignment.objects.filter(role=reviewer, organisation=org).exists():
            continue
        leader = Account.objects.filter(username=f"{org.code}_leader", is_active=True).first()
        if leader is not None:
            directory.role_assign(
                actor=None, account=leader, role=reviewer, organisation=org, covers_subtree=True
            )


def _licence_types() -> None:
    for item in ServiceItem.objects.filter(item_type="licensing", licence_type=""):
        item_code = LICENCE_TYPES.get(item.name, "approval")
        ServiceItem.objects.filter(pk=item.pk).update(licence_type=item_code)
    for name, code in LICENCE_TYPES.items():
        ServiceItem.objects.filter(name=name, licence_type="").update(licence_type=code)


def _bundle() -> None:
    """开办餐饮店 “一件事”: 市场监管 leads, 住建 (门头招牌) and 生态环境 (排污) in parallel."""
    if ServiceItem.objects.filter(code=BUNDLE_CODE).exists():
        return
    lead = Organisation.objects.filter(code="scjg").first()
    partners = list(Organisation.objects.filter(code__in=["zj", "sthj"]))
    template = ServiceItem.objects.filter(name="食品经营许可", status="published").first()
    if lead is None or template is None or not partners:
        return
    from zhengwu.eservices import actions
    from zhengwu.eservices.demo import _publish
    from zhengwu.eservices.rules import ItemInput, MaterialInput

    data = ItemInput(
        name="开办餐饮店“一件事”",
        code=BUNDLE_CODE,
        item_type="licensing",
        audience="legal_entity",
        handling_level="city",
        summary="一次申请、一套材料，市场监管、住建、生态环境部门并联审批，一次办结。",
        legal_basis=template.legal_basis,
        conditions=template.conditions,
        process_description=(
            "1. 申请；2. 牵头部门受理；3. 各部门并联审查；4. 牵头部门统一决定并送达。"
        ),
        statutory_limit_days=20,
        promised_limit_days=10,
        service_location=template.service_location,
        service_hours=template.service_hours,
        visits_required=0,
        contact_phone=template.contact_phone,
        complaint_phone=template.complaint_phone,
        online_depth=4,
        form_schema=template.form_schema,
        topics=list(template.topics.all()),
        life_events=list(template.life_events.all()),
        materials=[
            MaterialInput(name="开办餐饮店一件事申请表", form="original"),
            MaterialInput(name="经营场所使用证明", form="copy"),
            MaterialInput(name="门头招牌设计图", form="electronic", required=False),
        ],
    )
    item = actions.service_item_create(actor=None, organisation=lead, data=data)
    item.joint_organisations.set(partners)
    ServiceItem.objects.filter(pk=item.pk).update(licence_type="approval")
    _publish(item, "scjg")


def _applicants() -> tuple[list[Account], list[Account]]:
    citizens = list(
        Account.objects.filter(kind="citizen", person__id_number__isnull=False).order_by(
            "username"
        )[:20]
    )
    firms = list(Account.objects.filter(kind="enterprise").order_by("username")[:20])
    return citizens, firms


def _form(item: ServiceItem, who: cases.Applicant, account: Account) -> dict[str, str]:
    props = (item.form_schema or {}).get("properties") or {}
    values = {
        "name": who.name,
        "id_number": who.id_number,
        "mobile": account.mobile or "13900000000",
        "address": "云泽市新城大道1号",
        "entity_name": who.name,
        "credit_code": who.id_number,
        "legal_representative": getattr(account.enterprise, "legal_representative", "") or "张三",
        "contact_phone": account.mobile or "0999-1234567",
    }
    return {k: v for k, v in values.items() if k in props}


def _file() -> SimpleUploadedFile:
    return SimpleUploadedFile("材料.pdf", PDF, content_type="application/pdf")


def _staff(org: Organisation, role: str) -> Account | None:
    ids = RoleAssignment.objects.filter(
        role__code=role, organisation=org, account__is_active=True
    ).values_list("account_id", flat=True)
    return Account.objects.filter(pk__in=ids).order_by("pk").first()


class _Maker:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)  # noqa: S311 - demo data
        self.citizens, self.firms = _applicants()
        self.items = list(
            ServiceItem.objects.filter(status="published")
            .exclude(form_schema={})
            .select_related("organisation__region")
        )
        self.done = set(
            Application.objects.filter(idempotency_key__startswith="demo-case-").values_list(
                "idempotency_key", flat=True
            )
        )

    def applicant_for(self, item: ServiceItem) -> Account | None:
        pool = self.firms if item.audience == "legal_entity" else self.citizens
        return self.rng.choice(pool) if pool else None

    def draft(self, n: int, item: ServiceItem) -> Application | None:
        account = self.applicant_for(item)
        if account is None:
            return None
        app = cases.application_draft_create(actor=account, item=item)
        if app.idempotency_key != key(n):  # a resumed draft of another demo case: new one
            if app.idempotency_key:
                return None
            Application.objects.filter(pk=app.pk).update(idempotency_key=key(n))
        who = cases.applicant_of(account)
        cases.application_draft_save(
            actor=account, application=app, form_data=_form(item, who, account)
        )
        for material in item.materials.filter(required=True):
            cases.application_material_add(
                actor=account, application=app, material=material, upload=_file()
            )
        app.refresh_from_db()
        return app

    def run(self, target: str, n: int, item: ServiceItem) -> None:
        app = self.draft(n, item)
        if app is None or target == "draft":
            return
        cases.application_submit(actor=app.applicant, application=app)
        org = app.handling_organisation
        clerk, reviewer, leader = (
            _staff(org, "clerk"),
            _staff(org, "reviewer"),
            _staff(org, "leader"),
        )
        if clerk is None or reviewer is None or leader is None or target == "submitted":
            return
        if target in ("correction", "corrected"):
            material = item.materials.filter(required=True).first()
            cases.application_request_correction(
                actor=clerk,
                application=app,
                items=[
                    cases.CorrectionItem(
                        material.pk if material else None,
                        "" if material else "身份证明",
                        "扫描件不清晰，请重新上传清晰的彩色扫描件",
                    )
                ],
            )
            if target == "correction":
                return
            cases.application_material_add(
                actor=app.applicant, application=app, material=material, upload=_file()
            )
            cases.application_submit(actor=app.applicant, application=app)
            return
        if target == "not_accepted":
            cases.application_not_accept(
                actor=clerk,
                application=app,
                reason="申请事项依法不属于本机关职权范围，请向县级主管部门申请。",
                legal_basis="《中华人民共和国行政许可法》第三十二条第一款第（二）项",
            )
            return
        if target == "withdrawn":
            cases.application_withdraw(actor=app.applicant, application=app, reason="不再需要办理")
            return
        cases.application_accept(actor=clerk, application=app)
        if target in ("under_review", "overdue"):
            if target == "overdue":
                _backdate(app, self.rng.randint(8, 25))
            return
        if target == "suspended":
            cases.application_suspend(
                actor=clerk, application=app, kind="expert_review", reason="需组织专家现场评审"
            )
            return
        if item.joint_organisations.exists():
            for _round in range(10):
                task = (
                    cases.WorkTask.objects.filter(
                        instance_id=app.workflow_instance_id,
                        element_id="joint_review",
                        status__in=cases.WorkTask.ACTIVE,
                    )
                    .select_related("candidate_organisation")
                    .first()
                )
                if task is None:
                    break
                org = task.candidate_organisation
                who = _staff(org, "reviewer") or _staff(org, "leader")
                if who is None:
                    return
                workflow.task_complete(actor=who, task=task, decision="approve", opinion="同意")
        else:
            cases.application_review(
                actor=reviewer,
                application=app,
                recommend="approve",
                opinion="材料齐全，符合条件，建议准予。",
            )
        if cases.open_task(app, "decide") is None:
            return
        if target == "reviewed":
            return
        approve = target != "refused"
        fee = sum((f.amount for f in item.fees.all()), Decimal(0)) if approve else None
        cases.application_decide(
            actor=leader,
            application=app,
            approve=approve,
            reason="" if approve else "经现场核查，经营场所不符合相关规定条件。",
            legal_basis="" if approve else item.legal_basis[:200],
            # the catalogue's fees, with a 财政票据 number (none for free items)
            fee_charged=fee if fee else None,
            fee_receipt_number=f"YZ{timezone.localdate():%Y}{n:07d}" if fee else "",
        )
        if target == "rated_bad":
            cases.application_rate(
                actor=app.applicant,
                application=app,
                level=2,
                comment="等待时间较长，窗口答复不够清楚。",
            )
        elif target == "rated_good":
            cases.application_rate(
                actor=app.applicant,
                application=app,
                level=self.rng.choice([4, 5, 5]),
                comment="办事效率高",
            )


def _backdate(app: Application, days: int) -> None:
    """Move an accepted case ``days`` working days into the past, deadlines included."""
    app = Application.objects.get(pk=app.pk)
    today = timezone.localdate()
    start = today
    for _i in range(days):
        start -= dt.timedelta(days=1)
        while start.weekday() >= 5:
            start -= dt.timedelta(days=1)
    when = timezone.make_aware(dt.datetime.combine(start, dt.time(10, 0)))
    dues = {}
    for d in Deadline.objects.filter(owner_type=cases.OWNER, owner_id=str(app.pk), is_open=True):
        d.start = start
        d.due_date = add_working_days(start, d.working_days)
        d.save(update_fields=["start", "due_date"])
        dues[d.label] = d.due_date
    Application.objects.filter(pk=app.pk).update(
        submitted_at=when,
        received_at=when,
        accepted_at=when,
        created_at=when,
        statutory_due=dues.get("statutory"),
        promised_due=dues.get("promised"),
    )
    ApplicationEvent.objects.filter(application=app).update(at=when)


PLAN = (
    ["draft"] * 10
    + ["submitted"] * 18
    + ["correction"] * 10
    + ["corrected"] * 5
    + ["not_accepted"] * 8
    + ["withdrawn"] * 5
    + ["under_review"] * 18
    + ["overdue"] * 14
    + ["suspended"] * 6
    + ["reviewed"] * 10
    + ["approved"] * 22
    + ["refused"] * 8
    + ["rated_good"] * 12
    + ["rated_bad"] * 4
)


def _live(maker: _Maker) -> int:
    licence_items = [
        i for i in maker.items if i.licence_type and not i.joint_organisations.exists()
    ]
    plain = [i for i in maker.items if not i.licence_type]
    bundle = [i for i in maker.items if i.joint_organisations.exists()]
    made = 0
    for n, target in enumerate(PLAN, 1):
        if key(n) in maker.done:
            continue
        concluded = target in ("approved", "rated_good", "rated_bad")
        # Licences take a render + signature each: a few of them, the rest on plain items.
        if bundle and n % 25 == 0:
            item = bundle[0]
        elif concluded and licence_items and n % 5 == 0:
            item = maker.rng.choice(licence_items)
        else:
            item = maker.rng.choice(plain or maker.items)
        with transaction.atomic():
            maker.run(target, n, item)
        made += 1
    return made


def _bulk(maker: _Maker) -> int:
    """Concluded cases of the last four months, inserted directly (no process, no files)."""
    first = len(PLAN) + 1
    wanted = [n for n in range(first, first + BULK) if key(n) not in maker.done]
    if not wanted or not maker.items:
        return 0
    today = timezone.localdate()
    apps: list[Application] = []
    for n in wanted:
        item = maker.rng.choice(maker.items)
        account = maker.applicant_for(item)
        if account is None:
            continue
        who = cases.applicant_of(account)
        submitted = today - dt.timedelta(days=maker.rng.randint(10, 120))
        while submitted.weekday() >= 5:
            submitted -= dt.timedelta(days=1)
        accepted = add_working_days(submitted, maker.rng.choice([0, 1, 1, 2]))
        promised = add_working_days(accepted, item.promised_limit_days)
        statutory = (
            add_working_days(accepted, item.statutory_limit_days)
            if item.statutory_limit_days is not None
            else None
        )
        late = maker.rng.random() < 0.08
        took = item.promised_limit_days + (
            maker.rng.randint(1, 4)
            if late
            else -maker.rng.randint(0, max(item.promised_limit_days - 1, 0))
        )
        concluded = add_working_days(accepted, max(took, 0))
        if concluded > today:
            concluded = today
        refused = maker.rng.random() < 0.1
        tz = timezone.get_current_timezone()

        def at(day: dt.date, hour: int, tz: Any = tz) -> dt.datetime:
            return dt.datetime.combine(day, dt.time(hour, maker.rng.randint(0, 59)), tzinfo=tz)

        number = f"{item.organisation.region.code}{submitted:%Y%m%d}{900000 + n:06d}"
        fee = None if refused else sum((f.amount for f in item.fees.all()), Decimal(0)) or None
        apps.append(
            Application(
                number=number,
                item=item,
                handling_organisation=item.organisation,
                applicant=account,
                applicant_kind=who.kind,
                applicant_name=who.name,
                applicant_id_number=who.id_number,
                contact_phone=account.mobile,
                form_data=_form(item, who, account),
                status=S.CONCLUDED,
                submitted_at=at(submitted, 9),
                received_at=at(submitted, 9),
                accepted_at=at(accepted, 11),
                decided_at=at(concluded, 15),
                concluded_at=at(concluded, 16),
                decision="refused" if refused else "approved",
                decision_reason="不符合法定条件。" if refused else "",
                legal_basis=item.legal_basis[:200],
                statutory_due=statutory,
                promised_due=promised,
                fee_charged=fee,
                fee_receipt_number=f"YZ{submitted:%Y}{n:07d}" if fee else "",
                idempotency_key=key(n),
            )
        )
    Application.objects.bulk_create(apps)
    created = {
        a.idempotency_key: a
        for a in Application.objects.filter(idempotency_key__in=[a.idempotency_key for a in apps])
    }
    events = []
    ratings = []
    for a in apps:
        row = created[a.idempotency_key]
        steps = [
            ("submit", "draft", "submitted", row.submitted_at),
            ("accept", "submitted", "accepted", row.accepted_at),
            (
                "refuse" if row.decision == "refused" else "approve",
                "under_review",
                row.decision,
                row.decided_at,
            ),
            ("conclude", row.decision, "concluded", row.concluded_at),
        ]
        for kind, before, after, when in steps:
            events.append(
                ApplicationEvent(
                    application=row,
                    at=when,
                    kind=kind,
                    from_status=before,
                    to_status=after,
                    actor_name=row.handling_organisation.name,
                )
            )
        if maker.rng.random() < 0.5:
            ratings.append(
                Rating(application=row, level=maker.rng.choice([3, 4, 5, 5, 5]), comment="")
            )
    ApplicationEvent.objects.bulk_create(events)
    Rating.objects.bulk_create(ratings)
    return len(apps)


def _extras(maker: _Maker) -> int:
    """窗口收件 (counter) cases and 延长 (extensions, one approved, one refused); idempotent by
    the keys ``demo-xcase-NNNNN`` (counter tokens) and the extension rows themselves. A demo
    item whose form needs more than the usual fields is skipped (the loader never fails)."""
    from zhengwu.core.errors import ApplicationError
    from zhengwu.eservices import counter, extensions
    from zhengwu.identifiers.checksums import generate_resident_id

    made = 0
    people = [i for i in maker.items if i.audience != "legal_entity"]
    names = ["刘桂芳", "何建国", "罗秀英"]
    for n, name in enumerate(names, 1):
        token = f"demo-xcase-{n:05d}"
        if not people or Application.objects.filter(idempotency_key=token).exists():
            continue
        item = people[(n * 7) % len(people)]
        clerk = _staff(item.organisation, "clerk")
        if clerk is None:
            continue
        id_number = generate_resident_id("990102", dt.date(1958, n, 9), n * 2)
        props = (item.form_schema or {}).get("properties") or {}
        values = {"name": name, "id_number": id_number, "mobile": "13900000000",
                  "address": "云泽市新城大道1号", "contact_phone": "13900000000"}  # fmt: skip
        try:
            with transaction.atomic():
                counter.counter_register(
                    actor=clerk,
                    item=item,
                    token=token,
                    data=counter.CounterInput(
                        applicant=counter.CounterApplicant("citizen", name, id_number),
                        form_data={k: v for k, v in values.items() if k in props},
                        files={m.pk: [_file()] for m in item.materials.filter(required=True)},
                    ),
                )
        except ApplicationError:
            continue
        made += 1
    # extensions on accepted cases under review (their statutory limit is running)
    if not Application.objects.filter(extensions__isnull=False).exists():
        open_cases = Application.objects.filter(
            status=S.UNDER_REVIEW,
            idempotency_key__startswith="demo-case-",
            statutory_due__isnull=False,
        ).order_by("pk")[:2]
        for i, app in enumerate(open_cases):
            clerk = _staff(app.handling_organisation, "clerk")
            leader = _staff(app.handling_organisation, "leader")
            if clerk is None or leader is None:
                continue
            try:
                with transaction.atomic():
                    ext = extensions.extension_request(
                        actor=clerk,
                        application=app,
                        reason="需对经营场所进行现场核查，审查工作量大",
                    )
                    extensions.extension_decide(
                        actor=leader,
                        extension=ext,
                        approve=i == 0,
                        opinion="同意延长" if i == 0 else "可在法定期限内办结，不予延长",
                    )
            except ApplicationError:
                continue
            made += 1
    return made


def load(stdout: Any) -> list[tuple[str, str, str]]:
    cases.case_processes_setup(actor=None)
    _grant()
    _licence_types()
    _bundle()
    maker = _Maker()
    live = _live(maker)
    bulk = _bulk(maker)
    extra = _extras(maker)
    if live or bulk or extra:
        stdout.write(
            f"  办件: {live} through the actions, {bulk} concluded in bulk, "
            f"{extra} counter cases and extensions"
        )
    return []
