from django import forms
from django.utils.translation import gettext_lazy as _

from zhengwu.licences.models import LicenceStatus

# A licence PDF is ~100–300 KB; a verifier has no business uploading more.
VERIFY_MAX_BYTES = 10 * 1024 * 1024


class VerifyUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Licence PDF file"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > VERIFY_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large to be a licence (at most 10 MB)."))
        return upload


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revoking the licence"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip


class LicenceFilterForm(forms.Form):
    q = forms.CharField(label=_("Number, holder or identifier"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("status"), required=False, choices=[
        ("", _("All")), *LicenceStatus.choices,
    ])  # fmt: skip
    licence_type = forms.ChoiceField(label=_("licence type"), required=False, choices=[])

    def __init__(
        self, *args: object, type_choices: list[tuple[str, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["licence_type"].choices = [("", _("All")), *type_choices]
