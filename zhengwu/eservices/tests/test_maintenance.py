"""Department side: scoping, the review workflow through the unified inbox, optimistic locking,
rules and the audit trail."""

from typing import Any

import pytest
from django.urls import reverse

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhengwu.directory.models import RoleAssignment
from zhengwu.eservices import actions
from zhengwu.eservices.models import ServiceItem
from zhengwu.eservices.tests.conftest import review_task
from zhengwu.identity.testing import sign_in

pytestmark = pytest.mark.django_db


def edit_post(item: ServiceItem, **changes: Any) -> dict[str, Any]:
    """The edit form as the browser posts it, from the page's own initial values."""
    data: dict[str, Any] = {
        "version": item.version,
        "organisation": item.organisation_id,
        "name": item.name,
        "code": item.code,
        "item_type": item.item_type,
        "handling_level": item.handling_level,
        "audience": item.audience,
        "summary": item.summary,
        "legal_basis": item.legal_basis,
        "conditions": item.conditions,
        "process_description": item.process_description,
        "statutory_limit_days": item.statutory_limit_days or "",
        "promised_limit_days": item.promised_limit_days,
        "service_location": item.service_location,
        "service_hours": item.service_hours,
        "visits_required": item.visits_required,
        "contact_phone": item.contact_phone,
        "complaint_phone": item.complaint_phone,
        "online_depth": item.online_depth,
        "form_schema": "",
        "process_key": item.process_key,
        "topics": [t.pk for t in item.topics.all()],
        "life_events": [e.pk for e in item.life_events.all()],
    }
    materials = list(item.materials.all())
    data.update(
        {
            "materials-TOTAL_FORMS": len(materials),
            "materials-INITIAL_FORMS": len(materials),
            "fees-TOTAL_FORMS": 0,
            "fees-INITIAL_FORMS": 0,
            "faqs-TOTAL_FORMS": 0,
            "faqs-INITIAL_FORMS": 0,
        }
    )
    for i, m in enumerate(materials):
        data.update(
            {
                f"materials-{i}-material_id": m.pk,
                f"materials-{i}-name": m.name,
                f"materials-{i}-form": m.form,
                f"materials-{i}-copies": m.copies,
                f"materials-{i}-notes": m.notes,
            }
        )
        if m.required:
            data[f"materials-{i}-required"] = "on"
    data.update(changes)
    return data


def test_clerk_creates_an_item_through_the_form(client: Any, world: Any) -> None:
    sign_in(client, world.clerk)
    page = client.get(reverse("eservices_manage:item_create"))
    assert page.status_code == 200
    template = world.item("模板")
    data = edit_post(template, code="NEW-0001", name="药品零售企业许可", version="")
    data.update(
        {
            "materials-TOTAL_FORMS": 1,
            "materials-INITIAL_FORMS": 0,
            "materials-0-name": "药品经营许可证申请表",
            "materials-0-form": "original",
            "materials-0-copies": 1,
            "materials-0-required": "on",
            "faqs-TOTAL_FORMS": 1,
            "faqs-0-question": "多久办结？",
            "faqs-0-answer": "15个工作日。",
        }
    )
    data.pop("materials-0-material_id", None)
    response = client.post(reverse("eservices_manage:item_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    item = ServiceItem.objects.get(code="NEW-0001")
    assert item.status == "draft" and item.updated_by == world.clerk
    assert [m.name for m in item.materials.all()] == ["药品经营许可证申请表"]
    assert [q.question for q in item.faqs.all()] == ["多久办结？"]
    assert AuditEntry.objects.filter(
        action="eservices.service_item.create", object_id=str(item.pk)
    ).exists()


def test_rules_refuse_bad_items_in_chinese(client: Any, world: Any) -> None:
    item = world.item()
    sign_in(client, world.clerk)
    url = reverse("eservices_manage:item_edit", args=[item.pk])
    response = client.post(url, edit_post(item, promised_limit_days=30))
    assert response.status_code == 400
    assert (
        "承诺办结时限（30个工作日）不得超过法定办结时限（20个工作日）" in response.content.decode()
    )
    response = client.post(url, edit_post(item, form_schema='{"type": "object", "properties": 5}'))
    assert response.status_code == 400 and "JSON Schema" in response.content.decode()
    response = client.post(url, edit_post(item, form_schema='{"type": "array"}'))
    assert response.status_code == 400
    response = client.post(url, edit_post(item, form_schema="{not json"))
    assert "不是有效的JSON" in response.content.decode()
    other = world.item("另一个")
    response = client.post(url, edit_post(item, code=other.code))
    assert "已有其他事项使用此实施编码" in response.content.decode()
    item.refresh_from_db()
    assert item.version == 1 and item.promised_limit_days == 10
    with pytest.raises(ValidationFailed):
        actions.service_item_update(
            actor=world.clerk,
            item=item,
            expected_version=1,
            data=world.data(online_depth=4, visits_required=1),
        )
    good = {"type": "object", "properties": {"name": {"type": "string", "title": "姓名"}}}
    item = actions.service_item_update(
        actor=world.clerk,
        item=item,
        expected_version=1,
        data=world.data(form_schema=good, code=item.code),
    )
    assert item.form_schema == good and item.version == 2


def test_clerk_cannot_touch_another_departments_item(client: Any, world: Any) -> None:
    item = world.item(
        "最低生活保障申请", org=world.other, audience="person", item_type="benefit", life_events=[]
    )
    sign_in(client, world.clerk)
    for name in ("item_detail", "item_edit"):
        assert client.get(reverse(f"eservices_manage:{name}", args=[item.pk])).status_code == 404
    response = client.post(
        reverse("eservices_manage:item_edit", args=[item.pk]), edit_post(item, name="改名")
    )
    assert response.status_code == 404
    assert (
        client.post(
            reverse("eservices_manage:item_submit", args=[item.pk]), {"version": item.version}
        ).status_code
        == 404
    )
    listing = client.get(reverse("eservices_manage:item_list")).content.decode()
    assert item.name not in listing
    with pytest.raises(PermissionDenied):
        actions.service_item_update(
            actor=world.clerk, item=item, expected_version=None, data=world.data(code=item.code)
        )
    # Nor create items for it.
    with pytest.raises(PermissionDenied):
        actions.service_item_create(actor=world.clerk, organisation=world.other, data=world.data())
    item.refresh_from_db()
    assert item.name == "最低生活保障申请" and item.version == 1


def test_submit_then_reviewer_publishes_from_the_unified_inbox(client: Any, world: Any) -> None:
    item = world.item()
    sign_in(client, world.clerk)
    response = client.post(
        reverse("eservices_manage:item_submit", args=[item.pk]), {"version": item.version}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "under_review"
    assert (
        client.post(
            reverse("eservices_manage:item_submit", args=[item.pk]), {"version": item.version}
        ).status_code
        == 302
    )  # a double submit…
    assert item.__class__.objects.get(pk=item.pk).version == item.version  # …changes nothing
    # The other department's reviewer does not see it.
    client.logout()
    sign_in(client, world.other_leader)
    assert item.name not in client.get(reverse("workflow:inbox")).content.decode()
    client.logout()
    sign_in(client, world.leader)
    inbox = client.get(reverse("workflow:inbox")).content.decode()
    assert item.name in inbox and "事项" in inbox  # title and subject type
    task = review_task(item)
    task_page = client.get(reverse("workflow:task", args=[task.pk])).content.decode()
    assert reverse("eservices_manage:item_detail", args=[item.pk]) in task_page  # subject link
    assert client.get(reverse("eservices_manage:item_detail", args=[item.pk])).status_code == 200
    response = client.post(
        reverse("workflow:task", args=[task.pk]), {"op": "complete", "decision": "approve"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "published" and item.published_at is not None
    assert AuditEntry.objects.filter(
        action="eservices.service_item.publish", actor_repr="leader"
    ).exists()
    client.logout()
    assert client.get(reverse("eservices:guide", args=[item.code])).status_code == 200


def test_reviewer_returns_with_an_opinion(client: Any, world: Any) -> None:
    item = world.item(status="under_review")
    sign_in(client, world.leader)
    task = review_task(item)
    response = client.post(
        reverse("workflow:task", args=[task.pk]),
        {"op": "complete", "decision": "reject", "opinion": "设定依据请写明条款"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "draft" and item.review_opinion == "设定依据请写明条款"
    client.logout()
    sign_in(client, world.clerk)
    page = client.get(reverse("eservices_manage:item_detail", args=[item.pk])).content.decode()
    assert "设定依据请写明条款" in page


def test_nobody_reviews_their_own_submission(world: Any) -> None:
    RoleAssignment.objects.create(
        account=world.clerk, role=world.reviewer_role, organisation=world.bureau
    )
    item = world.item(status="under_review")
    from zhengwu.workflow.actions import task_complete

    with pytest.raises(PermissionDenied):
        task_complete(actor=world.clerk, task=review_task(item), decision="approve")
    item.refresh_from_db()
    assert item.status == "under_review"
    assert review_task(item).status in ("open", "claimed")  # the step was rolled back


def test_published_item_must_go_offline_before_editing(world: Any) -> None:
    item = world.item(status="published")
    with pytest.raises(Conflict):
        actions.service_item_update(
            actor=world.clerk,
            item=item,
            expected_version=item.version,
            data=world.data(code=item.code),
        )
    item = actions.service_item_take_offline(
        actor=world.clerk, item=item, expected_version=item.version, reason="政策调整"
    )
    item = actions.service_item_update(
        actor=world.clerk,
        item=item,
        expected_version=item.version,
        data=world.data("食品经营许可（新）", code=item.code),
    )
    assert item.status == "draft" and item.name == "食品经营许可（新）"


def test_two_editors_with_stale_versions_never_overwrite_silently(client: Any, world: Any) -> None:
    item = world.item()
    first, second = client, client.__class__()
    sign_in(first, world.clerk)
    sign_in(second, world.clerk2)
    url = reverse("eservices_manage:item_edit", args=[item.pk])
    assert first.get(url).status_code == 200 and second.get(url).status_code == 200
    opened = edit_post(item)  # both opened version 1
    assert first.post(url, {**opened, "name": "甲的修改"}).status_code == 302
    response = second.post(url, {**opened, "name": "乙的修改"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "张维护" in html and "您的修改没有保存" in html
    item.refresh_from_db()
    assert item.name == "甲的修改" and item.version == 2
    # Saving the same content twice is harmless: no new version, no audit entry.
    before = AuditEntry.objects.count()
    assert first.post(url, {**edit_post(item)}).status_code == 302
    item.refresh_from_db()
    assert item.version == 2 and AuditEntry.objects.count() == before


def test_every_change_is_audited(world: Any) -> None:
    item = world.item(status="published")
    actions.service_item_take_offline(
        actor=world.leader, item=item, expected_version=item.version, reason="撤并"
    )
    verbs = list(
        AuditEntry.objects.filter(object_type="eservices.serviceitem", object_id=str(item.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert verbs == [
        "eservices.service_item.create",
        "eservices.service_item.submit",
        "eservices.service_item.publish",
        "eservices.service_item.take_offline",
    ]


def test_demo_specs_pass_the_rules(world: Any) -> None:
    from zhengwu.eservices import demo
    from zhengwu.eservices.rules import ItemInput, MaterialInput, check_item, normalise

    assert len(demo.SPECS) >= 30 and len({s.dept for s in demo.SPECS}) >= 8
    for spec in demo.SPECS:
        data = normalise(
            ItemInput(
                name=spec.name,
                code=f"DEMO-{spec.name.__hash__() & 0xFFFF}",
                item_type=spec.item_type,
                audience=spec.audience,
                legal_basis=spec.basis,
                conditions=spec.conditions,
                process_description=demo._process(spec),
                statutory_limit_days=spec.statutory,
                promised_limit_days=spec.promised,
                visits_required=spec.visits,
                online_depth=spec.depth,
                form_schema=demo.PERSON_FORM,
                materials=[
                    MaterialInput(name=n, required=r, form=f, copies=c, notes=o)
                    for n, r, f, c, o in spec.materials
                ],
            )
        )
        assert check_item(data) == [], spec.name
