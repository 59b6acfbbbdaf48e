"""Form fields for the national identifiers.

Each field normalises what people type (surrounding and inner spaces, hyphens, full-width
characters, lower-case x) before checking it, and refuses a wrong value with the Chinese message
that names the problem (``validators.MESSAGES``). ``clean`` returns the canonical form.
"""

from abc import ABC, abstractmethod
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from zhengwu.identifiers import checksums
from zhengwu.identifiers.checksums import IdentifierError
from zhengwu.identifiers.validators import message_for


class _IdentifierField(forms.CharField, ABC):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strip", True)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update({"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"})
        return attrs

    @abstractmethod
    def canonical(self, value: str) -> str:
        """Validate ``value`` and return its canonical form, or raise IdentifierError."""

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return checksums.normalise(value) if value else value

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if value in self.empty_values:
            return value
        try:
            return self.canonical(value)
        except IdentifierError as error:
            raise ValidationError(message_for(error), code=error.reason) from None


class ResidentIdField(_IdentifierField):
    """公民身份号码 (GB 11643). With ``accept_legacy=True`` a 15-digit number is upgraded to 18."""

    def __init__(self, *, accept_legacy: bool = False, **kwargs: Any) -> None:
        self.accept_legacy = accept_legacy
        super().__init__(**kwargs)

    def canonical(self, value: str) -> str:
        if self.accept_legacy and len(value) == 15:
            return checksums.upgrade_resident_id_15(value)
        checksums.parse_resident_id(value)
        return value


class CreditCodeField(_IdentifierField):
    """统一社会信用代码 (GB 32100), including the check of the embedded 组织机构代码."""

    def canonical(self, value: str) -> str:
        return checksums.validate_credit_code(value)


class OrganisationCodeField(_IdentifierField):
    """组织机构代码 (GB 11714); cleans to the printed form ``XXXXXXXX-C``."""

    def canonical(self, value: str) -> str:
        return checksums.validate_organisation_code(value)
