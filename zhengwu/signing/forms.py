from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class Pkcs12ImportForm(forms.Form):
    file = forms.FileField(
        label=_("PKCS#12 file (.p12 / .pfx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx"}),
    )
    password = forms.CharField(label=_("Password of the file"), required=False, strip=False,
                               widget=forms.PasswordInput(render_value=False))  # fmt: skip


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    invalid_since = forms.DateTimeField(
        label=_("Invalid since (optional)"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("Leave empty for a routine revocation: documents signed before now stay valid. "
                    "If the key was compromised, give the earliest time it may have been misused; "
                    "documents signed since then verify as revoked."),
    )  # fmt: skip


class SealUploadForm(forms.Form):
    image = forms.FileField(
        label=_("Seal image (PNG with a transparent background, or JPEG)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )


class TrustAnchorImportForm(forms.Form):
    file = forms.FileField(label=_("CA certificate (PEM or DER)"))
    name = forms.CharField(label=_("Name (optional)"), max_length=200, required=False)


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("PDF document"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > settings.ZHENGWU_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large to check here."))
        return upload
