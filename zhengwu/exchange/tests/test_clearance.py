"""密级 on the receiving side: only people personally cleared for a document's level may open
it (the documents module's clearance, through ``exchange.clearance``); every open and download
of a classified received document is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from zhengwu.audit.models import AuditEntry
from zhengwu.exchange import actions, clearance
from zhengwu.exchange.models import ReceivedDocument
from zhengwu.exchange.selectors import ReceivedFilters, may_view_received, received_search
from zhengwu.exchange.tests.conftest import clear
from zhengwu.exchange.tests.test_receiving import complete
from zhengwu.identity.testing import sign_in

pytestmark = pytest.mark.django_db


def _reads(action: str) -> int:
    return AuditEntry.objects.filter(action=action, is_read=True).count()


def test_documents_rule_is_registered(world: Any) -> None:
    assert clearance.clearance_rank(world.clerk) == 0
    clear(world.clerk, "confidential")
    assert clearance.clearance_rank(world.clerk) == 2
    assert clearance.is_cleared(world.clerk, "机密") and not clearance.is_cleared(
        world.clerk, "绝密"
    )


def test_uncleared_clerk_may_sign_for_but_not_open(client: Any, world: Any) -> None:
    dispatch = world.send([world.unit], security_level="机密")
    delivery = dispatch.deliveries.get()
    sign_in(client, world.clerk)
    page = client.get(reverse("exchange:delivery_detail", args=[delivery.pk]))
    assert page.status_code == 200 and 'id="not-cleared"' in page.content.decode()
    file_url = reverse("exchange:delivery_file", args=[delivery.pk, dispatch.pdf_id])
    assert client.get(file_url).status_code == 404
    client.post(reverse("exchange:delivery_sign", args=[delivery.pk]))
    received = ReceivedDocument.objects.get()
    assert received.security_level == "机密"
    detail = reverse("exchange:received_detail", args=[received.pk])
    download = reverse("exchange:received_file", args=[received.pk, received.pdf_id])
    assert client.get(detail).status_code == 404
    assert client.get(download).status_code == 404
    assert not received_search(world.clerk, ReceivedFilters()).object_list
    # 秘密 is not enough for 机密
    clear(world.clerk, "secret")
    assert client.get(detail).status_code == 404
    assert not may_view_received(world.clerk, received)
    # a registrar of another unit stays out whatever the clearance
    clear(world.other_clerk, "top_secret")
    assert not may_view_received(world.other_clerk, received)


def test_cleared_people_open_and_every_open_is_audited(client: Any, world: Any) -> None:
    clear(world.clerk, "confidential")
    received = actions.delivery_sign_for(
        actor=world.clerk, delivery=world.send(security_level="机密").deliveries.get()
    )
    sign_in(client, world.clerk)
    detail = reverse("exchange:received_detail", args=[received.pk])
    download = reverse("exchange:received_file", args=[received.pk, received.pdf_id])
    before_read = _reads("exchange.received_document.read")
    before_download = _reads("exchange.receiveddocument.download")
    assert client.get(detail).status_code == 200
    assert client.get(detail).status_code == 200
    assert client.get(download).status_code == 200
    assert _reads("exchange.received_document.read") == before_read + 2
    assert _reads("exchange.receiveddocument.download") == before_download + 1
    assert [d.pk for d in received_search(world.clerk, ReceivedFilters()).object_list] == [
        received.pk
    ]
    # the leader has the 批办 step but no clearance: the sheet stays closed to him
    complete(world.clerk, received, "review")
    complete(world.clerk, received, "propose", "拟请王局长批示")
    assert not may_view_received(world.leader, received)
    clear(world.leader, "top_secret")
    assert may_view_received(world.leader, received)
    # 传阅 readers offered for a classified document: only cleared people
    sign_in(client, world.leader)
    assert "周科员" not in client.get(detail).content.decode()
    clear(world.reader, "confidential")
    assert "周科员" in client.get(detail).content.decode()


def test_unclassified_documents_need_no_clearance(client: Any, world: Any) -> None:
    received = actions.delivery_sign_for(actor=world.clerk, delivery=world.send().deliveries.get())
    sign_in(client, world.clerk)
    assert client.get(reverse("exchange:received_detail", args=[received.pk])).status_code == 200
    assert _reads("exchange.received_document.read") == 0
