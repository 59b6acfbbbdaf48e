"""Attachments handed in with a step (办理附件): upload, history, download rule, conflicts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhengwu.audit.models import AuditEntry
from zhengwu.core.errors import Conflict, ValidationFailed
from zhengwu.files.models import StoredFile
from zhengwu.files.tests.samples import ELF_HEADER, MINIMAL_PDF, png
from zhengwu.workflow import actions, selectors
from zhengwu.workflow.models import TaskEvent, TaskEventAttachment, WorkTask
from zhengwu.workflow.tests.conftest import open_tasks

pytestmark = pytest.mark.django_db


def pdf(name: str = "现场核查记录.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


def photo(name: str = "现场照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png(), content_type="image/png")


def _complete_page(client, task, files, **extra):
    data = {"op": "complete", "decision": "approve", "opinion": "同意", "field_amount": "88"}
    data.update(extra)
    return client.post(reverse("workflow:task", args=[task.pk]), {**data, "attachments": files})


def _attachment_files():
    return StoredFile.objects.filter(purpose=actions.ATTACHMENT_PURPOSE)


def test_uploads_with_completion_show_in_history_and_download(world, client):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    task = open_tasks(instance)[0]
    client.force_login(world.clerk)
    page = client.get(reverse("workflow:task", args=[task.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="attachments"' in page
    assert "multiple" in page

    response = _complete_page(client, task, [pdf(), photo()])
    assert response.status_code == 302
    event = TaskEvent.objects.get(task=task, kind=TaskEvent.Kind.COMPLETED)
    names = [a.file.original_name for a in event.attachments.all()]
    assert names == ["现场核查记录.pdf", "现场照片.png"]
    stored = [a.file for a in event.attachments.all()]
    assert all(f.uploaded_by_id == world.clerk.pk for f in stored)

    audit = AuditEntry.objects.filter(action="workflow.task.complete").latest("pk")
    recorded = audit.changes["attachments"]
    assert [r["name"] for r in recorded] == names
    assert [r["id"] for r in recorded] == [str(f.uuid) for f in stored]

    # The history on the instance page and on the task page links the downloads.
    for url in (reverse("workflow:instance", args=[instance.pk]),
                reverse("workflow:task", args=[task.pk])):  # fmt: skip
        html = client.get(url).content.decode()
        for f in stored:
            assert reverse("files:download", args=[f.uuid]) in html
        assert "现场核查记录.pdf" in html

    # The leader who handles the next step may view the instance, so may download.
    client.force_login(world.leader)
    download = client.get(reverse("files:download", args=[stored[0].uuid]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == MINIMAL_PDF


def test_without_attachments_nothing_changes(world, client):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    task = open_tasks(instance)[0]
    actions.task_complete(actor=world.clerk, task=task, decision="approve",
                          form_data={"amount": 1})  # fmt: skip
    client.force_login(world.leader)
    response = client.post(
        reverse("workflow:task", args=[open_tasks(instance)[0].pk]),
        {"op": "complete", "decision": "approve"},
    )
    assert response.status_code == 302
    assert not TaskEventAttachment.objects.exists()
    html = client.get(reverse("workflow:instance", args=[instance.pk])).content.decode()
    assert "files/" not in html


def test_wrong_type_refused_task_still_open(world, client):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    task = open_tasks(instance)[0]
    client.force_login(world.clerk)
    program = SimpleUploadedFile("报告.pdf", ELF_HEADER, content_type="application/pdf")
    response = _complete_page(client, task, [pdf(), program])
    assert response.status_code == 400
    assert "此处不接受该类型" in response.content.decode()
    assert WorkTask.objects.get(pk=task.pk).status in ("open", "claimed")
    assert not _attachment_files().exists()
    assert not TaskEventAttachment.objects.exists()


def test_oversized_refused_task_still_open(world, client, settings):
    settings.ZHENGWU_UPLOAD_MAX_BYTES = 200
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    task = open_tasks(instance)[0]
    client.force_login(world.clerk)
    big = SimpleUploadedFile("大文件.pdf", MINIMAL_PDF + b"%" * 2000)
    response = _complete_page(client, task, [big])
    assert response.status_code == 400
    assert "超过了允许的最大大小" in response.content.decode()
    assert WorkTask.objects.get(pk=task.pk).status in ("open", "claimed")
    assert not _attachment_files().exists()


def test_other_organisation_cannot_download(world, client):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    task = open_tasks(instance)[0]
    client.force_login(world.clerk)
    assert _complete_page(client, task, [pdf()]).status_code == 302
    stored = _attachment_files().get()
    url = reverse("files:download", args=[stored.uuid])
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("workflow:instance", args=[instance.pk])).status_code == 404
    client.force_login(world.initiator)  # who may view the instance may download
    assert client.get(url).status_code == 200


def test_conflict_leaves_no_attachment(world, client):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    task = open_tasks(instance)[0]
    stale = WorkTask.objects.get(pk=task.pk)
    actions.task_complete(actor=world.clerk, task=task, decision="approve",
                          form_data={"amount": 1})  # fmt: skip
    # Through the action, in one transaction with the storing, as the page does it.
    with pytest.raises(Conflict), transaction.atomic():
        files = actions.attachments_store(actor=world.clerk2, uploads=[pdf()])
        actions.task_complete(actor=world.clerk2, task=stale, decision="approve",
                              form_data={"amount": 2}, attachments=files)  # fmt: skip
    assert not _attachment_files().exists()
    assert not TaskEventAttachment.objects.exists()
    # Through the page: the colleague's late submit stores nothing either.
    client.force_login(world.clerk2)
    response = _complete_page(client, stale, [pdf()])
    assert response.status_code in (400, 404)
    assert not _attachment_files().exists()
    assert not TaskEventAttachment.objects.exists()


def test_foreign_or_reused_file_refused(world):
    world.deploy("linear.bpmn")
    instance = world.start("zw_test_linear")
    task = open_tasks(instance)[0]
    [theirs] = actions.attachments_store(actor=world.clerk2, uploads=[pdf()])
    with pytest.raises(ValidationFailed):
        actions.task_complete(actor=world.clerk, task=task, decision="approve",
                              form_data={"amount": 1}, attachments=[theirs])  # fmt: skip
    assert WorkTask.objects.get(pk=task.pk).status in ("open", "claimed")
    [mine] = actions.attachments_store(actor=world.clerk, uploads=[pdf()])
    actions.task_complete(actor=world.clerk, task=task, decision="approve",
                          form_data={"amount": 1}, attachments=[mine])  # fmt: skip
    other = open_tasks(world.start("zw_test_linear"))[0]
    with pytest.raises(ValidationFailed):  # already linked to another step
        actions.task_complete(actor=world.clerk, task=other, decision="approve",
                              form_data={"amount": 1}, attachments=[mine])  # fmt: skip
    assert WorkTask.objects.get(pk=other.pk).status in ("open", "claimed")


def test_send_back_with_attachment(world):
    world.deploy("sendback.bpmn")
    instance = world.start("zw_test_sendback")
    actions.task_complete(actor=world.initiator, task=open_tasks(instance)[0], decision="approve")
    actions.task_complete(actor=world.clerk2, task=open_tasks(instance)[0], decision="approve")
    approve = open_tasks(instance)[0]
    files = actions.attachments_store(actor=world.leader, uploads=[photo()])
    actions.task_send_back(actor=world.leader, task=approve, to_element_id="review",
                           opinion="金额有误", attachments=files)  # fmt: skip
    event = TaskEvent.objects.get(task=approve, kind=TaskEvent.Kind.SENT_BACK)
    assert [a.file_id for a in event.attachments.all()] == [files[0].pk]


def _history_queries(instance) -> int:
    with CaptureQueriesContext(connection) as queries:
        for event in selectors.instance_history(instance):
            for attachment in event.attachments.all():
                assert attachment.file.original_name
    return len(queries)


def test_history_query_count_flat_with_attachments(world):
    world.deploy("linear.bpmn")
    counts = []
    for n in (1, 6):
        instance = world.start("zw_test_linear")
        task = open_tasks(instance)[0]
        uploads = [pdf(f"材料{i}.pdf") for i in range(n)]
        files = actions.attachments_store(actor=world.clerk, uploads=uploads)
        actions.task_complete(actor=world.clerk, task=task, decision="approve",
                              form_data={"amount": 1}, attachments=files)  # fmt: skip
        assert TaskEventAttachment.objects.filter(event__instance=instance).count() == n
        counts.append(_history_queries(instance))
    assert counts[0] == counts[1] == 2
