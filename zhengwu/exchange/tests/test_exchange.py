"""Sending, fan-out, crash/resume, withdraw, refuse, remind, signing for."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhengwu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhengwu.directory.actions import organisation_create
from zhengwu.exchange import actions
from zhengwu.exchange.models import Delivery, Dispatch, ReceivedDocument
from zhengwu.exchange.selectors import dispatch_tracking
from zhengwu.notify.models import Message

pytestmark = pytest.mark.django_db


def _units(world: Any, n: int, prefix: str = "u") -> list[Any]:
    return [
        organisation_create(
            actor=None,
            name=f"测试单位{i}",
            kind="department",
            region=world.region,
            parent=world.city,
            code=f"{prefix}{i}",
        )
        for i in range(n)
    ]


def test_send_delivers_to_main_and_cc_once_each(world: Any) -> None:
    dispatch = world.send([world.unit, world.unit2], cc=[world.unit2, world.div_a])
    assert dispatch.status == Dispatch.Status.SENT
    rows = {d.organisation_id: d.kind for d in dispatch.deliveries.all()}
    assert rows == {world.unit.pk: "main", world.unit2.pk: "main", world.div_a.pk: "cc"}
    # the 收发员 of each unit got a message; others did not
    assert Message.objects.filter(recipient=world.clerk, subject__contains="防汛").exists()
    assert Message.objects.filter(recipient=world.other_clerk).exists()
    assert not Message.objects.filter(recipient=world.leader).exists()


def test_fan_out_to_500_units_is_batched_without_duplicates(world: Any) -> None:
    units = _units(world, 500)
    with CaptureQueriesContext(connection) as ctx:
        dispatch = world.send(units)
    assert dispatch.deliveries.count() == 500
    assert len(set(dispatch.deliveries.values_list("organisation_id", flat=True))) == 500
    # set-based: the query count does not grow with the number of units
    assert len(ctx.captured_queries) < 120


def test_crash_part_way_then_resume_creates_exactly_the_missing(
    world: Any, monkeypatch: Any
) -> None:
    units = _units(world, 600)
    original = actions._notify_units
    calls = {"n": 0}

    def crash_on_second_batch(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        original(*args, **kwargs)

    monkeypatch.setattr(actions, "_notify_units", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        world.send(units)
    dispatch = Dispatch.objects.get()
    assert dispatch.status == Dispatch.Status.SENDING
    assert dispatch.deliveries.count() == actions.FAN_OUT_BATCH  # the second batch rolled back
    monkeypatch.setattr(actions, "_notify_units", original)
    created = actions.dispatch_resume(actor=world.sender_clerk, dispatch=dispatch)
    assert created == 600 - actions.FAN_OUT_BATCH
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.SENT
    ids = list(dispatch.deliveries.values_list("organisation_id", flat=True))
    assert sorted(ids) == sorted(u.pk for u in units)
    assert actions.dispatch_resume(actor=world.sender_clerk, dispatch=dispatch) == 0


def test_send_validation(world: Any) -> None:
    with pytest.raises(ValidationFailed):
        world.send([])
    with pytest.raises(ValidationFailed):
        world.send(title="   ")
    with pytest.raises(ValidationFailed):
        world.send(security_level="TOP")
    with pytest.raises(PermissionDenied):
        world.send(actor=world.clerk)  # not staff of the sending unit
    assert not Dispatch.objects.exists()


def test_sign_for_registers_with_gapless_number_and_starts_process(world: Any) -> None:
    first = world.send().deliveries.get()
    second = world.send(title="第二份").deliveries.get()
    r1 = actions.delivery_sign_for(actor=world.clerk, delivery=first)
    r2 = actions.delivery_sign_for(actor=world.clerk2, delivery=second)
    assert (r1.sequence, r2.sequence) == (1, 2)
    assert r1.receipt_number == f"收〔{r1.year}〕1号"
    assert r1.process_instance_id and r1.status == ReceivedDocument.Status.PROCESSING
    assert "防汛" in r1.text  # extracted with pdftotext
    first.refresh_from_db()
    assert first.status == Delivery.Status.SIGNED and first.handled_by == world.clerk
    row = next(r for r in dispatch_tracking(first.dispatch_id))
    assert row.signed_for_by == "张收发" and row.signed_for_at is not None


def test_two_clerks_sign_for_the_same_delivery(world: Any) -> None:
    delivery = world.send().deliveries.get()
    stale = Delivery.objects.get(pk=delivery.pk)
    actions.delivery_sign_for(actor=world.clerk, delivery=delivery)
    with pytest.raises(Conflict) as caught:
        actions.delivery_sign_for(actor=world.clerk2, delivery=stale)
    assert "已由张收发" in str(caught.value.message) and "签收" in str(caught.value.message)
    assert ReceivedDocument.objects.count() == 1


def test_other_unit_cannot_sign_or_refuse(world: Any) -> None:
    delivery = world.send().deliveries.get()
    with pytest.raises(NotFound):
        actions.delivery_sign_for(actor=world.other_clerk, delivery=delivery)
    with pytest.raises(NotFound):
        actions.delivery_refuse(actor=world.leader, delivery=delivery, reason="不是我们的")


def test_refuse_needs_a_reason_and_tells_the_sender(world: Any) -> None:
    delivery = world.send().deliveries.get()
    with pytest.raises(ValidationFailed):
        actions.delivery_refuse(actor=world.clerk, delivery=delivery, reason="  ")
    actions.delivery_refuse(actor=world.clerk, delivery=delivery, reason="非本单位职责")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.REFUSED and delivery.refuse_reason == "非本单位职责"
    assert Message.objects.filter(
        recipient=world.sender_clerk, body__contains="非本单位职责"
    ).exists()
    with pytest.raises(Conflict):
        actions.delivery_sign_for(actor=world.clerk2, delivery=delivery)


def test_withdraw_takes_back_unsigned_deliveries(world: Any) -> None:
    dispatch = world.send([world.unit, world.unit2])
    signed = dispatch.deliveries.get(organisation=world.unit)
    actions.delivery_sign_for(actor=world.clerk, delivery=signed)
    with pytest.raises(ValidationFailed):
        actions.dispatch_withdraw(actor=world.sender_clerk, dispatch=dispatch, reason="")
    assert (
        actions.dispatch_withdraw(actor=world.sender_clerk, dispatch=dispatch, reason="文号有误")
        == 1
    )
    statuses = dict(dispatch.deliveries.values_list("organisation_id", "status"))
    assert statuses == {world.unit.pk: "signed", world.unit2.pk: "withdrawn"}
    with pytest.raises(Conflict):
        actions.dispatch_withdraw(actor=world.sender_clerk, dispatch=dispatch, reason="again")
    other = dispatch.deliveries.get(organisation=world.unit2)
    with pytest.raises(Conflict):
        actions.delivery_sign_for(actor=world.other_clerk, delivery=other)


def test_remind_only_units_that_have_not_signed(world: Any) -> None:
    dispatch = world.send([world.unit, world.unit2])
    actions.delivery_sign_for(
        actor=world.clerk, delivery=dispatch.deliveries.get(organisation=world.unit)
    )
    Message.objects.all().delete()
    assert actions.delivery_remind(actor=world.sender_clerk, dispatch=dispatch) == 1
    assert (
        Message.objects.filter(recipient=world.other_clerk, subject__contains="催").exists()
        or Message.objects.filter(recipient=world.other_clerk).exists()
    )
    assert not Message.objects.filter(recipient=world.clerk).exists()
    rows = {r.unit: r.reminded for r in dispatch_tracking(dispatch.pk)}
    assert rows == {world.unit.name: 0, world.unit2.name: 1}
    with pytest.raises(NotFound):
        actions.delivery_remind(actor=world.clerk, dispatch=dispatch)


def test_dispatch_tracking_rows(world: Any) -> None:
    dispatch = world.send([world.unit], cc=[world.unit2])
    actions.delivery_refuse(
        actor=world.other_clerk,
        delivery=dispatch.deliveries.get(organisation=world.unit2),
        reason="重复",
    )
    rows = dispatch_tracking(dispatch.pk)
    assert [(r.unit, r.kind, r.status) for r in rows] == [
        ("云泽市教育局", "main", "delivered"),
        ("云泽市民政局", "cc", "refused"),
    ]
    assert rows[1].refused_reason == "重复" and rows[1].signed_for_by == "吴收发"


def test_exchange_resume_command_finishes_stuck_dispatches(world: Any, monkeypatch: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    units = _units(world, actions.FAN_OUT_BATCH + 20, prefix="r")
    original = actions._notify_units
    calls = {"n": 0}

    def crash_on_second_batch(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        original(*args, **kwargs)

    monkeypatch.setattr(actions, "_notify_units", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        world.send(units)
    monkeypatch.setattr(actions, "_notify_units", original)
    dispatch = Dispatch.objects.get()
    out = StringIO()
    call_command("exchange_resume", stdout=out)  # too recent: a send may still be running
    assert "0 deliveries created in total" in out.getvalue()
    call_command("exchange_resume", "--older-than", "0", stdout=out)
    assert f"dispatch {dispatch.pk}: 20 deliveries created" in out.getvalue()
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.SENT
    assert dispatch.deliveries.count() == len(units)
    call_command("exchange_resume", str(dispatch.pk), stdout=out)  # nothing left: idempotent
    assert dispatch.deliveries.count() == len(units)
