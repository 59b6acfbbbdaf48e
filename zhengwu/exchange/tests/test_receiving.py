"""The 收文 process end to end through the actions, paper registration, archive."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zhengwu.core.errors import Conflict, NotFound, ValidationFailed
from zhengwu.exchange import actions
from zhengwu.exchange.models import ArchiveItem, Circulation, ReceivedDocument
from zhengwu.exchange.tests.conftest import store_pdf
from zhengwu.files.actions import file_store
from zhengwu.workflow import actions as workflow
from zhengwu.workflow.models import ProcessInstance, WorkTask

pytestmark = pytest.mark.django_db


def open_task(received: ReceivedDocument, element: str) -> list[WorkTask]:
    return list(
        WorkTask.objects.filter(
            instance_id=received.process_instance_id, element_id=element, status__in=WorkTask.ACTIVE
        )
    )


def complete(
    actor: Any,
    received: ReceivedDocument,
    element: str,
    opinion: str = "",
    form_data: dict[str, Any] | None = None,
) -> None:
    task = next(t for t in open_task(received, element) if workflow.may_handle(actor, t))
    workflow.task_complete(
        actor=actor, task=task, decision="approve", opinion=opinion, form_data=form_data
    )


def run_to_conclusion(world: Any, received: ReceivedDocument, *, reply: bool = False) -> None:
    complete(world.clerk, received, "review", "符合收文要求")
    complete(world.clerk, received, "propose", "建议请王局长阅示，交基础教育科、职业教育科办理")
    complete(
        world.leader,
        received,
        "instruct",
        "请两科室认真落实",
        {
            "departments": f"{world.div_a.pk},{world.div_b.pk}",
            "readers": f"{world.reader.pk}",
            "requires_reply": reply,
        },
    )
    assert {t.candidate_organisation_id for t in open_task(received, "handle")} == {
        world.div_a.pk,
        world.div_b.pk,
    }
    complete(world.leader_a, received, "handle", "已落实")
    complete(world.leader_b, received, "handle", "已落实")
    circulation = Circulation.objects.get(document=received)
    assert circulation.reader == world.reader and circulation.read_at is None
    complete(world.reader, received, "circulate", "已阅")
    circulation.refresh_from_db()
    assert circulation.read_at is not None
    complete(world.clerk, received, "conclude", "办结")
    if reply:
        complete(world.clerk, received, "reply", "已书面答复市政府办公室")


def test_full_incoming_process_then_archive(world: Any) -> None:
    delivery = world.send().deliveries.get()
    received = actions.delivery_sign_for(actor=world.clerk, delivery=delivery)
    run_to_conclusion(world, received, reply=True)
    received.refresh_from_db()
    assert received.status == ReceivedDocument.Status.CONCLUDED
    assert received.instruction == "请两科室认真落实" and received.reply.startswith("已书面答复")
    assert ProcessInstance.objects.get(pk=received.process_instance_id).status == "completed"
    item = actions.received_archive(actor=world.clerk, received=received, retention="D30")
    received.refresh_from_db()
    assert received.status == ReceivedDocument.Status.ARCHIVED
    fonds = item.fonds_code
    assert item.archive_code == f"{fonds}-WS·{received.year}-D30-EXJYJ-0001"
    assert item.pdf_id == received.pdf_id and item.pages == 1
    with pytest.raises(Conflict):
        actions.received_archive(actor=world.clerk, received=received, retention="D30")


def test_no_readers_and_no_reply_goes_straight_to_conclusion(world: Any) -> None:
    received = actions.delivery_sign_for(actor=world.clerk, delivery=world.send().deliveries.get())
    complete(world.clerk, received, "review")
    complete(world.clerk, received, "propose", "拟请阅")
    complete(world.leader, received, "instruct", "阅", {"departments": str(world.div_a.pk)})
    complete(world.leader_a, received, "handle", "已办")
    assert open_task(received, "conclude")
    complete(world.clerk, received, "conclude")
    received.refresh_from_db()
    assert received.status == ReceivedDocument.Status.CONCLUDED


def test_archive_needs_conclusion_and_permission(world: Any) -> None:
    received = actions.delivery_sign_for(actor=world.clerk, delivery=world.send().deliveries.get())
    with pytest.raises(ValidationFailed):
        actions.received_archive(actor=world.clerk, received=received, retention="Y")
    with pytest.raises(NotFound):
        actions.received_archive(actor=world.other_clerk, received=received, retention="Y")


def test_archive_numbers_are_gapless_per_fonds_year_retention(world: Any) -> None:
    pdf = store_pdf()
    import datetime as dt

    made = [
        actions.archive_item_create(
            actor=None,
            organisation=world.unit,
            title=f"文件{i}",
            doc_number="",
            year=2026,
            retention=retention,
            source_type="tests",
            source_id=str(i),
            pdf=pdf,
            doc_date=dt.date(2026, 3, 1),
        )
        for i, retention in enumerate(["Y", "Y", "D10", "Y", "D10"])
    ]
    assert [m.piece for m in made] == [1, 2, 1, 3, 2]
    assert made[2].archive_code.endswith("·2026-D10-EXJYJ-0001")
    import re

    assert all(
        re.fullmatch(r"[A-Z0-9]{1,4}-WS·\d{4}-(Y|D30|D10)-[A-Z0-9]+-\d{4}", m.archive_code)
        for m in made
    )
    again = actions.archive_item_create(
        actor=None,
        organisation=world.unit,
        title="文件0",
        doc_number="",
        year=2026,
        retention="Y",
        source_type="tests",
        source_id="0",
        pdf=pdf,
        doc_date=dt.date(2026, 3, 1),
    )
    assert again.pk == made[0].pk and ArchiveItem.objects.count() == 5
    with pytest.raises(ValidationFailed):
        actions.archive_item_create(
            actor=None,
            organisation=world.unit,
            title="x",
            doc_number="",
            year=2026,
            retention="forever",
            source_type="",
            source_id="",
            pdf=pdf,
            doc_date=dt.date(2026, 3, 1),
        )


def test_receipt_numbers_are_per_unit_and_gapless_after_a_failure(
    world: Any, monkeypatch: Any
) -> None:
    d1 = world.send([world.unit, world.unit2])
    from zhengwu.exchange import receiving

    original = receiving.start_process

    def boom(**kwargs: Any) -> Any:
        raise ValidationFailed("流程启动失败")

    monkeypatch.setattr(receiving, "start_process", boom)
    with pytest.raises(ValidationFailed):
        actions.delivery_sign_for(
            actor=world.clerk, delivery=d1.deliveries.get(organisation=world.unit)
        )
    monkeypatch.setattr(receiving, "start_process", original)
    r1 = actions.delivery_sign_for(
        actor=world.clerk, delivery=d1.deliveries.get(organisation=world.unit)
    )
    r2 = actions.delivery_sign_for(
        actor=world.other_clerk, delivery=d1.deliveries.get(organisation=world.unit2)
    )
    assert (r1.sequence, r2.sequence) == (1, 1)  # the failed attempt used no number


def test_paper_registration(world: Any) -> None:
    scan = file_store(
        actor=world.clerk,
        upload=SimpleUploadedFile("scan.pdf", store_pdf().file.open("rb").read()),
        purpose="exchange_scan",
    )
    doc = actions.paper_register(
        actor=world.clerk,
        organisation=world.unit,
        title="关于报送统计数据的函",
        doc_number="云统函〔2026〕3号",
        sender_name="云泽市统计局",
        scan=scan,
        requires_reply=True,
    )
    assert doc.is_paper and doc.receipt_number.endswith("1号") and doc.process_instance_id
    with pytest.raises(NotFound):
        actions.paper_register(
            actor=world.leader,
            organisation=world.unit,
            title="x",
            doc_number="",
            sender_name="y",
            scan=scan,
        )


def test_the_clerk_may_read_in_circulation_and_then_conclude(world: Any) -> None:
    received = actions.delivery_sign_for(actor=world.clerk, delivery=world.send().deliveries.get())
    complete(world.clerk, received, "review")
    complete(world.clerk, received, "propose", "拟请阅")
    complete(
        world.leader,
        received,
        "instruct",
        "阅",
        {"departments": f"{world.div_a.pk},{world.div_b.pk}", "readers": str(world.clerk.pk)},
    )
    complete(world.leader_a, received, "handle", "已办")
    complete(world.leader_b, received, "handle", "已办")
    complete(world.clerk, received, "circulate", "已阅")
    complete(world.clerk, received, "conclude")
    received.refresh_from_db()
    assert received.status == ReceivedDocument.Status.CONCLUDED
