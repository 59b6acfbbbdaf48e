"""The portal's additions to Wagtail's admin: word list and 政务公开 catalogue as snippets, the
prohibited-word warnings and the audited override."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from zhengwu.core.errors import ApplicationError
from zhengwu.portal import actions, guards, report_views
from zhengwu.portal.models import DisclosureItem, ReviewDeadline, SensitiveWord


class SensitiveWordViewSet(SnippetViewSet):
    model = SensitiveWord
    icon = "warning"
    menu_label = _("Prohibited words")
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["word", "note", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["word", "note"]


class DisclosureItemViewSet(SnippetViewSet):
    model = DisclosureItem
    icon = "list-ul"
    menu_label = _("Disclosure catalogue")
    menu_order = 310
    add_to_admin_menu = True
    list_display = ["index_number", "title", "organisation", "published_on", "validity"]
    list_filter = ["topic", "genre", "validity"]
    search_fields = ["title", "document_number"]
    list_per_page = 50
    panels = [
        FieldPanel("title"), FieldPanel("organisation"), FieldPanel("document_number"),
        FieldPanel("generated_on"), FieldPanel("published_on"), FieldPanel("topic"),
        FieldPanel("genre"), FieldPanel("validity"), FieldPanel("summary"), FieldPanel("page"),
        FieldPanel("document"),
    ]  # fmt: skip


class ReviewDeadlineViewSet(SnippetViewSet):
    model = ReviewDeadline
    icon = "time"
    menu_label = _("Review time limits")
    menu_order = 320
    add_to_admin_menu = True
    list_display = ["task", "working_days"]


register_snippet(SensitiveWordViewSet)
register_snippet(ReviewDeadlineViewSet)
register_snippet(DisclosureItemViewSet)


def _after_save(request: HttpRequest, page: Any) -> None:
    """Record a reviewer's override (audited) or warn the editor about hits in a saved draft."""
    form_hits = getattr(page, "_sensitive_hits", None)
    reason = getattr(page, "_sensitive_override", "")
    if not form_hits:
        return
    if reason:
        try:
            actions.sensitive_override_record(
                actor=request.user, page=page, hits=form_hits, reason=reason
            )
        except ApplicationError as error:
            messages.error(request, str(error.message))
        return
    words = "、".join(sorted({hit.word for hit in form_hits}))
    messages.warning(request, gettext(
        "The draft was saved, but it contains prohibited words (%(words)s); it cannot be "
        "published until they are changed or a reviewer overrides them with a reason."
    ) % {"words": words})  # fmt: skip


hooks.register("after_create_page", _after_save)
hooks.register("after_edit_page", _after_save)

# Publishing paths that bypass the page editor's form (zhengwu.portal.guards).
hooks.register("before_bulk_action", guards.before_bulk_action)
hooks.register("before_copy_page", guards.before_copy_page)

# Inspection reports (zhengwu.portal.reports) in the "Reports" menu.
hooks.register("register_admin_urls", report_views.admin_urls)
hooks.register("register_reports_menu_item", report_views.freshness_menu_item)
hooks.register("register_reports_menu_item", report_views.links_menu_item)
