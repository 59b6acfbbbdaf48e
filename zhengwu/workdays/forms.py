"""Forms of the calendar pages. They parse input; the rules live in ``actions``."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhengwu.core.errors import ValidationFailed
from zhengwu.workdays.models import CalendarDay

MAX_COUNT = 3650  # ten years of working days: beyond any time limit in the platform


class CalendarDayForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (CalendarDay.Kind.HOLIDAY, _("Statutory holiday (not a working day)")),
            (CalendarDay.Kind.MAKEUP_WORKDAY, _("Make-up workday (a working Saturday or Sunday)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the kind of day.")},
    )
    name = forms.CharField(
        label=_("Holiday name"),
        max_length=100,
        required=False,
        help_text=_(
            "For example National Day; for a make-up workday, the holiday it makes up for."
        ),
    )
    note = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the State Council notice on the year's holiday arrangements."),
        error_messages={"required": _("Enter the reason for the change.")},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Enter the reason for the change.")},
    )


class YearForm(forms.Form):
    year = forms.IntegerField(
        min_value=1900,
        max_value=2200,
        error_messages={"required": _("Choose a year."), "invalid": _("Choose a year.")},
    )


class ConfirmYearForm(YearForm):
    note = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Enter the reason for the change.")},
    )


class DueDateForm(forms.Form):
    start = forms.DateField(
        label=_("Start date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day the matter was accepted; counting starts on the next day."),
        error_messages={
            "required": _("Enter the start date."),
            "invalid": _("Enter the start date as YYYY-MM-DD."),
        },
    )
    days = forms.IntegerField(
        label=_("Working days"),
        min_value=-MAX_COUNT,
        max_value=MAX_COUNT,
        help_text=_("A negative number counts backwards."),
        error_messages={
            "required": _("Enter the number of working days."),
            "invalid": _("Enter a whole number of working days."),
        },
    )

    def clean_start(self) -> Any:
        start = self.cleaned_data["start"]
        if not 1900 <= start.year <= 2200:
            raise forms.ValidationError(_("The calendar covers the years 1900 to 2200."))
        return start


def add_action_error(form: forms.Form, error: ValidationFailed) -> None:
    """Show an action's validation error next to the field it names, or above the form."""
    field: Any = error.data.get("field")
    form.add_error(field if field in form.fields else None, str(error.message))
