"""Revision drafts of published items, and the licence type / joint departments in the editor."""

from typing import Any

import pytest
from django.urls import reverse

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhengwu.eservices import actions, revisions
from zhengwu.eservices.models import ItemRevision, ServiceItem
from zhengwu.eservices.tests.test_maintenance import edit_post
from zhengwu.identity.testing import sign_in
from zhengwu.workflow.actions import task_complete
from zhengwu.workflow.models import WorkTask

pytestmark = pytest.mark.django_db


def revision_task(rev: ItemRevision) -> WorkTask:
    return WorkTask.objects.get(
        instance__owner_type=revisions.SUBJECT_TYPE,
        instance__owner_id=str(rev.pk),
        status__in=WorkTask.ACTIVE,
    )


def test_revision_keeps_the_published_version_until_approved(client: Any, world: Any) -> None:
    item = world.item("食品经营许可", status="published")
    material_ids = sorted(item.materials.values_list("pk", flat=True))
    version = item.version
    sign_in(client, world.clerk)
    url = reverse("eservices_manage:item_edit", args=[item.pk])
    page = client.get(url).content.decode()
    assert "revision" in page.lower() or "修订" in page
    r = client.post(url, edit_post(item, name="食品经营许可（修订）", conditions="新的受理条件。"))
    assert r.status_code == 302
    item.refresh_from_db()
    rev = revisions.open_revision(item)
    assert rev.status == ItemRevision.Status.DRAFT and rev.data["name"] == "食品经营许可（修订）"
    assert item.name == "食品经营许可" and item.version == version and item.is_published
    client.logout()
    guide = client.get(reverse("eservices:guide", args=[item.code])).content.decode()
    assert "食品经营许可（修订）" not in guide and "新的受理条件" not in guide
    # editing again continues the same revision (stale version → 409)
    sign_in(client, world.clerk)
    form = client.get(url).content.decode()
    assert "食品经营许可（修订）" in form
    stale = edit_post(item, name="乙的修改", version=item.version)
    assert client.post(url, stale).status_code == 409
    # submit → the reviewer approves in the inbox → the item changes in place
    revisions.item_revision_submit(actor=world.clerk, revision=rev, expected_version=rev.version)
    rev.refresh_from_db()
    with pytest.raises(Conflict):  # under review: no more edits
        revisions.item_revision_save(
            actor=world.clerk, item=item, expected_version=None, data=world.data(code=item.code)
        )
    with pytest.raises(PermissionDenied):
        task_complete(actor=world.other_leader, task=revision_task(rev), decision="approve")
    task_complete(actor=world.leader, task=revision_task(rev), decision="approve", opinion="同意")
    item.refresh_from_db()
    rev.refresh_from_db()
    assert rev.status == ItemRevision.Status.APPROVED
    assert item.name == "食品经营许可（修订）" and item.is_published and item.version == version + 1
    assert sorted(item.materials.values_list("pk", flat=True)) == material_ids
    client.logout()
    guide = client.get(reverse("eservices:guide", args=[item.code])).content.decode()
    assert "新的受理条件" in guide
    actions_seen = list(
        AuditEntry.objects.filter(object_id=str(item.pk), action__contains="revis")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions_seen == [
        "eservices.service_item.revision_save",
        "eservices.service_item.revision_submit",
        "eservices.service_item.revise",
    ]


def test_returned_revision_goes_back_to_draft_and_can_be_discarded(world: Any) -> None:
    item = world.item(status="published")
    rev = revisions.item_revision_save(
        actor=world.clerk,
        item=item,
        expected_version=item.version,
        data=world.data("食品经营许可", code=item.code, summary="新简介"),
    )
    with pytest.raises(ValidationFailed):  # another open revision cannot start; same content
        revisions.item_revision_save(
            actor=world.clerk,
            item=item,
            expected_version=rev.version,
            data=world.data("食品经营许可", code=item.code, promised_limit_days=99),
        )
    revisions.item_revision_submit(actor=world.clerk, revision=rev, expected_version=None)
    with pytest.raises(PermissionDenied):  # nobody reviews their own submission
        task_complete(actor=world.clerk, task=revision_task(rev), decision="approve")
    task_complete(
        actor=world.leader, task=revision_task(rev), decision="reject", opinion="简介不准确"
    )
    rev.refresh_from_db()
    item.refresh_from_db()
    assert rev.status == ItemRevision.Status.DRAFT and rev.review_opinion == "简介不准确"
    assert item.summary == "" and item.is_published
    revisions.item_revision_discard(actor=world.clerk, revision=rev)
    assert revisions.open_revision(item) is None
    with pytest.raises(ValidationFailed):  # nothing changed compared with the published item
        revisions.item_revision_save(
            actor=world.clerk, item=item, expected_version=None, data=actions.item_input_of(item)
        )
    with pytest.raises(PermissionDenied):
        revisions.item_revision_save(
            actor=world.other_clerk, item=item, expected_version=None, data=world.data()
        )


def test_licence_type_and_joint_departments_in_the_form(client: Any, world: Any) -> None:
    item = world.item()
    sign_in(client, world.clerk)
    url = reverse("eservices_manage:item_edit", args=[item.pk])
    page = client.get(url).content.decode()
    assert 'name="licence_type"' in page and 'name="joint_organisations"' in page
    bad = edit_post(item, licence_type="no-such-type")
    assert client.post(url, bad).status_code == 400
    own = edit_post(item, joint_organisations=[world.bureau.pk])
    assert client.post(url, own).status_code == 400
    item.refresh_from_db()
    assert item.licence_type == "" and not item.joint_organisations.exists()
    ok = edit_post(item, licence_type="food-business", joint_organisations=[world.other.pk])
    assert client.post(url, ok).status_code == 302
    item.refresh_from_db()
    assert item.licence_type == "food-business"
    assert list(item.joint_organisations.all()) == [world.other]
    # a licence for organisations cannot be issued to an item for individuals
    with pytest.raises(ValidationFailed):
        actions.service_item_update(
            actor=world.clerk,
            item=item,
            expected_version=item.version,
            data=world.data(code=item.code, audience="person", licence_type="food-business"),
        )
    # the Excel import does not carry them: an import keeps them
    content = actions.catalogue_export(
        actor=world.clerk, items=ServiceItem.objects.filter(pk=item.pk)
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    report = actions.catalogue_import(
        actor=world.clerk, upload=SimpleUploadedFile("c.xlsx", content, content_type=xlsx)
    )
    assert report.unchanged == [item.code]
    item.refresh_from_db()
    assert item.licence_type == "food-business" and item.joint_organisations.count() == 1


def test_saving_the_form_keeps_untouched_materials_fees_and_faqs(client: Any, world: Any) -> None:
    """Regression: unchanged formset rows used to be dropped, deleting the children."""
    item = world.item()
    sign_in(client, world.clerk)
    url = reverse("eservices_manage:item_edit", args=[item.pk])
    post = edit_post(item, name="改名")
    post.update({"fees-TOTAL_FORMS": 1, "fees-INITIAL_FORMS": 1, "fees-0-name": "工本费",
                 "fees-0-amount": "10.00", "fees-0-unit": "", "fees-0-basis": "某收费文件",
                 "faqs-TOTAL_FORMS": 1, "faqs-INITIAL_FORMS": 1,
                 "faqs-0-question": "许可证有效期多久？", "faqs-0-answer": "5年。"})  # fmt: skip
    assert client.post(url, post).status_code == 302
    item.refresh_from_db()
    assert item.name == "改名" and item.materials.count() == 2
    assert item.fees.count() == 1 and item.faqs.count() == 1
    post = edit_post(item, **{"materials-1-DELETE": "on"})
    assert client.post(url, post).status_code == 302
    assert item.materials.count() == 1
