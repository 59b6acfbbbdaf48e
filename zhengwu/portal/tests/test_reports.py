"""Inspection reports: stale and empty columns, a stale home page, broken internal links and
missing download files, external links against a local server; CMS views, Excel export, command."""

import datetime as dt
import http.server
import threading
from io import BytesIO
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.documents import get_document_model

from zhengwu.portal import reports
from zhengwu.portal.models import ArticlePage, ColumnDownload

pytestmark = pytest.mark.django_db


def by_title(rows: list[Any]) -> dict[str, Any]:
    return {(r.site, r.title): r for r in rows}


def test_stale_and_empty_columns_and_the_home_page(portal: Any) -> None:
    rows = by_title(reports.column_freshness())
    home = portal.home.title
    # 要闻 promises 14 days; its only item is from 2025-03-04.
    news = rows[(home, "要闻")]
    assert news.status == "stale" and news.period_days == 14 and news.days_since > 14
    # Sub-site columns without any item are empty.
    assert rows[("云泽市市场监督管理局", "部门动态")].status == "empty"
    assert rows[("云泽市教育局", "部门动态")].status == "empty"
    # Fresh columns and the home page (items published today) are not listed.
    assert (home, "政策文件") not in rows and (home, "政策解读") not in rows
    assert not [r for r in rows.values() if r.kind == "home"]
    # Empty columns first, then the most overdue.
    assert [r.status for r in reports.column_freshness()][:2] == ["empty", "empty"]

    later = timezone.now() + dt.timedelta(days=20)
    rows = by_title(reports.column_freshness(now=later))
    assert rows[(home, home)].kind == "home" and rows[(home, home)].days_since >= 19
    assert (home, "政策文件") not in rows  # 180 days promised


def test_a_column_becomes_fresh_when_an_item_is_published(portal: Any) -> None:
    page = ArticlePage(title="新动态", slug="new", body="<p>x</p>")
    portal.scjg_news.add_child(instance=page)
    page.save_revision().publish()
    rows = by_title(reports.column_freshness())
    assert ("云泽市市场监督管理局", "部门动态") not in rows


def _link_article(portal: Any, body: str, slug: str = "links") -> ArticlePage:
    page = ArticlePage(title="含链接的文章", slug=slug, body=body)
    portal.news.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_broken_internal_links_and_missing_download_files(portal: Any) -> None:
    document_model = get_document_model()
    kept = document_model.objects.create(title="申请表", file=ContentFile(b"x", name="form.docx"))
    gone = document_model.objects.create(title="旧表", file=ContentFile(b"x", name="old.docx"))
    gone_id = gone.pk
    gone.delete()
    draft = ArticlePage(title="草稿", slug="draft", body="<p>x</p>", live=False)
    portal.news.add_child(instance=draft)
    body = (
        f'<p><a linktype="page" id="{portal.article.pk}">好链接</a>'
        f'<a linktype="page" id="{draft.pk}">未发布</a>'
        f'<a linktype="page" id="999999">已删除</a>'
        f'<a linktype="document" id="{kept.pk}">好文件</a>'
        f'<a linktype="document" id="{gone_id}">已删文件</a></p>'
    )
    page = _link_article(portal, body)
    missing = document_model.objects.create(title="丢失的表", file=ContentFile(b"x", name="m.doc"))
    ColumnDownload.objects.create(column=portal.news, document=kept)
    ColumnDownload.objects.create(column=portal.news, document=missing)
    missing.file.storage.delete(missing.file.name)

    rows = reports.broken_links()
    problems = {(r.page_id, r.target, str(r.problem)) for r in rows}
    assert problems == {
        (page.pk, f"page {draft.pk}", "链接的页面未发布"),
        (page.pk, "page 999999", "链接的页面已删除"),
        (page.pk, f"document {gone_id}", "链接的文件已删除"),
        (portal.news.pk, "丢失的表", "文件在存储中缺失"),
    }


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        if self.path == "/no-head":
            self.send_response(405)
        else:
            self.send_response(200 if self.path in ("/ok",) else 404)
        self.end_headers()

    def do_GET(self) -> None:
        self.send_response(200 if self.path in ("/ok", "/no-head") else 404)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def local_server() -> Any:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_external_links_checked_against_a_local_server(portal: Any, local_server: str) -> None:
    with socket_closed() as dead:
        body = (f'<p><a href="{local_server}/ok">a</a><a href="{local_server}/missing">b</a>'
                f'<a href="{local_server}/no-head">c</a><a href="{dead}/x">d</a></p>')
    page = _link_article(portal, body)
    rows = reports.broken_external_links(timeout=2)
    found = {r.target: r.problem for r in rows if r.page_id == page.pk}
    assert set(found) == {f"{local_server}/missing", f"{dead}/x"}
    assert found[f"{local_server}/missing"] == "HTTP 404"


class socket_closed:  # noqa: N801 - used as a context manager
    """An address on which nothing listens (bound, then closed)."""

    def __enter__(self) -> str:
        import socket

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *args: Any) -> None:
        pass


def test_reports_in_the_cms_with_excel_export(client: Any, portal: Any) -> None:
    client.force_login(portal.scjg_editor)
    html = client.get(reverse("portal_report_freshness")).content.decode()
    assert "要闻" in html and "未按期更新" in html and "空白栏目" in html
    response = client.get(reverse("portal_report_freshness") + "?export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "栏目" and any(row[0] == "要闻" for row in values[1:])

    _link_article(portal, '<p><a linktype="page" id="999999">x</a></p>')
    html = client.get(reverse("portal_report_links")).content.decode()
    assert "链接的页面已删除" in html
    response = client.get(reverse("portal_report_links") + "?export=xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet.max_row == 2
    # The reports are in the CMS only.
    client.logout()
    assert client.get(reverse("portal_report_links")).status_code == 302


def test_report_command_exit_status_and_excel(portal: Any, tmp_path: Any) -> None:
    out = tmp_path / "fresh.xlsx"
    with pytest.raises(SystemExit) as exit_info:
        call_command("portal_report", "freshness", "--xlsx", str(out))
    assert exit_info.value.code == 1 and out.stat().st_size > 0
    call_command("portal_report", "links")  # nothing broken: exit status 0, no exception
