"""The public catalogue: browsing, Chinese search, the guide page, and what anonymous visitors
may not see."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from zhengwu.eservices import actions
from zhengwu.eservices.models import LifeEvent, ServiceItem, Topic
from zhengwu.eservices.rules import MaterialInput
from zhengwu.files.actions import file_store

pytestmark = pytest.mark.django_db


def test_browse_by_department_topic_and_life_event(client: Any, world: Any) -> None:
    item = world.item("食品经营许可", status="published")
    person_item = world.item(
        "最低生活保障申请",
        org=world.other,
        status="published",
        audience="person",
        item_type="benefit",
        topics=list(Topic.objects.filter(code="social-assistance")),
        life_events=list(LifeEvent.objects.filter(code="hardship")),
    )
    page = client.get(reverse("eservices:catalogue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "救助" in html and "社会救助" in html  # life event and topic of the 个人 tab
    assert "市市场监督管理局" in html and "市民政局" in html
    legal = client.get(
        reverse("eservices:catalogue"), {"audience": "legal_entity"}
    ).content.decode()
    assert "开办" in legal and "食品药品" in legal and "社会救助" not in legal

    def listed(name: str, *args: Any) -> list[Any]:
        page = client.get(reverse(f"eservices:{name}", args=args))
        assert page.status_code == 200
        return list(page.context["page"].object_list)

    assert listed("department", world.bureau.pk) == [item]
    assert listed("topic", "food-drug") == [item]
    assert listed("life_event", "hardship") == [person_item]
    assert client.get(reverse("eservices:topic", args=["no-such-topic"])).status_code == 404


def test_search_segments_chinese_and_ranks_name_matches_first(client: Any, world: Any) -> None:
    described = world.item(
        "餐饮服务登记",
        status="published",
        summary="小餐饮经营者办理登记，无需另行申请食品经营许可。",
    )
    named = world.item("食品经营许可", status="published")
    world.item(
        "婚姻登记",
        status="published",
        audience="person",
        item_type="confirmation",
        life_events=[],
        conditions="双方自愿。",
        materials=[],
        summary="",
    )
    page = client.get(reverse("eservices:search"), {"q": "食品 许可"})
    assert page.status_code == 200
    hits = [h.item for h in page.context["page"].object_list]
    assert hits[:2] == [named, described]  # the name match first, the description match too
    assert "婚姻登记" not in [h.name for h in hits]
    # No space needed: jieba cuts the sentence into words.
    hits = [
        h.item
        for h in client.get(reverse("eservices:search"), {"q": "我要办食品经营许可证"})
        .context["page"]
        .object_list
    ]
    assert hits[0] == named
    # Materials are searched too.
    hits = [
        h.item
        for h in client.get(reverse("eservices:search"), {"q": "营业执照"})
        .context["page"]
        .object_list
    ]
    assert named in hits


def test_search_paginates(client: Any, world: Any) -> None:
    for i in range(23):
        world.item(f"测试许可{i:02d}", status="published")
    first = client.get(reverse("eservices:search"), {"q": "许可"})
    assert first.context["count"] == 23 and len(first.context["page"].object_list) == 20
    second = client.get(reverse("eservices:search"), {"q": "许可", "page": "2"})
    assert len(second.context["page"].object_list) == 3


@pytest.mark.parametrize(
    "query",
    [
        "'; DROP TABLE eservices_serviceitem; --",
        "<script>alert(1)</script>",
        "%",
        "_",
        "\\",
        "食品\x00许可",
        "' OR 1=1 --",
        "x" * 5000,
    ],
)
def test_injection_strings_in_search_are_harmless(client: Any, world: Any, query: str) -> None:
    world.item("食品经营许可", status="published")
    page = client.get(reverse("eservices:search"), {"q": query})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>alert(1)</script>" not in html
    if query in ("%", "_", "\\"):
        assert page.context["count"] == 0  # wildcards are literal characters, not patterns
    assert ServiceItem.objects.count() == 1
    assert "eservices_serviceitem" in connection.introspection.table_names()


def test_guide_shows_every_field_and_serves_blank_forms(client: Any, world: Any) -> None:
    blank = file_store(
        actor=world.clerk,
        purpose=actions.FORM_PURPOSE,
        upload=SimpleUploadedFile("申请书.txt", "申请人：\n".encode()),
    )
    item = world.item(
        "食品经营许可",
        status="published",
        materials=[
            MaterialInput(
                name="食品经营许可申请书",
                form="original",
                copies=2,
                notes="法定代表人签字",
                blank_form=blank,
            ),
            MaterialInput(name="营业执照", form="copy", required=False),
        ],
    )
    page = client.get(reverse("eservices:guide", args=[item.code]))
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        "市市场监督管理局",
        "行政许可",
        item.code,
        "《中华人民共和国食品安全法》第三十五条",
        "具有与经营的食品品种相适应的经营场所",
        "食品经营许可申请书",
        "法定代表人签字",
        "营业执照",
        "原件",
        "复印件",
        "申请、受理、审查、决定、送达",
        "20 个工作日",
        "10 个工作日",
        "工本费",
        "10.00",
        "某收费文件",
        "市政务服务中心二楼",
        "周一至周五 9:00—17:00",
        "三级",
        "许可证有效期多久？",
        "5年。",
        "0999-12345",
    ):
        assert text in html, text
    assert "在线申请" not in html  # no application button before applications exist
    material = item.materials.get(name="食品经营许可申请书")
    url = reverse("eservices:material_file", args=[item.code, material.pk, "blank_form"])
    assert url in html
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == "申请人：\n".encode()
    assert download["X-Content-Type-Options"] == "nosniff"
    other = item.materials.get(name="营业执照")
    assert (
        client.get(
            reverse("eservices:material_file", args=[item.code, other.pk, "blank_form"])
        ).status_code
        == 404
    )


def test_free_item_says_so(client: Any, world: Any) -> None:
    item = world.item(
        "婚姻登记", status="published", fees=[], statutory_limit_days=None, promised_limit_days=0
    )
    html = client.get(reverse("eservices:guide", args=[item.code])).content.decode()
    assert "不收费" in html and "法律未规定时限" in html and "材料齐全的当场办结" in html


def test_anonymous_sees_only_published_items(client: Any, world: Any) -> None:
    draft = world.item("户外广告设施设置许可")
    review = world.item("排污许可证核发", status="under_review")
    published = world.item("食品经营许可", status="published")
    assert client.get(reverse("eservices:guide", args=[draft.code])).status_code == 404
    assert client.get(reverse("eservices:guide", args=[review.code])).status_code == 404
    assert client.get(reverse("eservices:guide", args=[published.code])).status_code == 200
    listing = client.get(reverse("eservices:department", args=[world.bureau.pk])).content.decode()
    assert published.name in listing and draft.name not in listing and review.name not in listing
    hits = client.get(reverse("eservices:search"), {"q": "许可"}).context["page"].object_list
    assert [h.item for h in hits] == [published]
    # A department with drafts only is not part of the public catalogue.
    world.item("低保", org=world.other, audience="person", item_type="benefit", life_events=[])
    assert client.get(reverse("eservices:department", args=[world.other.pk])).status_code == 404


def test_taken_offline_item_leaves_the_catalogue(client: Any, world: Any) -> None:
    item = world.item("食品经营许可", status="published")
    actions.service_item_take_offline(
        actor=world.leader, item=item, expected_version=item.version, reason="事项调整"
    )
    assert client.get(reverse("eservices:guide", args=[item.code])).status_code == 404


def test_search_terms_drop_noise() -> None:
    from zhengwu.eservices.selectors import search_terms

    assert "个" not in search_terms("我想开个饭店")
    assert search_terms("  ，。！ ") == []
    assert search_terms("证") == ["证"]  # a single character alone is still searched
    assert set(search_terms("食品经营许可")) >= {"食品", "经营", "许可"}
