"""Static publishing and tamper protection: the export follows publishing; portal_verify
restores."""

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from zhengwu.audit.models import AuditEntry
from zhengwu.portal import publish
from zhengwu.portal.models import ArticlePage, PublishedFile

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def exported(portal: Any, django_capture_on_commit_callbacks: Any) -> Path:
    report = publish.publish_all()
    assert not report.failed
    return publish.publish_dir()


def test_publish_all_writes_pages_as_readers_get_them_with_assets_and_manifest(
    client: Any, exported: Path, portal: Any
) -> None:
    article = exported / "news" / "yingshang" / "index.html"
    assert article.exists() and (exported / "index.html").exists()
    assert (exported / "static" / "zhengwu" / "css" / "site.css").exists()
    html = article.read_bytes()
    assert "云泽市召开优化营商环境推进会" in html.decode()
    tools = html.decode().split("site-tools")[1][:200]  # the anonymous reader's header
    assert "登录" in tools and "退出" not in tools
    record = PublishedFile.objects.get(path="news/yingshang/index.html")
    assert record.sha256 == hashlib.sha256(html).hexdigest()
    # The same bytes an anonymous reader gets from the app on the public host name.
    assert client.get("/news/yingshang/", HTTP_HOST="localhost").content == html


def test_publishing_and_unpublishing_refresh_the_export(
    portal: Any, exported: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from zhengwu.portal.tests.conftest import publish as publish_page

    with django_capture_on_commit_callbacks(execute=True):
        publish_page(portal.news, ArticlePage(title="新发布的通知", slug="fresh"))
    assert (exported / "news" / "fresh" / "index.html").exists()
    assert "新发布的通知" in (exported / "news" / "index.html").read_text()
    with django_capture_on_commit_callbacks(execute=True):
        ArticlePage.objects.get(slug="fresh").unpublish()
    assert not (exported / "news" / "fresh" / "index.html").exists()
    assert "新发布的通知" not in (exported / "news" / "index.html").read_text()
    assert not PublishedFile.objects.filter(path="news/fresh/index.html").exists()


def test_portal_verify_passes_on_an_intact_export(exported: Path) -> None:
    call_command("portal_verify")  # no SystemExit
    assert not AuditEntry.objects.filter(action="portal.static_export.tampered").exists()


def test_portal_verify_detects_restores_and_alerts(exported: Path, portal: Any) -> None:
    article = exported / "news" / "yingshang" / "index.html"
    original = article.read_bytes()
    article.write_text("<h1>网站被黑</h1>", encoding="utf-8")
    (exported / "index.html").unlink()
    planted = exported / "hacked.html"
    planted.write_text("defaced", encoding="utf-8")

    with pytest.raises(SystemExit) as exit_info:
        call_command("portal_verify")
    assert exit_info.value.code == 1
    assert article.read_bytes() == original
    assert (exported / "index.html").exists()
    assert not planted.exists()
    quarantined = list((exported.parent / "publish-quarantine").rglob("hacked.html"))
    assert quarantined and quarantined[0].read_text() == "defaced"
    entry = AuditEntry.objects.get(action="portal.static_export.tampered")
    assert "news/yingshang/index.html" in entry.changes["changed"]
    assert "index.html" in entry.changes["missing"]
    assert "hacked.html" in entry.changes["unexpected"]
    from zhengwu.notify.models import Message

    assert Message.objects.filter(recipient=portal.admin, category="alert").exists()
    call_command("portal_verify")  # intact again: exit status 0


def test_portal_verify_without_restore_only_reports(exported: Path) -> None:
    article = exported / "news" / "yingshang" / "index.html"
    article.write_text("tampered", encoding="utf-8")
    with pytest.raises(SystemExit):
        call_command("portal_verify", "--no-restore")
    assert article.read_text() == "tampered"


def test_paths_outside_the_publish_directory_are_refused(exported: Path) -> None:
    with pytest.raises(publish.PublishError):
        publish._target("../outside.html")


