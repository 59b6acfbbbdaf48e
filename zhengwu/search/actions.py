"""Writing the index. Index rows are derived data (rebuilt by ``search_reindex``), not a
record of anyone's decision, so these functions are not audited; the sources' own actions
(publish, take offline) are."""

import datetime as dt
import zlib
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone

from zhengwu.search import text
from zhengwu.search.models import SearchEntry
from zhengwu.search.registry import Entry, sources

# Indexed lengths: enough for any article; keeps PostgreSQL's tsvector positions (≤ 16383)
# meaningful for phrases and the rows small.
BODY_MAX = 20_000
GRAMS_MAX = 8_000
BATCH = 1_000


def _date(value: dt.datetime | dt.date | None) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def rank_key(date: dt.datetime | None, source: str, key: str) -> int:
    """Seconds since the epoch in the high bits (newest = largest), a hash of the entry in
    the low 21 bits to keep keys apart within one second; collisions are moved by
    ``_assign_rank_keys``."""
    seconds = int(date.timestamp()) if date else 0
    return (seconds << 21) | (zlib.crc32(f"{source}\0{key}".encode()) & 0x1FFFFF)


def _assign_rank_keys(rows: list[SearchEntry]) -> None:
    """Give each row a rank key unused in the table and in the batch (call inside the
    transaction that inserts them, after deleting the rows they replace)."""
    for row in rows:
        row.rank_key = rank_key(row.date, row.source, row.key)
    taken = set(
        SearchEntry.objects.filter(rank_key__in=[r.rank_key for r in rows]).values_list(
            "rank_key", flat=True
        )
    )
    for row in rows:
        while row.rank_key in taken:
            row.rank_key += 1
            if SearchEntry.objects.filter(rank_key=row.rank_key).exists():
                taken.add(row.rank_key)
        taken.add(row.rank_key)


def _row(source: str, entry: Entry) -> SearchEntry:
    body = (entry.body or "")[:BODY_MAX]
    title = (entry.title or "")[:500]
    return SearchEntry(
        source=source,
        key=entry.key[:120],
        site=entry.site[:80],
        site_label=entry.site_label[:200],
        column=entry.column[:120],
        column_label=entry.column_label[:200],
        kind=entry.kind,
        title=title,
        body=body,
        url=entry.url[:500],
        date=_date(entry.date),
        # The title's bigrams go with its words: title phrases then match in the title column.
        title_tokens=f"{text.index_text(title)} {text.index_grams(title)}".strip(),
        tokens=text.index_text(body),
        grams=text.index_grams(body[:GRAMS_MAX]),
    )


def _batches(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def index_upsert(source: str, entries: Entry | Iterable[Entry]) -> int:
    """Add or replace entries of ``source`` (by key). Returns how many were written."""
    if isinstance(entries, Entry):
        entries = [entries]
    count = 0
    for batch in _batches(entries, BATCH):
        rows = {row.key: row for row in (_row(source, e) for e in batch)}
        count += _replace(source, list(rows.values()))
    return count


def _replace(source: str, rows: list[SearchEntry]) -> int:
    with transaction.atomic():
        SearchEntry.objects.filter(source=source, key__in=[r.key for r in rows]).delete()
        _assign_rank_keys(rows)
        SearchEntry.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def index_delete(source: str, keys: str | Iterable[str] = (), *, key_prefix: str = "") -> int:
    """Remove entries of ``source`` by key, or all whose key starts with ``key_prefix``."""
    if isinstance(keys, str):
        keys = [keys]
    keys = list(keys)
    deleted = 0
    if keys:
        deleted += SearchEntry.objects.filter(source=source, key__in=keys).delete()[0]
    if key_prefix:
        deleted += SearchEntry.objects.filter(source=source, key__startswith=key_prefix).delete()[0]
    return deleted


def index_bulk_load(rows: Iterable[SearchEntry], *, batch_size: int = 5_000) -> int:
    """Insert prepared rows (tokens already filled) without deleting anything: the fast path
    for benchmarks and first loads. Keys must be new."""
    count = 0
    for batch in _batches(rows, batch_size):
        with transaction.atomic():
            _assign_rank_keys(batch)
            SearchEntry.objects.bulk_create(batch, batch_size=batch_size)
        count += len(batch)
    index_optimize()
    return count


def index_optimize() -> None:
    """After a bulk write: SQLite merges the full-text index into one segment (a bulk load
    leaves one per batch, and every query reads every segment: ~10x slower); PostgreSQL
    refreshes the planner's statistics (without them it may scan instead of using the index)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO search_entry_fts(search_entry_fts) VALUES('optimize')")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE search_searchentry")


def search_reindex(
    source_keys: Iterable[str] | None = None,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Rebuild the entries of the given sources (all registered ones by default): each
    source's rows are replaced in one transaction, so searches never see it half-empty."""
    registered = sources()
    wanted = list(source_keys) if source_keys else list(registered)
    unknown = [k for k in wanted if k not in registered]
    if unknown:
        raise KeyError(", ".join(unknown))
    counts: dict[str, int] = {}
    for key in wanted:
        count = 0
        with transaction.atomic():
            SearchEntry.objects.filter(source=key).delete()
            for batch in _batches(registered[key].iter_entries(), BATCH):
                rows = list({row.key: row for row in (_row(key, e) for e in batch)}.values())
                _assign_rank_keys(rows)
                SearchEntry.objects.bulk_create(rows, batch_size=BATCH)
                count += len(rows)
                if progress:
                    progress(key, count)
        counts[key] = count
    index_optimize()
    return counts
