"""Forms of the drafting pages; they only parse — ``rules.check`` validates in the action."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengwu.core.idempotency import IdempotentFormMixin
from zhengwu.directory.models import Organisation
from zhengwu.documents.models import DocType, OfficialDocument, SecurityLevel, Urgency
from zhengwu.documents.rules import DocumentInput
from zhengwu.files.forms import StoredFileField


def _orgs() -> Any:
    return Organisation.objects.filter(is_active=True).order_by("sort_path")


class OrgChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class DocumentForm(IdempotentFormMixin, forms.Form):
    register = forms.ModelChoiceField(
        queryset=None, label=_("issuer code (机关代字)"), empty_label=None
    )
    doc_type = forms.ChoiceField(label=_("type"), choices=DocType.choices, initial="notice")
    title = forms.CharField(label=_("title"), max_length=200)
    main_recipients = OrgChoiceField(
        queryset=_orgs(), label=_("main recipients"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )  # fmt: skip
    main_recipients_text = forms.CharField(
        label=_("main recipients (text, e.g. 各县（市、区）人民政府)"),
        max_length=500,
        required=False,
    )
    body = forms.CharField(
        label=_("document body"),
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_("One paragraph per line. Headings: 一、 （一） 1. （1）"),
    )
    attachment_names = forms.CharField(
        label=_("attachments (one name per line)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    countersign_departments = OrgChoiceField(
        queryset=_orgs(), label=_("countersigning departments (会签)"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )  # fmt: skip
    cc_recipients = OrgChoiceField(
        queryset=_orgs(), label=_("copied to"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )  # fmt: skip
    cc_text = forms.CharField(label=_("copied to (text)"), max_length=500, required=False)
    security_level = forms.ChoiceField(
        label=_("security level"), choices=SecurityLevel.choices, initial="none"
    )
    security_years = forms.IntegerField(
        label=_("secrecy period (years)"), required=False, min_value=1, max_value=30
    )
    copy_number = forms.CharField(label=_("copy number (份号)"), max_length=6, required=False)
    urgency = forms.ChoiceField(label=_("urgency"), choices=Urgency.choices, initial="none")
    issuer_signature = forms.CharField(
        label=_("issuing organisation (署名)"), max_length=100, required=False
    )
    doc_date = forms.DateField(
        label=_("date of the document (成文日期)"), required=False,
        help_text=_("Empty: the date the leader signs it off."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    note = forms.CharField(label=_("note (附注)"), max_length=200, required=False)
    printing_org = forms.CharField(label=_("printed by (印发机关)"), max_length=100, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, registers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["register"].queryset = registers
        for name in ("main_recipients", "countersign_departments", "cc_recipients"):
            self.fields[name].queryset = _orgs()

    def document_input(self) -> DocumentInput:
        d = self.cleaned_data
        return DocumentInput(
            doc_type=d["doc_type"],
            title=d["title"],
            body=d["body"],
            issuer_signature=d.get("issuer_signature") or "",
            copy_number=d.get("copy_number") or "",
            security_level=d["security_level"],
            security_years=d.get("security_years"),
            urgency=d["urgency"],
            main_recipients=list(d.get("main_recipients") or []),
            main_recipients_text=d.get("main_recipients_text") or "",
            cc_recipients=list(d.get("cc_recipients") or []),
            cc_text=d.get("cc_text") or "",
            countersign_departments=list(d.get("countersign_departments") or []),
            attachment_names=d.get("attachment_names") or "",
            doc_date=d.get("doc_date"),
            note=d.get("note") or "",
            printing_org=d.get("printing_org") or "",
        )


def initial_of(doc: OfficialDocument) -> dict[str, Any]:
    return {
        "register": doc.register_id,
        "doc_type": doc.doc_type,
        "title": doc.title,
        "main_recipients": list(doc.main_recipients.all()),
        "main_recipients_text": doc.main_recipients_text,
        "body": doc.body,
        "attachment_names": doc.attachment_names,
        "countersign_departments": list(doc.countersign_departments.all()),
        "cc_recipients": list(doc.cc_recipients.all()),
        "cc_text": doc.cc_text,
        "security_level": doc.security_level,
        "security_years": doc.security_years,
        "copy_number": doc.copy_number,
        "urgency": doc.urgency,
        "issuer_signature": doc.issuer_signature,
        "doc_date": doc.doc_date,
        "note": doc.note,
        "printing_org": doc.printing_org,
        "version": doc.version,
    }


class AttachmentForm(forms.Form):
    file = StoredFileField(preset="documents", label=_("attachment"))
