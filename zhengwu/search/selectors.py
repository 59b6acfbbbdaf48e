"""Querying the index: ``search_query`` (stable API, see docs/modules/search.md).

A query is segmented with jieba (precise mode). Every word must match, either as an indexed
word (title or body) or as a phrase over the character bigrams — the latter finds words jieba
split differently in the document, names it does not know, and any substring. When that finds
nothing, a *lenient* pass asks for any of the query's bigrams, ranked by how many and where
they match: enough for a wrong or missing character in a longer query ("营商坏境" finds
"营商环境"). Ranking: entries whose title holds every word first, then the rest; newest first
within each tier (a government site's readers want the current notice, not the one that says
the word most often). The lenient pass is scored (BM25 / ts_rank, title weighted ×10).
"""

import datetime as dt
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString

from zhengwu.search import text
from zhengwu.search.actions import rank_key
from zhengwu.search.models import SearchEntry

MAX_WORDS = 12  # longer queries are cut: every word costs a term in the full-text query
COUNT_CAP = 1_000  # results are counted up to this many ("1000+"), not further
MAX_PAGE = 50  # deeper pages are not served: refine the query instead
EXCERPT = 160
# What a hit carries (not the token columns, which are large).
HIT_FIELDS = ("rank_key", "source", "key", "site", "site_label", "column", "column_label",
              "kind", "title", "body", "url", "date")  # fmt: skip
ROW_FIELDS = (*HIT_FIELDS, "id")  # read with a page of keys (``_Backend.page``)


@dataclass
class Hit:
    entry: SearchEntry
    title_html: SafeString
    excerpt_html: SafeString
    position: int  # 1-based rank in the whole result list


@dataclass
class SearchResults:
    q: str
    words: list[str]
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    total_capped: bool = False  # True: at least ``total`` results (counting stopped there)
    page: int = 1
    per_page: int = 20
    lenient: bool = False  # True: no exact match; results of the typo-tolerant pass

    @property
    def num_pages(self) -> int:
        return min(MAX_PAGE, max(1, math.ceil(self.total / self.per_page)))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


# --- query building ----------------------------------------------------------------------


def _fts_phrase(tokens: list[str]) -> str:
    return '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'


def _sqlite_match(words: list[str], lenient: bool, *, title_only: bool = False) -> str:
    words_in = "title_tokens" if title_only else "{title_tokens tokens}"
    grams_in = "title_tokens" if title_only else "{title_tokens grams}"
    if lenient:
        grams = sorted({g for w in words for g in text.word_bigrams(w)})
        cols = "title_tokens" if title_only else "{title_tokens tokens grams}"
        return " OR ".join(f"{cols} : {_fts_phrase([g])}" for g in grams)
    terms = []
    for word in words:
        if len(word) == 2 and text.is_cjk(word):
            # The word is its own only bigram: one phrase over the union of the columns reads
            # the token's doclist once instead of twice.
            cols = "title_tokens" if title_only else "{title_tokens tokens grams}"
            terms.append(f"{cols} : {_fts_phrase([word])}")
            continue
        alternatives = [f"{words_in} : {_fts_phrase([word])}"]
        if len(word) == 1 and text.is_cjk(word):  # one character: any bigram starting with it
            alternatives.append(f"{grams_in} : {_fts_phrase([word])} *")
        elif text.is_cjk(word):  # the bigrams in a row: any substring, however segmented
            alternatives.append(f"{grams_in} : {_fts_phrase(text.word_bigrams(word))}")
        terms.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(terms)


def _pg_lexeme(token: str, weight: str = "", prefix: bool = False) -> str:
    # Tokens hold only letters, digits and CJK (text.normalise), never tsquery syntax.
    return f"'{token}'" + (":" if prefix or weight else "") + ("*" if prefix else "") + weight


def _pg_tsquery(words: list[str], lenient: bool, *, title_only: bool = False) -> str:
    weight = "A" if title_only else ""
    if lenient:
        grams = sorted({g for w in words for g in text.word_bigrams(w)})
        return " | ".join(_pg_lexeme(g, weight) for g in grams)
    terms = []
    for word in words:
        alternatives = [_pg_lexeme(word, weight)]
        if len(word) == 1 and text.is_cjk(word):
            alternatives.append(_pg_lexeme(word, weight, prefix=True))
        elif text.is_cjk(word) and len(word) > 2:  # a two-character word is its own bigram
            grams = text.word_bigrams(word)
            alternatives.append("(" + " <-> ".join(_pg_lexeme(g, weight) for g in grams) + ")")
        terms.append("(" + " | ".join(alternatives) + ")")
    return " & ".join(terms)


@dataclass
class _Filters:
    where: str = ""  # " AND ..." over the entry table ``e``
    params: list = field(default_factory=list)
    key_min: int | None = None  # rank-key range (dates)
    key_max: int | None = None

    @property
    def needs_entry(self) -> bool:
        return bool(self.where)


def _filters(
    site: str | None,
    column: str | None,
    kind: str | list[str] | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> _Filters:
    f = _Filters()
    where: list[str] = []
    if site:
        where.append("e.site = %s")
        f.params.append(site)
    if column:
        where.append("e.column = %s")
        f.params.append(column)
    if kind:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        where.append("e.kind IN (" + ", ".join(["%s"] * len(kinds)) + ")")
        f.params.extend(kinds)
    f.where = "".join(f" AND {w}" for w in where)
    # Dates are the high bits of the rank key: a date range is a key range the full-text
    # index answers itself. Entries without a date (key < 2**21) fall outside any range.
    if date_from:
        f.key_min = rank_key(_day_start(date_from), "", "") & ~0x1FFFFF
    if date_to:
        f.key_max = (rank_key(_day_start(date_to) + dt.timedelta(days=1), "", "") & ~0x1FFFFF) - 1
        f.key_min = max(f.key_min or 0, 1 << 21)
    return f


def _day_start(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        value = value.date()
    return timezone.make_aware(dt.datetime.combine(value, dt.time()))


class _Backend(ABC):
    """Runs one full-text expression: a page of rank keys (newest first) or a capped count."""

    def __init__(self, f: _Filters) -> None:
        self.f = f
        self.rows: dict[int, SearchEntry] = {}  # hit rows read with their page (see ``page``)

    def _range(self, column: str) -> tuple[str, list]:
        sql, params = "", []
        if self.f.key_min is not None:
            sql += f" AND {column} >= %s"
            params.append(self.f.key_min)
        if self.f.key_max is not None:
            sql += f" AND {column} <= %s"
            params.append(self.f.key_max)
        return sql, params

    @abstractmethod
    def base(self, expr: str, exclude: str | None) -> tuple[str, list, str]:
        """The FROM/WHERE clause, its parameters and the rank-key column of this backend."""

    def page(self, expr: str, limit: int, offset: int, exclude: str | None = None) -> list:
        """Rank keys of one page, newest first; the hit rows come in the same statement (kept in
        ``rows``): the page of keys is cut first, then joined to its at most ``limit`` rows."""
        if limit <= 0:
            return []
        base, params, key = self.base(expr, exclude)
        quote = connection.ops.quote_name
        columns = ", ".join(f"h.{quote(name)}" for name in ROW_FIELDS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM (SELECT {key} AS k {base} "  # noqa: S608 - fixed names
                "ORDER BY k DESC LIMIT %s OFFSET %s) p "
                "JOIN search_searchentry h ON h.rank_key = p.k ORDER BY p.k DESC",
                [*params, limit, offset],
            )
            found = cursor.fetchall()
        for values in found:
            self.rows[values[0]] = _hit_entry(values)
        return [values[0] for values in found]

    def count(self, expr: str, cap: int, exclude: str | None = None) -> int:
        base, params, _key = self.base(expr, exclude)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT %s) t", [*params, cap])  # noqa: S608
            return cursor.fetchone()[0]

    @abstractmethod
    def ranked(self, expr: str, limit: int, offset: int) -> list:
        """A page of rank keys ordered by relevance (title matches first), then date."""


def _hit_entry(values: tuple) -> SearchEntry:
    data = dict(zip(ROW_FIELDS, values, strict=True))
    date = data["date"]
    if isinstance(date, str):
        date = parse_datetime(date)
    if date is not None and timezone.is_naive(date):  # SQLite keeps UTC without a zone
        date = date.replace(tzinfo=dt.UTC)
    data["date"] = date
    entry = SearchEntry(**data)
    entry._state.adding = False
    return entry


class _Sqlite(_Backend):
    def base(self, expr: str, exclude: str | None) -> tuple[str, list, str]:
        match = f"({expr}) NOT ({exclude})" if exclude else expr
        rng, rng_params = self._range("f.rowid")
        if self.f.needs_entry:
            sql = (
                "FROM search_entry_fts f JOIN search_searchentry e ON e.rank_key = f.rowid "
                f"WHERE search_entry_fts MATCH %s{rng}{self.f.where}"
            )
            return sql, [match, *rng_params, *self.f.params], "f.rowid"
        return (
            f"FROM search_entry_fts f WHERE search_entry_fts MATCH %s{rng}",
            [match, *rng_params],
            "f.rowid",
        )

    def ranked(self, expr: str, limit: int, offset: int) -> list:
        base, params, key = self.base(expr, None)
        score = "bm25(search_entry_fts, 10.0, 2.0, 1.0)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {key} {base} ORDER BY round({score}, 1), {key} DESC LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
            return [row[0] for row in cursor.fetchall()]


class _Postgres(_Backend):
    def base(self, expr: str, exclude: str | None) -> tuple[str, list, str]:
        rng, rng_params = self._range("e.rank_key")
        sql = "FROM search_searchentry e WHERE e.search_vector @@ to_tsquery('simple', %s)"
        params = [expr]
        if exclude:
            sql += " AND NOT e.search_vector @@ to_tsquery('simple', %s)"
            params.append(exclude)
        return sql + rng + self.f.where, [*params, *rng_params, *self.f.params], "e.rank_key"

    def ranked(self, expr: str, limit: int, offset: int) -> list:
        base, params, key = self.base(expr, None)
        score = "ts_rank('{0.05, 0.1, 0.2, 1.0}', e.search_vector, to_tsquery('simple', %s))"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {key} {base} ORDER BY round(({score})::numeric, 2) DESC, {key} DESC "
                "LIMIT %s OFFSET %s",
                [*params, expr, limit, offset],
            )
            return [row[0] for row in cursor.fetchall()]


def _run(
    words: list[str], lenient: bool, f: _Filters, limit: int, offset: int
) -> tuple[list[int], int, bool, dict[int, SearchEntry]]:
    """Rank keys of one page, the (capped) total, and whether the cap was hit.

    Exact pass: entries matching every word in the title, newest first, then the others,
    newest first — each tier read straight off the full-text index in key order, so a page
    costs about the same whether 10 or 50,000 entries match. Lenient pass: scored (BM25 /
    ts_rank, title weighted ×10), since there "how many of the query's bigrams" matters."""
    if connection.vendor == "postgresql":
        backend: _Backend = _Postgres(f)
        build = _pg_tsquery
    else:
        backend = _Sqlite(f)
        build = _sqlite_match
    full = build(words, lenient)
    if lenient:
        # Scored, so the title column alone first (short rows, cheap), the whole entry only
        # when no title comes close.
        title = build(words, lenient, title_only=True)
        total = backend.count(title, COUNT_CAP + 1)
        if total:
            keys = backend.ranked(title, limit, offset)
            return keys, min(total, COUNT_CAP), total > COUNT_CAP, backend.rows
        keys = backend.ranked(full, limit, offset)
    else:
        title = build(words, lenient, title_only=True)
        keys = backend.page(title, limit, offset)
        if len(keys) < limit:
            title_count = (
                offset + len(keys) if keys or offset == 0 else backend.count(title, offset)
            )
            keys += backend.page(
                full, limit - len(keys), max(0, offset - title_count), exclude=title
            )
    if offset == 0 and len(keys) < limit:
        return keys, len(keys), False, backend.rows
    total = backend.count(full, COUNT_CAP + 1)
    return keys, min(total, COUNT_CAP), total > COUNT_CAP, backend.rows


def search_query(
    q: str,
    *,
    site: str | None = None,
    column: str | None = None,
    kind: str | list[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchResults:
    """Search the index. Never raises on odd input: any text is a valid query (FTS syntax
    characters are not syntax here); an empty query gives no results."""
    per_page = max(1, min(int(per_page), 100))
    page = max(1, min(int(page), MAX_PAGE))
    words = text.query_words(q or "")[:MAX_WORDS]
    results = SearchResults(q=q or "", words=words, page=page, per_page=per_page)
    if not words:
        return results
    filters = _filters(site, column, kind, date_from, date_to)
    offset = (page - 1) * per_page
    keys, total, capped, entries = _run(words, False, filters, per_page, offset)
    if total == 0 and any(len(g) == 2 for w in words for g in text.word_bigrams(w)):
        keys, total, capped, entries = _run(words, True, filters, per_page, offset)
        results.lenient = total > 0
    results.total, results.total_capped = total, capped
    if not keys:
        return results
    missing = [k for k in keys if k not in entries]  # the scored (lenient) pass reads keys only
    if missing:
        entries.update(
            (e.rank_key, e)
            for e in SearchEntry.objects.filter(rank_key__in=missing).only(*HIT_FIELDS)
        )
    marks = words + ([g for w in words for g in text.word_bigrams(w)] if results.lenient else [])
    for position, key in enumerate(keys):
        entry = entries.get(key)
        if entry is None:  # deleted between the two statements
            continue
        results.hits.append(
            Hit(
                entry=entry,
                title_html=text.highlight(entry.title, marks),
                excerpt_html=text.highlight(entry.body, marks, limit=EXCERPT),
                position=offset + position + 1,
            )
        )
    return results


def search_facets() -> dict[str, list[tuple[str, str]]]:
    """The values the filters offer: sites and kinds present in the index."""
    sites = (
        SearchEntry.objects.exclude(site="")
        .values_list("site", "site_label")
        .distinct()
        .order_by("site")
    )
    # The portal first, then the sub-sites by name.
    return {"sites": sorted(sites, key=lambda s: (s[0] != "portal", s[1]))}


def site_columns(site: str) -> list[tuple[str, str]]:
    return list(
        SearchEntry.objects.filter(site=site)
        .exclude(column="")
        .values_list("column", "column_label")
        .distinct()
        .order_by("column_label")
    )
