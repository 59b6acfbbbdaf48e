"""The prohibited-word check on publishing paths that bypass the page editor's form: the bulk
"publish" action (with or without draft descendants) and "copy and publish the copies".

What is checked is the content that would go live — the latest revision of each page. A page
passes when it has no hits, or when a reviewer already recorded an override (with a reason, in
the editor) for exactly these hits (same content digest); otherwise the whole action is refused
with one line per hit and nothing is published.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from wagtail.models import Page

from zhengwu.portal import sensitive

# Page fields that are addresses or tree bookkeeping, not text a reader sees.
SKIPPED_FIELDS = {"slug", "url_path", "path", "draft_title", "latest_revision_created_at"}


def page_texts(page: Any) -> list[tuple[str, str]]:
    """(label, plain text) of every free-text field of a page object (e.g. a revision's)."""
    texts = []
    for field in page._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS or field.choices:
            continue
        if not isinstance(field, models.CharField | models.TextField):
            continue
        value = getattr(page, field.attname, None)
        if not isinstance(value, str) or not value:
            continue
        text = sensitive.html_to_text(value) if isinstance(field, models.TextField) else value
        texts.append((str(field.verbose_name), text))
    return texts


def content_to_publish(page: Page) -> Any:
    """The specific page as it would go live: its latest revision, else the page itself."""
    revision = page.get_latest_revision()
    return revision.as_object() if revision is not None else page.specific


def unresolved_hits(page: Page, content: Any = None) -> list[sensitive.Hit]:
    """Hits in what would be published (``content``, by default the latest revision), unless a
    reviewer overrode exactly these hits."""
    from zhengwu.portal.actions import content_digest
    from zhengwu.portal.models import SensitiveWordOverride
    from zhengwu.portal.selectors import sensitive_matcher

    matcher = sensitive_matcher()
    if not matcher:
        return []
    if content is None:
        content = content_to_publish(page)
    hits = [hit for label, text in page_texts(content) for hit in matcher.find(text, label)]
    if hits and SensitiveWordOverride.objects.filter(
        page_id=page.pk, content_digest=content_digest(hits)
    ).exists():
        return []
    return hits


def refusal_lines(pages_hits: list[tuple[Page, list[sensitive.Hit]]]) -> list[str]:
    from zhengwu.portal.forms import hits_message

    lines = [gettext(
        "Nothing was published: pages contain prohibited words. Open each page, change the "
        "words or, as a reviewer, publish it from the editor with a reason."
    )]  # fmt: skip
    for page, hits in pages_hits:
        lines.append(f"《{page.title}》")
        lines += hits_message(hits)[1:]
    return lines


def blocked_pages(pages: list[Page]) -> list[tuple[Page, list[sensitive.Hit]]]:
    found = []
    for page in pages:
        hits = unresolved_hits(page)
        if hits:
            found.append((page, hits))
    return found


def _refuse(request: HttpRequest, blocked: list[tuple[Page, list[sensitive.Hit]]],
            next_url: str) -> HttpResponse:  # fmt: skip
    messages.error(request, "\n".join(refusal_lines(blocked)))
    return redirect(next_url or "wagtailadmin_home")


def before_bulk_action(
    request: HttpRequest, action_type: str, objects: list[Any], action: Any
) -> HttpResponse | None:
    """Wagtail's ``before_bulk_action`` hook: refuse a bulk publish with listed words."""
    if action_type != "publish" or not objects or not isinstance(objects[0], Page):
        return None
    pages = list(objects)
    form = getattr(action, "cleaned_form", None)
    if form is not None and form.cleaned_data.get("include_descendants"):
        for page in objects:
            pages += list(page.get_descendants().not_live())
    blocked = blocked_pages(pages)
    if not blocked:
        return None
    return _refuse(request, blocked, getattr(action, "next_url", ""))


def before_copy_page(request: HttpRequest, page: Page) -> HttpResponse | None:
    """Wagtail's ``before_copy_page`` hook: "publish copies" puts the source's live content
    live again under a new address, so the same check applies."""
    if request.method != "POST" or not _checked(request, "publish_copies"):
        return None
    pages = [page]
    if _checked(request, "copy_subpages"):
        pages += list(page.get_descendants().live())
    # Wagtail copies the page rows, i.e. the live content, and keeps live copies live.
    blocked = [(p, hits) for p in pages if (hits := unresolved_hits(p, p.specific))]
    if not blocked:
        return None
    return _refuse(request, blocked, request.POST.get("next", "") or request.path)


def _checked(request: HttpRequest, name: str) -> bool:
    return request.POST.get(name, "").lower() in ("on", "true", "1")
