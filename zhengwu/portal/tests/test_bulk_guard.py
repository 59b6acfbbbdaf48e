"""The prohibited-word check on publishing paths that bypass the editor's form: bulk publish
(with draft descendants) and "copy and publish", refused with the hit list unless a reviewer
overrode exactly these hits."""

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from zhengwu.portal import actions, guards
from zhengwu.portal.models import ArticlePage

pytestmark = pytest.mark.django_db


@pytest.fixture
def words(portal: Any) -> None:
    actions.sensitive_word_add(actor=portal.admin, word="违禁词")


def draft(parent: Any, slug: str, body: str) -> ArticlePage:
    page = ArticlePage(title=f"动态{slug}", slug=slug, body=f"<p>{body}</p>", live=False)
    parent.add_child(instance=page)
    page.save_revision()
    return page


def bulk_publish_url(*pages: Any, next_url: str = "/workbench/cms/") -> str:
    ids = "&".join(f"id={p.pk}" for p in pages)
    return (reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish"))
            + f"?{ids}&next={next_url}")  # fmt: skip


def message_text(response: Any) -> str:
    return "\n".join(str(m) for m in get_messages(response.wsgi_request))


def test_bulk_publish_with_listed_words_is_refused_with_the_hits(
    client: Any, portal: Any, words: None
) -> None:
    clean = draft(portal.scjg_news, "clean", "一切正常")
    bad = draft(portal.scjg_news, "bad", "这里出现了违 禁 词。")
    client.force_login(portal.final_reviewer)
    response = client.post(bulk_publish_url(clean, bad))
    assert response.status_code == 302
    text = message_text(response)
    assert "未发布任何页面" in text and "【违 禁 词】" in text and "动态bad" in text
    # All or nothing: the clean page was not published either.
    assert not ArticlePage.objects.filter(pk__in=[clean.pk, bad.pk], live=True).exists()

    response = client.post(bulk_publish_url(clean))
    assert ArticlePage.objects.get(pk=clean.pk).live


def test_bulk_publish_checks_draft_descendants_too(
    client: Any, portal: Any, words: None
) -> None:
    bad = draft(portal.scjg_news, "bad", "违禁词")
    client.force_login(portal.final_reviewer)
    client.post(bulk_publish_url(portal.scjg_news), {"include_descendants": "on"})
    assert not ArticlePage.objects.get(pk=bad.pk).live
    client.post(bulk_publish_url(portal.scjg_news))  # the column alone is clean
    assert not ArticlePage.objects.get(pk=bad.pk).live


def test_a_recorded_override_lets_the_same_content_through(
    client: Any, portal: Any, words: None
) -> None:
    bad = draft(portal.scjg_news, "bad", "引用违禁词原文")
    hits = guards.unresolved_hits(bad)
    assert [h.word for h in hits] == ["违禁词"]
    actions.sensitive_override_record(actor=portal.final_reviewer, page=bad, hits=hits,
                                      reason="引用法规原文")  # fmt: skip
    assert guards.unresolved_hits(bad) == []
    client.force_login(portal.final_reviewer)
    client.post(bulk_publish_url(bad))
    assert ArticlePage.objects.get(pk=bad.pk).live

    # Changed content after the override: checked again.
    page = ArticlePage.objects.get(pk=bad.pk)
    page.body = "<p>违禁词又一次，违禁词</p>"
    page.save_revision()
    assert len(guards.unresolved_hits(page)) == 2


def test_the_latest_revision_is_checked_not_the_live_row(portal: Any, words: None) -> None:
    page = ArticlePage.objects.get(pk=portal.article.pk)
    assert guards.unresolved_hits(page) == []
    page.body = "<p>草稿里写了违禁词</p>"
    page.save_revision()  # the live row keeps the clean text
    assert [h.field for h in guards.unresolved_hits(page)] == ["内容"]


def test_copy_and_publish_with_listed_words_is_refused(
    client: Any, portal: Any, words: None
) -> None:
    source = draft(portal.scjg_news, "src", "违禁词")
    source.save_revision().publish()
    client.force_login(portal.final_reviewer)
    url = reverse("wagtailadmin_pages:copy", args=(source.pk,))
    data = {"new_title": "副本", "new_slug": "copy", "new_parent_page": str(portal.scjg_news.pk),
            "copy_subpages": "", "publish_copies": "on", "alias": ""}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302 and "【违禁词】" in message_text(response)
    assert not ArticlePage.objects.filter(slug="copy").exists()
    data["publish_copies"] = ""  # a draft copy is fine: it still has to go through review
    client.post(url, data)
    assert ArticlePage.objects.filter(slug="copy", live=False).exists()
