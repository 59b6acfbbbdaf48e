"""The in-app inbox: messages appear with an unread count, can be read, and stay private."""

from typing import Any

import pytest
from django.apps import apps

from zhengwu.core.errors import NotFound, ValidationFailed
from zhengwu.notify.actions import message_mark_all_read, message_mark_read, notify_send
from zhengwu.notify.models import Delivery, Message
from zhengwu.notify.selectors import message_list, unread_count

pytestmark = pytest.mark.django_db


def test_an_in_app_message_appears_in_the_inbox_with_the_unread_count(
    client: Any, alice: Any
) -> None:
    notify_send(
        recipients=[alice],
        subject="请审核办件 YZ-2026-0001",
        body="材料已补齐。",
        link="/workbench/",
    )
    assert unread_count(alice) == 1

    client.force_login(alice)
    page = client.get("/workbench/messages/").content.decode()
    assert "请审核办件 YZ-2026-0001" in page
    assert "未读" in page
    assert '<span class="badge"' in page  # the header badge on every workbench page


def test_opening_a_message_changes_nothing_the_button_marks_it_read(
    client: Any, alice: Any
) -> None:
    [message] = notify_send(recipients=[alice], subject="会议通知", body="周五下午三点开会。")
    client.force_login(alice)

    response = client.get(f"/workbench/messages/{message.pk}/")
    response = client.get(f"/workbench/messages/{message.pk}/")  # and a link prefetcher

    page = response.content.decode()
    assert response.status_code == 200
    assert "周五下午三点开会。" in page
    assert f'action="/workbench/messages/{message.pk}/read/"' in page and "标为已读" in page
    message.refresh_from_db()
    assert message.read_at is None and unread_count(alice) == 1

    assert client.get(f"/workbench/messages/{message.pk}/read/").status_code == 405
    response = client.post(f"/workbench/messages/{message.pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/messages/{message.pk}/"
    message.refresh_from_db()
    assert message.read_at is not None and unread_count(alice) == 0
    assert "标为已读" not in client.get(response["Location"]).content.decode()
    # Reading one's own inbox is not a sensitive read: no audit entries for it.
    audit = apps.get_model("audit", "AuditEntry")
    assert not audit.objects.filter(action__startswith="notify.message.read").exists()


def test_the_list_button_marks_one_read_and_returns_to_the_list(client: Any, alice: Any) -> None:
    [first] = notify_send(recipients=[alice], subject="一", body="")
    notify_send(recipients=[alice], subject="二", body="")
    client.force_login(alice)
    page = client.get("/workbench/messages/?unread=1").content.decode()
    assert f'action="/workbench/messages/{first.pk}/read/"' in page

    response = client.post(
        f"/workbench/messages/{first.pk}/read/", {"next": "/workbench/messages/?unread=1"}
    )
    assert response["Location"] == "/workbench/messages/?unread=1"
    assert unread_count(alice) == 1
    # "next" never leads off the site.
    [other] = notify_send(recipients=[alice], subject="三", body="")
    response = client.post(
        f"/workbench/messages/{other.pk}/read/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/workbench/messages/{other.pk}/"


def test_opening_it_twice_keeps_the_first_reading_time(alice: Any) -> None:
    [message] = notify_send(recipients=[alice], body="", subject="提醒")
    first = message_mark_read(actor=alice, message=message).read_at
    second = message_mark_read(actor=alice, message=message).read_at
    assert first == second


def test_someone_elses_message_is_not_found(client: Any, alice: Any, bob: Any) -> None:
    [message] = notify_send(recipients=[alice], body="", subject="仅限本人")
    client.force_login(bob)

    assert client.get(f"/workbench/messages/{message.pk}/").status_code == 404
    assert client.get("/workbench/messages/999999/").status_code == 404
    assert client.post(f"/workbench/messages/{message.pk}/read/").status_code == 404
    with pytest.raises(NotFound):
        message_mark_read(actor=bob, message=message)
    message.refresh_from_db()
    assert message.read_at is None
    assert "仅限本人" not in client.get("/workbench/messages/").content.decode()


def test_mark_all_read_only_touches_my_messages(client: Any, alice: Any, bob: Any) -> None:
    notify_send(recipients=[alice, bob], body="", subject="通知一")
    notify_send(recipients=[alice], body="", subject="通知二")
    client.force_login(alice)

    assert client.get("/workbench/messages/read-all/").status_code == 405  # POST only
    response = client.post("/workbench/messages/read-all/", follow=True)

    assert "2 条消息已标记为已读" in response.content.decode()
    assert unread_count(alice) == 0
    assert unread_count(bob) == 1
    assert message_mark_all_read(actor=alice) == 0  # a double submit changes nothing


def test_unread_filter_and_pagination(client: Any, alice: Any) -> None:
    for number in range(25):
        notify_send(recipients=[alice], body="", subject=f"消息{number:02d}")
    Message.objects.filter(subject="消息24").update(read_at="2026-01-05T08:00:00+08:00")

    first = message_list(alice, page=1)
    assert first.paginator.count == 25 and len(first.object_list) == 20
    assert message_list(alice, unread_only=True).paginator.count == 24
    assert message_list(alice, page="not-a-number").number == 1

    client.force_login(alice)
    page = client.get("/workbench/messages/?unread=1").content.decode()
    assert "消息24" not in page and "消息23" in page
    assert "第 1 页，共 2 页" in page


def test_citizens_and_strangers_cannot_open_the_staff_inbox(client: Any, db: Any) -> None:
    assert client.get("/workbench/messages/").status_code == 302
    citizen = apps.get_model("directory", "Account").objects.create_user(
        "citizen9", "Xx-12345678", display_name="市民", kind="citizen"
    )
    client.force_login(citizen)
    assert client.get("/workbench/messages/").status_code == 403


def test_bad_input_is_refused_in_chinese_and_writes_nothing(alice: Any) -> None:
    with pytest.raises(ValidationFailed, match="需要标题"):
        notify_send(recipients=[alice], subject="   ", body="x")
    with pytest.raises(ValidationFailed, match="链接"):
        notify_send(recipients=[alice], body="", subject="x", link="javascript:alert(1)")
    with pytest.raises(ValidationFailed, match="链接"):
        notify_send(recipients=[alice], body="", subject="x", link="//evil.example/x")
    with pytest.raises(ValidationFailed, match="通知渠道"):
        notify_send(recipients=[alice], body="", subject="x", channels=("fax",))
    with pytest.raises(ValidationFailed):
        notify_send(recipients=[alice], body="", subject="长" * 201)
    assert not Message.objects.exists()
    assert not Delivery.objects.exists()


def test_markup_in_a_message_is_shown_as_text(client: Any, alice: Any) -> None:
    [message] = notify_send(
        recipients=[alice], subject="<script>alert(1)</script>", body="<b>x</b>"
    )
    client.force_login(alice)
    page = client.get(f"/workbench/messages/{message.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_duplicate_and_inactive_recipients(alice: Any, bob: Any) -> None:
    bob.is_active = False
    bob.save()
    messages = notify_send(recipients=[alice, alice, bob], body="", subject="一次")
    assert [m.recipient_id for m in messages] == [alice.pk]
    assert Delivery.objects.filter(channel="inapp", status="sent").count() == 1


@pytest.mark.parametrize(
    "link",
    [
        "//evil.example/x",
        "/\\evil.example/x",
        "/\t/evil.example/x",
        "https://evil.example/workbench/",
        "http://evil.example",
        "https://127.0.0.1.evil.example/",
        "https://user@evil.example/",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://localhost/x",
        "workbench/relative",
    ],
)
def test_links_off_the_site_are_refused(alice: Any, link: str) -> None:
    with pytest.raises(ValidationFailed, match="链接"):
        notify_send(recipients=[alice], body="", subject="x", link=link)
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "link",
    ["/workbench/", "/my/messages/?unread=1#top", "https://localhost/x", "http://testserver/y",
     "https://www.yunze.gov.example/zwgk/"],
)  # fmt: skip
def test_site_paths_and_our_hosts_are_accepted(
    alice: Any, settings: Any, client: Any, link: str
) -> None:
    settings.ZHENGWU_NOTIFY_LINK_HOSTS = ["www.yunze.gov.example"]
    [message] = notify_send(recipients=[alice], body="", subject="x", link=link)
    assert message.link == link
    client.force_login(alice)
    page = client.get(f"/workbench/messages/{message.pk}/").content.decode()
    assert "打开相关事项" in page


def test_a_stored_link_to_a_host_no_longer_allowed_is_not_offered(
    client: Any, alice: Any, settings: Any
) -> None:
    settings.ZHENGWU_NOTIFY_LINK_HOSTS = ["old.yunze.example"]
    [message] = notify_send(recipients=[alice], body="", subject="x", link="https://old.yunze.example/")
    settings.ZHENGWU_NOTIFY_LINK_HOSTS = []
    client.force_login(alice)
    page = client.get(f"/workbench/messages/{message.pk}/").content.decode()
    assert "old.yunze.example" not in page


@pytest.fixture
def citizen(db: Any) -> Any:
    return apps.get_model("directory", "Account").objects.create_user(
        "citizen9", "Xx-12345678", display_name="市民张三", kind="citizen"
    )


def test_citizens_read_their_messages_on_the_public_site(client: Any, citizen: Any) -> None:
    [message] = notify_send(
        recipients=[citizen], subject="您的办件已受理", body="受理编号 YZ-2026-0001。", link="/my/"
    )
    client.force_login(citizen)

    page = client.get("/my/messages/").content.decode()
    assert "您的办件已受理" in page and "未读" in page
    assert "site-header" in page and "wb-" not in page  # the public chrome, not the workbench
    detail = client.get(f"/my/messages/{message.pk}/").content.decode()
    assert "受理编号 YZ-2026-0001。" in detail
    assert f'action="/my/messages/{message.pk}/read/"' in detail
    assert client.post(f"/my/messages/{message.pk}/read/")["Location"] == (
        f"/my/messages/{message.pk}/"
    )
    assert unread_count(citizen) == 0
    notify_send(recipients=[citizen], subject="补正通知", body="")
    response = client.post("/my/messages/read-all/", follow=True)
    assert "1 条消息已标记为已读" in response.content.decode()
    assert unread_count(citizen) == 0


def test_the_public_inbox_is_for_citizens_and_enterprises_only(
    client: Any, citizen: Any, alice: Any
) -> None:
    [message] = notify_send(recipients=[citizen], subject="仅限本人", body="")
    assert client.get("/my/messages/").status_code == 302  # anonymous → login
    client.force_login(alice)  # staff use the workbench inbox
    assert client.get("/my/messages/").status_code == 403
    assert client.get(f"/my/messages/{message.pk}/").status_code == 403
    neighbour = apps.get_model("directory", "Account").objects.create_user(
        "citizen10", "Xx-12345678", display_name="市民李四", kind="citizen"
    )
    client.force_login(neighbour)
    assert client.get("/my/messages/").status_code == 200
    assert client.get(f"/my/messages/{message.pk}/").status_code == 404  # someone else's
    assert client.post(f"/my/messages/{message.pk}/read/").status_code == 404
