import datetime as dt

import pytest
from django.utils import timezone

from zhengwu.search.actions import index_delete, index_upsert
from zhengwu.search.registry import Entry
from zhengwu.search.selectors import search_query
from zhengwu.search.text import highlight, query_words

pytestmark = pytest.mark.django_db


def _when(days_ago: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)


def _add(key: str, title: str, body: str = "", **kw) -> None:
    kw.setdefault("date", _when(10))
    index_upsert("t", Entry(key=key, title=title, url=f"/x/{key}/", body=body, **kw))


def _keys(results) -> list[str]:
    return [h.entry.key for h in results.hits]


def test_chinese_words_found_in_title_and_body():
    _add("a", "云泽市优化营商环境若干措施", "为进一步激发市场主体活力，制定本措施。")
    _add("b", "关于开展春季植树活动的通知", "各单位要积极参加义务植树。")
    assert _keys(search_query("营商环境")) == ["a"]
    assert _keys(search_query("植树")) == ["b"]
    assert _keys(search_query("市场主体")) == ["a"]
    assert search_query("高速公路").total == 0


def test_title_matches_rank_first_then_recency():
    _add("body_new", "部门动态", "本周召开乡村振兴工作会议，研究乡村振兴乡村振兴。", date=_when(1))
    _add("title_old", "乡村振兴示范村建设方案", "内容略。", date=_when(300))
    _add("title_new", "乡村振兴工作简报", "内容略。", date=_when(2))
    assert _keys(search_query("乡村振兴")) == ["title_new", "title_old", "body_new"]


def test_substring_and_unknown_words_found_through_bigrams():
    _add("a", "云泽县泽兴镇召开会议", "泽兴镇党委书记讲话。")
    assert _keys(search_query("泽兴")) == ["a"]
    assert _keys(search_query("兴镇")) == ["a"]
    assert _keys(search_query("泽")) == ["a"]


def test_one_wrong_character_found_leniently():
    _add("a", "优化营商环境实施方案", "")
    _add("b", "植树活动通知", "")
    results = search_query("营商坏境")
    assert results.lenient
    assert _keys(results) == ["a"]


def test_filters_by_site_column_kind_and_dates():
    _add("p", "医疗保险政策", site="portal", column="yw", kind="page", date=_when(5))
    _add("s", "医疗保险政策解读", site="ws", column="zcjd", kind="page", date=_when(40))
    _add("d", "医疗保险报销表", site="ws", column="bgxz", kind="attachment", date=_when(400))
    assert sorted(_keys(search_query("医疗保险", site="ws"))) == ["d", "s"]
    assert _keys(search_query("医疗保险", column="zcjd")) == ["s"]
    assert _keys(search_query("医疗保险", kind="attachment")) == ["d"]
    today = timezone.localdate()
    assert sorted(_keys(search_query("医疗保险", date_from=today - dt.timedelta(days=50)))) == [
        "p",
        "s",
    ]
    assert _keys(search_query("医疗保险", date_to=today - dt.timedelta(days=100))) == ["d"]


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '""',
        "'",
        "*",
        "营商*",
        "a OR b",
        "NEAR(a b)",
        "(",
        ")",
        "((营商",
        "-营商",
        "^",
        "title_tokens:营商",
        "{grams}:x",
        "AND",
        "NOT 营商",
        '营商 " OR "',
        "\\",
        "%",
        "_",
        "'; DROP TABLE search_searchentry; --",
        "<script>alert(1)</script>",
        "　",
        "",
        "   ",
        "a" * 500,
        "营" * 300,
        "：，。！",
        "😀",
        "\x00",
    ],
)
def test_special_characters_never_crash(q):
    _add("a", "优化营商环境 OR NEAR 方案", "a b")
    results = search_query(q)
    assert results.total >= 0


def test_highlight_is_escaped():
    _add("x", "<script>alert('营商')</script>环境", "<b>营商</b> & 环境")
    hit = search_query("营商").hits[0]
    assert "<script>" not in hit.title_html
    assert "&lt;script&gt;" in hit.title_html
    assert "<mark>营商</mark>" in hit.title_html
    assert "<b>" not in hit.excerpt_html
    assert highlight("<营商>", ["<"]) == "<mark>&lt;</mark>营商&gt;"


def test_query_words_drop_stopwords_and_punctuation():
    assert query_words("关于“营商环境”的通知！") == ["关于", "营商", "环境", "通知"]


def test_delete_and_upsert_replace():
    _add("a", "植树活动通知", "")
    _add("a", "植树节活动安排", "")
    assert [h.entry.title for h in search_query("植树").hits] == ["植树节活动安排"]
    index_delete("t", "a")
    assert search_query("植树").total == 0
    _add("page:1", "植树", "")
    _add("page:1/doc:2", "植树附件", "", kind="attachment")
    index_delete("t", key_prefix="page:1/")
    assert _keys(search_query("植树")) == ["page:1"]


def test_pagination():
    for i in range(45):
        _add(f"n{i}", f"第{i}期防汛工作简报", "", date=_when(i))
    first = search_query("防汛", per_page=20)
    assert first.total == 45 and first.num_pages == 3 and len(first.hits) == 20
    third = search_query("防汛", per_page=20, page=3)
    assert len(third.hits) == 5 and not third.has_next
    assert set(_keys(first)).isdisjoint(_keys(third))
    assert search_query("防汛", page=999).page <= 50
