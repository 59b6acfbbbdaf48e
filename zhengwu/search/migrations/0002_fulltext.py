"""Full-text structures per database vendor (see zhengwu.search.models)."""

from django.db import migrations

SQLITE_UP = [
    """CREATE VIRTUAL TABLE search_entry_fts USING fts5(
        title_tokens, tokens, grams,
        content='search_searchentry', content_rowid='rank_key',
        tokenize='unicode61 remove_diacritics 0'
    )""",
    """CREATE TRIGGER search_entry_ai AFTER INSERT ON search_searchentry BEGIN
        INSERT INTO search_entry_fts(rowid, title_tokens, tokens, grams)
        VALUES (new.rank_key, new.title_tokens, new.tokens, new.grams);
    END""",
    """CREATE TRIGGER search_entry_ad AFTER DELETE ON search_searchentry BEGIN
        INSERT INTO search_entry_fts(search_entry_fts, rowid, title_tokens, tokens, grams)
        VALUES ('delete', old.rank_key, old.title_tokens, old.tokens, old.grams);
    END""",
    """CREATE TRIGGER search_entry_au AFTER UPDATE ON search_searchentry BEGIN
        INSERT INTO search_entry_fts(search_entry_fts, rowid, title_tokens, tokens, grams)
        VALUES ('delete', old.rank_key, old.title_tokens, old.tokens, old.grams);
        INSERT INTO search_entry_fts(rowid, title_tokens, tokens, grams)
        VALUES (new.rank_key, new.title_tokens, new.tokens, new.grams);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_entry_au",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_ai",
    "DROP TABLE IF EXISTS search_entry_fts",
]
# 'simple' = no stemming, no stop words: the text is already segmented by jieba.
POSTGRES_UP = [
    """ALTER TABLE search_searchentry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, title_tokens), 'A')
        || setweight(to_tsvector('simple'::regconfig, tokens), 'B')
        || setweight(to_tsvector('simple'::regconfig, grams), 'D')
    ) STORED""",
    "CREATE INDEX search_entry_vector ON search_searchentry USING gin (search_vector)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS search_entry_vector",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS search_vector",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
