import datetime as dt

import pytest
from django.utils import timezone

from zhengwu.search.actions import index_upsert
from zhengwu.search.extract import extract_text
from zhengwu.search.registry import Entry

pytestmark = pytest.mark.django_db


def _add(key: str, title: str, body: str = "", **kw) -> None:
    kw.setdefault("date", timezone.now() - dt.timedelta(days=3))
    index_upsert("t", Entry(key=key, title=title, url=f"/x/{key}/", body=body, **kw))


def test_empty_page_explains_and_has_accessible_form(client):
    response = client.get("/search/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="search"' in html and 'for="search-q"' in html and 'id="search-q"' in html
    assert "<ol" not in html


def test_results_highlighted_and_query_escaped(client):
    _add(
        "a",
        "优化营商环境实施方案",
        "全面优化营商环境。",
        site="portal",
        site_label="云泽市人民政府",
    )
    response = client.get("/search/", {"q": "营商环境<script>alert(1)</script>"})
    html = response.content.decode()
    assert "<mark>营商环境</mark>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_filters_and_pagination_links_keep_the_query(client):
    for i in range(25):
        _add(f"n{i}", f"防汛工作简报第{i}期", site="scjg", site_label="市场监管局", column="7",
             column_label="通知公告")  # fmt: skip
    _add("other", "防汛应急预案", site="portal", site_label="云泽市人民政府")
    response = client.get("/search/", {"q": "防汛", "site": "scjg"})
    html = response.content.decode()
    assert "防汛应急预案" not in html
    assert 'rel="next"' in html and "site=scjg" in html and "page=2" in html
    assert 'id="search-column"' in html  # the site's columns are offered once a site is chosen
    page2 = client.get("/search/", {"q": "防汛", "site": "scjg", "page": "2"}).content.decode()
    assert page2.count('class="search-hit"') == 5


@pytest.mark.parametrize(
    "params",
    [{"q": "x", "from": "2025-13-45"}, {"q": "x", "page": "-1"}, {"q": "x", "page": "abc"},
     {"q": "x", "site": "nope"}, {"q": "x", "kind": "<b>"}, {"q": "\x00'\"*()"},
     {"q": "营" * 5000}],
)  # fmt: skip
def test_odd_parameters_never_fail(client, params):
    assert client.get("/search/", params).status_code == 200


def test_post_is_refused(client):
    assert client.post("/search/", {"q": "x"}).status_code == 405


def test_header_search_box_on_public_pages(client):
    html = client.get("/").content.decode()
    assert 'action="/search/"' in html


def test_extract_text_formats():
    assert extract_text("报名表\r\n".encode("gb18030"), "a.txt") == "报名表"
    assert extract_text(b"not a zip", "a.docx") == ""
    assert extract_text(b"%PDF-1.4 broken", "a.pdf") == ""
    assert extract_text(b"\x00\x01", "a.exe") == ""
    pdf = (
        b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
        b"4 0 obj<</Length 44>>stream\nBT /F1 18 Tf 20 60 Td (Flood plan 2025) Tj ET\n"
        b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF"
    )
    assert "Flood plan 2025" in extract_text(pdf, "plan.pdf")
