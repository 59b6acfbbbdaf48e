"""The search index: one row per findable thing, fed by registered sources.

The full-text structure lives beside the table and is kept in sync by the database itself:
on SQLite an FTS5 external-content table ``search_entry_fts`` with triggers, on PostgreSQL a
stored generated ``search_vector`` column with a GIN index (migration 0002). Django never
writes either, so ``bulk_create`` and plain updates keep the index right.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PAGE = "page", _("Page")
    ATTACHMENT = "attachment", _("Attachment")
    SERVICE = "service", _("Service item")
    DISCLOSURE = "disclosure", _("Disclosure catalogue item")


class SearchEntry(models.Model):
    source = models.CharField(_("source"), max_length=40)
    key = models.CharField(_("object key"), max_length=120)
    site = models.CharField(_("site"), max_length=80, blank=True, db_index=True)
    site_label = models.CharField(_("site name"), max_length=200, blank=True)
    column = models.CharField(_("column"), max_length=120, blank=True, db_index=True)
    column_label = models.CharField(_("column name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=500)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("address"), max_length=500)
    date = models.DateTimeField(_("date"), null=True, blank=True, db_index=True)
    # Space-separated: jieba search-mode words + CJK bigrams of the title; words of the body;
    # CJK bigrams of the body (see zhengwu.search.text).
    title_tokens = models.TextField(editable=False, blank=True)
    tokens = models.TextField(editable=False, blank=True)
    grams = models.TextField(editable=False, blank=True)
    # Orders results newest first and is the full-text rowid (see actions.rank_key): the
    # full-text index walks it backwards and stops after one page instead of sorting all hits.
    rank_key = models.BigIntegerField(editable=False, unique=True)
    indexed_at = models.DateTimeField(_("indexed at"), auto_now=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="search_entry_source_key")
        ]

    def __str__(self) -> str:
        return self.title
