import ipaddress
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengwu.audit.selectors import AuditEntryFilters


class AuditSearchForm(forms.Form):
    """The auditor's search; every field optional, all of them combined with AND."""

    KIND_CHOICES = [
        ("", _("Changes and sensitive reads")),
        ("changes", _("Changes only")),
        ("reads", _("Sensitive reads only")),
    ]

    actor = forms.CharField(label=_("Actor (user name)"), max_length=150, required=False)
    action = forms.CharField(
        label=_("Action starts with"), max_length=100, required=False,
        help_text=_("For example directory. or directory.account.create"),
    )  # fmt: skip
    object_type = forms.CharField(
        label=_("Object type"), max_length=100, required=False,
        help_text=_("For example directory.account"),
    )  # fmt: skip
    object_id = forms.CharField(label=_("Object id"), max_length=64, required=False)
    text = forms.CharField(
        label=_("Object name or reason contains"), max_length=200, required=False
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ip = forms.CharField(label=_("IP address"), max_length=45, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES, required=False)

    def clean_ip(self) -> str:
        value = self.cleaned_data["ip"].strip()
        if not value:
            return ""
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise forms.ValidationError(
                _("Enter a complete IPv4 or IPv6 address, such as 10.1.2.3."), code="invalid_ip"
            ) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data

    def to_filters(self) -> AuditEntryFilters:
        data = self.cleaned_data
        return AuditEntryFilters(
            actor=data["actor"].strip(),
            action=data["action"].strip(),
            object_type=data["object_type"].strip().lower(),
            object_id=data["object_id"].strip(),
            text=data["text"].strip(),
            date_from=data["date_from"],
            date_to=data["date_to"],
            ip=data["ip"],
            kind=data["kind"],
        )


class ReadPurposeForm(forms.Form):
    """Why the auditor opens audit entries (个人信息保护法: reads of personal data need one)."""

    purpose = forms.CharField(
        label=_("Purpose of the inspection"), max_length=200, strip=True,
        help_text=_("For example: investigation of ticket 2025-031. Every entry you open is "
                    "recorded with this purpose."),
    )  # fmt: skip
