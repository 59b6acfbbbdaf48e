"""答复: a received document that requires a reply starts an outgoing draft — 主送 the sending
unit, title 关于…的答复/复函, linked to the registration; twice gives the same draft."""

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from zhengwu.core.errors import Conflict, NotFound
from zhengwu.documents import actions
from zhengwu.documents.models import OfficialDocument
from zhengwu.exchange.actions import delivery_sign_for
from zhengwu.exchange.models import ReceivedDocument
from zhengwu.identity.testing import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(world: Any) -> ReceivedDocument:
    codenames = ["handle_delivery", "register_received"]
    world.secretary_role.permissions.add(
        *Permission.objects.filter(content_type__app_label="exchange", codename__in=codenames)
    )
    actions.register_create(actor=None, organisation=world.other, code="云民函",
                            issuer_mark="云泽市民政局")  # fmt: skip
    sent = world.to(world.draft(), "sent")
    delivery = next(d for d in _deliveries(sent) if d.organisation_id == world.other.pk)
    return delivery_sign_for(actor=world.outsider, delivery=delivery)


def _deliveries(doc: OfficialDocument) -> Any:
    from zhengwu.exchange.models import Delivery

    return Delivery.objects.filter(dispatch_id=int(doc.dispatch_id))


def test_reply_title() -> None:
    assert actions.reply_title("市民政局", "云泽市人民政府办公室关于做好防汛工作的通知",
                               letter=False) == "市民政局关于做好防汛工作的答复"  # fmt: skip
    assert actions.reply_title("市民政局", "关于商请提供低保数据的函", letter=True) == (
        "市民政局关于商请提供低保数据的复函"
    )
    assert actions.reply_title("市民政局", "会议安排", letter=False) == "市民政局关于会议安排的答复"


def test_reply_draft_prefilled_and_linked(world: Any, received: ReceivedDocument) -> None:
    with pytest.raises(Conflict):  # 批办 did not ask for a reply
        actions.reply_draft_start(actor=world.outsider, received=received)
    ReceivedDocument.objects.filter(pk=received.pk).update(requires_reply=True)
    doc = actions.reply_draft_start(actor=world.outsider, received=received)
    assert doc.status == "draft" and doc.reply_to_id == received.pk
    assert doc.organisation == world.other and doc.register.code == "云民函"
    assert doc.title == "市民政局关于进一步做好政务服务工作的答复"
    assert list(doc.main_recipients.all()) == [world.office]
    assert received.title in doc.body and doc.doc_type == "letter"
    assert doc.created_by == world.outsider
    # a double click opens the same draft
    assert actions.reply_draft_start(actor=world.outsider, received=received).pk == doc.pk
    assert OfficialDocument.objects.filter(reply_to=received).count() == 1
    # nobody outside the receiving unit may start it
    with pytest.raises(NotFound):
        actions.reply_draft_start(actor=world.drafter, received=received)


def test_reply_button_on_the_registration_sheet(client: Any, world: Any,
                                                received: ReceivedDocument) -> None:  # fmt: skip
    sign_in(client, world.outsider)
    sheet = reverse("exchange:received_detail", args=[received.pk])
    assert 'id="reply-form"' not in client.get(sheet).content.decode()
    ReceivedDocument.objects.filter(pk=received.pk).update(requires_reply=True)
    assert 'id="reply-form"' in client.get(sheet).content.decode()
    response = client.post(reverse("documents:reply", args=[received.pk]))
    doc = OfficialDocument.objects.get(reply_to=received)
    assert response.status_code == 302 and response.url == reverse("documents:edit", args=[doc.pk])
    page = client.get(response.url).content.decode()
    assert "市民政局关于进一步做好政务服务工作的答复" in page
    sign_in(client, world.drafter)  # another unit: as if it did not exist
    assert client.post(reverse("documents:reply", args=[received.pk])).status_code == 404
