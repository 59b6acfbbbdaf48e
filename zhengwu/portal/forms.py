"""The CMS edit form of every portal page: the prohibited-word check on save and on submission."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.pages import WagtailAdminPageForm

from zhengwu.portal import sensitive

# Actions of Wagtail's page editor that put content in front of readers or reviewers.
PUBLISHING_ACTIONS = ("action-publish", "action-submit", "action-restart-workflow",
                      "action-workflow-action")  # fmt: skip
SKIPPED_FIELDS = {"slug"}


def page_texts(form: forms.ModelForm) -> list[tuple[str, str]]:
    """(label, plain text) of every free-text field of the page being edited."""
    model = form._meta.model
    texts = []
    for name, value in form.cleaned_data.items():
        if name in SKIPPED_FIELDS or not isinstance(value, str) or not value:
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not isinstance(field, models.CharField | models.TextField) or field.choices:
            continue
        text = sensitive.html_to_text(value) if isinstance(field, models.TextField) else value
        texts.append((str(form.fields[name].label or name), text))
    return texts


class PortalPageForm(WagtailAdminPageForm):
    sensitive_override_reason = forms.CharField(
        label=_("Reason for publishing despite prohibited words"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=500,
        help_text=_("Reviewers only: fill in to publish a page that contains listed words."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sensitive_hits: list[sensitive.Hit] = []
        self.sensitive_override: str = ""

    def clean(self) -> dict[str, Any]:
        from zhengwu.portal import selectors

        cleaned = super().clean()
        matcher = selectors.sensitive_matcher()
        hits = [hit for label, text in page_texts(self) for hit in matcher.find(text, label)]
        self.sensitive_hits = hits
        if not hits or not any(self.data.get(action) for action in PUBLISHING_ACTIONS):
            return cleaned  # drafts may be saved with hits; the editor is warned (wagtail_hooks)
        reason = (cleaned.get("sensitive_override_reason") or "").strip()
        user = self.for_user
        if reason and user is not None and user.has_perm("portal.override_sensitiveword"):
            self.sensitive_override = reason
            return cleaned
        if reason:
            self.add_error("sensitive_override_reason",
                           gettext("Only a reviewer may publish despite prohibited words."))
        raise forms.ValidationError(hits_message(hits))

    def save(self, commit: bool = True) -> Any:
        page = super().save(commit=commit)
        # Read by the after_create_page / after_edit_page hooks (wagtail_hooks.py).
        page._sensitive_hits = self.sensitive_hits
        page._sensitive_override = self.sensitive_override
        return page


def hits_message(hits: list[sensitive.Hit]) -> list[str]:
    """One line per hit, each showing the word in its context."""
    lines = [gettext(
        "The page contains prohibited words. Change them, or ask a reviewer to publish "
        "with a reason."
    )]
    lines += [
        gettext("%(field)s: “%(context)s” (listed word: %(word)s)")
        % {"field": hit.field, "context": f"{hit.before}【{hit.found}】{hit.after}",
           "word": hit.word}
        for hit in hits
    ]  # fmt: skip
    return lines


class SensitiveWordForm(WagtailAdminModelForm):
    """Stores the normalised form beside the word and refuses duplicates after normalisation."""

    def clean_word(self) -> str:
        from zhengwu.portal.models import SensitiveWord

        word = (self.cleaned_data.get("word") or "").strip()
        key = sensitive.normalise(word)
        if not key:
            raise forms.ValidationError(gettext("Enter a word."))
        duplicates = SensitiveWord.objects.filter(normalised=key).exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise forms.ValidationError(gettext("This word is already on the list."))
        self.instance.normalised = key
        return word


class DisclosureItemForm(WagtailAdminModelForm):
    """Issues the 索引号 when a catalogue item is first saved (inside the view's transaction)."""

    def save(self, commit: bool = True) -> Any:
        from zhengwu.portal.actions import disclosure_index_number_next

        item = super().save(commit=False)
        if not item.index_number:
            item.index_number = disclosure_index_number_next(
                item.organisation, item.generated_on.year
            )
        if commit:
            item.save()
        return item
