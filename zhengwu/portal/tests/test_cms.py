"""The CMS inside the workbench: access, editors scoped to their sub-site,
moderation 编辑 → 部门审核 → 办公室终审, and the prohibited-word filter with the reviewer's
audited override."""

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from zhengwu.audit.models import AuditEntry
from zhengwu.portal import actions
from zhengwu.portal.models import ArticlePage, SensitiveWordOverride

pytestmark = pytest.mark.django_db


def article_data(title: str, body: str = "正文", **extra: Any) -> dict[str, Any]:
    return nested_form_data({
        "title": title, "slug": extra.pop("slug", "new-article"),
        "pub_date": "2025-05-06 10:00", "source": "", "author": "",
        "body": rich_text(f"<p>{body}</p>"), "attachments": inline_formset([]),
        "comments": inline_formset([]), "sensitive_override_reason": "",
        **extra,
    })  # fmt: skip


def create_url(parent: Page) -> str:
    return reverse("wagtailadmin_pages:add", args=("portal", "articlepage", parent.pk))


def test_cms_is_closed_to_anonymous_citizens_and_staff_without_cms_access(
    client: Any, portal: Any
) -> None:
    response = client.get("/workbench/cms/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    from zhengwu.portal.tests.conftest import staff

    client.force_login(staff("plain", portal.scjg))
    assert client.get("/workbench/cms/").status_code == 403
    assert client.get(create_url(portal.scjg_news)).status_code == 403


def test_editor_sees_the_cms_and_its_menu_entry(client: Any, portal: Any) -> None:
    client.force_login(portal.scjg_editor)
    assert client.get("/workbench/cms/").status_code == 200
    workbench = client.get("/workbench/").content.decode()
    assert 'href="/workbench/cms/"' in workbench and "内容管理" in workbench


def test_an_editor_of_one_subsite_cannot_touch_another(client: Any, portal: Any) -> None:
    client.force_login(portal.scjg_editor)
    own = client.post(create_url(portal.scjg_news), article_data("市场监管局部门动态"))
    assert own.status_code == 302
    assert ArticlePage.objects.filter(title="市场监管局部门动态").exists()

    other = client.post(create_url(portal.jyj_news), article_data("越权发布", slug="x"))
    assert other.status_code in (302, 403)
    assert not ArticlePage.objects.filter(title="越权发布").exists()
    assert client.get(reverse("wagtailadmin_pages:edit", args=(portal.jyj_news.pk,))).status_code \
        in (302, 403)
    portal_news_edit = reverse("wagtailadmin_pages:edit", args=(portal.article.pk,))
    assert client.get(portal_news_edit).status_code in (302, 403)
    # Editors cannot publish by themselves: the publish button is refused.
    data = article_data("直接发布", slug="direct", **{"action-publish": "1"})
    client.post(create_url(portal.scjg_news), data)
    assert not ArticlePage.objects.filter(title="直接发布", live=True).exists()


def test_moderation_editor_department_reviewer_office_reviewer_then_published(
    client: Any, portal: Any
) -> None:
    client.force_login(portal.scjg_editor)
    response = client.post(
        create_url(portal.scjg_news),
        article_data("市场监管局开展食品安全检查", slug="food", **{"action-submit": "1"}),
    )  # fmt: skip
    assert response.status_code == 302
    page = ArticlePage.objects.get(slug="food")
    assert not page.live
    state = page.current_workflow_state
    assert state is not None
    assert state.current_task_state.task.name == "云泽市市场监督管理局·部门审核"

    # The other department's editor is not a reviewer of this task.
    client.force_login(portal.jyj_editor)
    url = reverse("wagtailadmin_pages:workflow_action",
                  args=(page.pk, "approve", state.current_task_state.pk))  # fmt: skip
    client.post(url, {"comment": "同意"})
    state.refresh_from_db()
    assert state.current_task_state.task.name == "云泽市市场监督管理局·部门审核"

    client.force_login(portal.scjg_reviewer)
    response = client.post(url, {"comment": "内容属实，同意发布"})
    assert response.status_code in (200, 302)
    state.refresh_from_db()
    assert state.current_task_state.task.name == "办公室终审"
    page.refresh_from_db()
    assert not page.live

    client.force_login(portal.final_reviewer)
    url = reverse("wagtailadmin_pages:workflow_action",
                  args=(page.pk, "approve", state.current_task_state.pk))  # fmt: skip
    client.post(url, {"comment": "终审通过"})
    page.refresh_from_db()
    assert page.live
    client.logout()
    assert "市场监管局开展食品安全检查" in client.get("/scjg/news/food/").content.decode()
    comments = list(state.task_states.values_list("comment", flat=True))
    assert "内容属实，同意发布" in comments and "终审通过" in comments


@pytest.fixture
def words(portal: Any) -> None:
    actions.sensitive_word_add(actor=portal.admin, word="违禁词")
    actions.sensitive_word_add(actor=portal.admin, word="ＡＢＣ")


def test_prohibited_words_block_submission_with_each_hit_in_context(
    client: Any, portal: Any, words: None
) -> None:
    client.force_login(portal.scjg_editor)
    data = article_data("动态", body="这里出现了违 禁 词，还有abc字样。", slug="bad",
                        **{"action-submit": "1"})  # fmt: skip
    response = client.post(create_url(portal.scjg_news), data)
    assert response.status_code == 200  # the form again, with errors
    text = response.content.decode()
    assert "【违 禁 词】" in text and "【abc】" in text and "违禁内容" not in text
    assert not ArticlePage.objects.filter(slug="bad").exists()


def test_a_draft_with_hits_may_be_saved_with_a_warning(
    client: Any, portal: Any, words: None
) -> None:
    client.force_login(portal.scjg_editor)
    response = client.post(
        create_url(portal.scjg_news), article_data("草稿", body="含违禁词", slug="draft"),
        follow=True,
    )  # fmt: skip
    assert ArticlePage.objects.filter(slug="draft", live=False).exists()
    assert "不能发布" in response.content.decode()


def test_an_editor_cannot_override_but_a_reviewer_can_with_an_audited_reason(
    client: Any, portal: Any, words: None
) -> None:
    client.force_login(portal.scjg_editor)
    data = article_data("动态", body="含违禁词", slug="ovr",
                        sensitive_override_reason="我觉得没问题", **{"action-submit": "1"})
    response = client.post(create_url(portal.scjg_news), data)
    assert response.status_code == 200 and "只有审核人员" in response.content.decode()
    assert not ArticlePage.objects.filter(slug="ovr").exists()

    client.force_login(portal.scjg_reviewer)
    data["sensitive_override_reason"] = "引用法规原文，属正当使用"
    response = client.post(create_url(portal.scjg_news), data)
    assert response.status_code == 302
    page = ArticlePage.objects.get(slug="ovr")
    override = SensitiveWordOverride.objects.get(page=page)
    assert override.actor == portal.scjg_reviewer and override.words[0]["word"] == "违禁词"
    entry = AuditEntry.objects.get(action="portal.page.sensitive_override")
    assert entry.reason == "引用法规原文，属正当使用"


def test_word_list_is_maintained_in_the_cms(client: Any, portal: Any) -> None:
    client.force_login(portal.scjg_reviewer)
    url = reverse("wagtailsnippets_portal_sensitiveword:add")
    response = client.post(url, {"word": "  测试 词 ", "note": "", "is_active": "on"})
    assert response.status_code == 302
    again = client.post(url, {"word": "测试词", "note": "", "is_active": "on"})
    assert again.status_code == 200 and "已在列表中" in again.content.decode()


def test_disclosure_items_get_unique_generated_index_numbers(portal: Any) -> None:
    first = actions.disclosure_item_create(
        actor=portal.admin, organisation=portal.scjg, title="2025年部门预算",
        topic="财政、金融、审计", genre="其他", generated_on=dt.date(2025, 3, 1),
    )  # fmt: skip
    second = actions.disclosure_item_create(
        actor=portal.admin, organisation=portal.scjg, title="2025年部门决算",
        topic="财政、金融、审计", genre="其他", generated_on=dt.date(2025, 9, 1),
    )  # fmt: skip
    assert first.index_number == "SCJG/2025-00001"
    assert second.index_number == "SCJG/2025-00002"
    from zhengwu.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        actions.disclosure_item_create(actor=portal.admin, organisation=portal.scjg, title=" ",
                                       topic="不存在", genre="其他")  # fmt: skip
