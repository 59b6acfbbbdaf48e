"""Forms of the department pages. They parse types only; the rules live in ``rules.check_item``
(run by the actions), whose problems the views put back next to the fields."""

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengwu.eservices.models import (
    Audience,
    HandlingLevel,
    ItemType,
    LifeEvent,
    Material,
    OnlineDepth,
    ServiceItem,
    Topic,
)
from zhengwu.files.forms import StoredFileField

TEXTAREA = forms.Textarea(attrs={"rows": 4})


class ItemForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    organisation = forms.ModelChoiceField(queryset=None, label=_("implementing organisation"))
    name = forms.CharField(label=_("item name"), max_length=200)
    code = forms.CharField(
        label=_("implementation code"),
        max_length=80,
        help_text=_(
            "Unique; letters, digits and hyphens, e.g. the code of the provincial "
            "implementation list."
        ),
    )
    item_type = forms.ChoiceField(label=_("item type"), choices=ItemType.choices)
    handling_level = forms.ChoiceField(label=_("handling level"), choices=HandlingLevel.choices)
    audience = forms.ChoiceField(label=_("audience"), choices=Audience.choices)
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.all(),
        required=False,
        label=_("topics"),
        widget=forms.CheckboxSelectMultiple,
    )
    life_events = forms.ModelMultipleChoiceField(
        queryset=LifeEvent.objects.all(),
        required=False,
        label=_("life events"),
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(label=_("item summary"), required=False, widget=TEXTAREA)
    legal_basis = forms.CharField(
        label=_("legal basis"),
        widget=TEXTAREA,
        help_text=_("The laws and regulations that set up the item, with article numbers."),
    )
    conditions = forms.CharField(label=_("conditions for acceptance"), widget=TEXTAREA)
    process_description = forms.CharField(label=_("process"), widget=TEXTAREA)
    statutory_limit_days = forms.IntegerField(
        label=_("statutory time limit (working days)"),
        required=False,
        help_text=_("Leave empty when no law sets a time limit."),
    )
    promised_limit_days = forms.IntegerField(
        label=_("promised time limit (working days)"),
        help_text=_("0 means handled on the spot; never more than the statutory limit."),
    )
    service_location = forms.CharField(
        label=_("where to go in person"), required=False, widget=TEXTAREA
    )
    service_hours = forms.CharField(label=_("opening hours"), required=False, max_length=300)
    visits_required = forms.IntegerField(label=_("visits in person"), initial=0)
    contact_phone = forms.CharField(label=_("enquiry telephone"), required=False, max_length=60)
    complaint_phone = forms.CharField(
        label=_("supervision telephone"), required=False, max_length=60
    )
    online_depth = forms.TypedChoiceField(
        label=_("online depth"), choices=OnlineDepth.choices, coerce=int
    )
    form_schema = forms.CharField(
        label=_("application form (JSON Schema)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_(
            "A JSON Schema of type “object” describing the online application form; "
            "leave empty until the form is designed."
        ),
    )
    process_key = forms.CharField(
        label=_("case process key"),
        required=False,
        max_length=100,
        help_text=_("Key of the BPMN process that handles applications for this item."),
    )

    licence_type = forms.ChoiceField(
        label=_("licence type on approval"),
        required=False,
        help_text=_("The electronic licence issued when an application is approved."),
    )
    joint_organisations = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label=_("joint handling departments"),
        help_text=_(
            "一件事一次办: departments that review every application in parallel "
            "(hold Ctrl to choose several)."
        ),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        from zhengwu.directory.models import Organisation
        from zhengwu.licences.models import LicenceType
        from zhengwu.licences.types import licence_types_ensure

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        licence_types_ensure()
        self.fields["licence_type"].choices = [
            ("", _("none")),
            *LicenceType.objects.filter(is_active=True).values_list("code", "name"),
        ]
        self.fields["joint_organisations"].queryset = Organisation.objects.filter(
            is_active=True
        ).order_by("sort_path")

    def clean_form_schema(self) -> dict[str, Any]:
        text = self.cleaned_data.get("form_schema", "").strip()
        if not text:
            return {}
        try:
            return json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("This is not valid JSON.")) from None


class MaterialForm(forms.Form):
    material_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("material name"), max_length=200)
    required = forms.BooleanField(label=_("required"), required=False, initial=True)
    form = forms.ChoiceField(label=_("form of material"), choices=Material.Form.choices)
    copies = forms.IntegerField(label=_("number of copies"), initial=1, min_value=1, max_value=99)
    notes = forms.CharField(label=_("notes"), required=False, max_length=2000)
    blank_form = StoredFileField(label=_("blank form"), preset="documents", required=False)
    remove_blank_form = forms.BooleanField(label=_("remove the blank form"), required=False)
    sample = StoredFileField(label=_("filled-in sample"), preset="scans", required=False)
    remove_sample = forms.BooleanField(label=_("remove the sample"), required=False)


class FeeForm(forms.Form):
    name = forms.CharField(label=_("fee name"), max_length=200)
    amount = forms.DecimalField(
        label=_("amount (yuan)"), max_digits=12, decimal_places=2, min_value=0
    )
    unit = forms.CharField(label=_("charged per"), required=False, max_length=40)
    basis = forms.CharField(label=_("charging basis"), max_length=2000)


class FaqForm(forms.Form):
    question = forms.CharField(label=_("question"), max_length=300)
    answer = forms.CharField(
        label=_("answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


MaterialFormSet = forms.formset_factory(
    MaterialForm, extra=2, can_delete=True, max_num=60, validate_max=True
)
FeeFormSet = forms.formset_factory(FeeForm, extra=1, can_delete=True, max_num=30, validate_max=True)
FaqFormSet = forms.formset_factory(FaqForm, extra=2, can_delete=True, max_num=60, validate_max=True)


class TakeOfflineForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ImportForm(forms.Form):
    workbook = StoredFileField(label=_("Excel workbook (.xlsx)"), preset="spreadsheets")


def item_initial(item: ServiceItem) -> dict[str, Any]:
    fields = [
        "name",
        "code",
        "item_type",
        "handling_level",
        "audience",
        "summary",
        "legal_basis",
        "conditions",
        "process_description",
        "statutory_limit_days",
        "promised_limit_days",
        "service_location",
        "service_hours",
        "visits_required",
        "contact_phone",
        "complaint_phone",
        "online_depth",
        "process_key",
        "licence_type",
        "version",
    ]
    initial = {name: getattr(item, name) for name in fields}
    initial["organisation"] = item.organisation_id
    initial["topics"] = [t.pk for t in item.topics.all()]
    initial["life_events"] = [e.pk for e in item.life_events.all()]
    initial["joint_organisations"] = [o.pk for o in item.joint_organisations.all()]
    initial["form_schema"] = (
        json.dumps(item.form_schema, ensure_ascii=False, indent=2) if item.form_schema else ""
    )
    return initial
