"""Official documents (公文): drafting, sign-off, numbering, GB/T 9704 rendering, sealing."""

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "zhengwu.documents"
    verbose_name = _("Official documents")

    def ready(self) -> None:
        from zhengwu.core.registry import MenuItem, Shortcut, register_demo_loader, workbench
        from zhengwu.documents import demo
        from zhengwu.documents.actions import (
            ATTACHMENT_PURPOSE,
            PDF_PURPOSE,
            SUBJECT_TYPE,
            outgoing_step,
        )
        from zhengwu.files.registry import register_read_rule
        from zhengwu.workflow.registry import register_subject_type

        workbench.register_menu(
            MenuItem(
                "documents.list",
                _("Official documents"),
                "documents:list",
                order=45,
                permissions=("documents.view_officialdocument",),
            )
        )
        workbench.register_shortcut(
            Shortcut(
                "documents.create",
                _("Draft a document"),
                "documents:create",
                description=_("Draft an official document (发文拟稿)."),
                order=45,
                permissions=("documents.draft_officialdocument",),
            )
        )
        register_subject_type(
            SUBJECT_TYPE, _("official document"), resolve=_resolve, on_step=outgoing_step
        )
        from zhengwu.documents.actions import clearance_rank
        from zhengwu.exchange.clearance import register_clearance_rule

        # received documents obey the same per-person clearance as our own (密级)
        register_clearance_rule(clearance_rank)
        from zhengwu.exchange.receiving import register_reply_starter

        register_reply_starter(_reply_url)
        register_read_rule(PDF_PURPOSE, _may_read_file)
        register_read_rule(ATTACHMENT_PURPOSE, _may_read_file)
        register_demo_loader("documents", demo.load, order=demo.ORDER)


def _resolve(owner_id: str) -> tuple[str, str] | None:
    from django.urls import reverse

    from zhengwu.documents.models import OfficialDocument

    doc = (
        OfficialDocument.objects.filter(pk=int(owner_id)).only("title", "doc_number").first()
        if owner_id.isdigit()
        else None
    )
    if doc is None:
        return None
    label = f"{doc.doc_number} {doc.title}" if doc.doc_number else doc.title
    return label, reverse("documents:detail", args=[doc.pk])


def _reply_url(received: Any) -> str:
    from django.urls import reverse

    return reverse("documents:reply", args=[received.pk])


def _may_read_file(actor: Any, stored_file: Any) -> bool:
    """Whoever may open the document may download its sealed PDF and attachments."""
    from django.db.models import Q

    from zhengwu.documents.actions import document_opened
    from zhengwu.documents.models import OfficialDocument
    from zhengwu.documents.selectors import may_view

    for doc in OfficialDocument.objects.filter(
        Q(pdf=stored_file) | Q(attachments=stored_file)
    ).distinct()[:5]:
        if may_view(actor, doc):
            document_opened(actor=actor, document=doc, purpose="download")
            return True
    return False
