"""Upload fields for forms, checked exactly like ``file_store`` checks them."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

from zhengwu.core.errors import ValidationFailed
from zhengwu.files import types
from zhengwu.files.actions import file_store
from zhengwu.files.handlers import upload_refusals
from zhengwu.files.inspection import inspect_upload
from zhengwu.files.models import StoredFile


class StoredFileField(forms.FileField):
    """A file input that refuses what ``file_store`` would refuse (size, type by content, empty).

    ``preset`` names a ``types`` preset; ``allowed_types`` overrides it; ``max_bytes`` defaults to
    ``settings.ZHENGWU_UPLOAD_MAX_BYTES`` at validation time. The cleaned value is the upload;
    store it with ``file_store_from_form`` once the whole form is valid.
    """

    def __init__(
        self,
        *,
        preset: str = "default",
        allowed_types: frozenset[str] | None = None,
        max_bytes: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.allowed_types = allowed_types if allowed_types is not None else types.preset(preset)
        self.max_bytes = max_bytes
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        # A hint for the browser's file picker only; the server decides by content.
        accept = sorted(
            {f".{ext}" for mime in self.allowed_types
             for ext in (types.KNOWN_TYPES[mime].extensions if mime in types.KNOWN_TYPES else ())}
            | set(self.allowed_types)
        )  # fmt: skip
        attrs["accept"] = ",".join(accept)
        return attrs

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if isinstance(upload, UploadedFile):  # not an already stored initial value
            try:
                inspect_upload(upload, allowed_types=self.allowed_types, max_bytes=self.max_bytes)
            except ValidationFailed as error:
                raise ValidationError(
                    str(error.message), code=str(error.data.get("reason", "invalid"))
                ) from None
        return upload


def file_store_from_form(
    form: forms.Form, field_name: str, *, actor: Any, purpose: str
) -> StoredFile | None:
    """The view helper: store the upload of a valid form's ``StoredFileField``.

    Returns the ``StoredFile``, ``None`` when the field was left empty, or ``None`` with the
    refusal added to ``form`` as an error of that field (so the view re-renders the form, which
    shows the Chinese message next to the input).
    """
    upload = form.cleaned_data.get(field_name)
    if not upload:
        return None
    field = form.fields[field_name]
    if not isinstance(field, StoredFileField):
        raise TypeError(f"{field_name} is not a StoredFileField")
    try:
        return file_store(
            actor=actor,
            upload=upload,
            purpose=purpose,
            allowed_types=field.allowed_types,
            max_bytes=field.max_bytes,
        )
    except ValidationFailed as error:
        form.add_error(field_name, str(error.message))
        return None


def add_upload_refusals(form: forms.Form, request: HttpRequest) -> bool:
    """Put the refusals of ``files.handlers.UploadLimitHandler`` on ``form``; True if any.

    An upload stopped for its size is missing from ``request.FILES``, so the form alone would
    only say "this field is required". Call this in every view that takes uploads; the field then
    shows the Chinese size message instead (a refusal for a field the form lacks becomes a form
    error), and the form is invalid.
    """
    refusals = upload_refusals(request)
    for refusal in refusals:
        if refusal.field_name in form.fields:
            form.errors[refusal.field_name] = form.error_class([refusal.message])
            getattr(form, "cleaned_data", {}).pop(refusal.field_name, None)
        else:
            form.add_error(None, refusal.message)
    return bool(refusals)
