from django import forms
from django.utils.translation import gettext_lazy as _

from zhengwu.core.idempotency import IdempotentFormMixin
from zhengwu.workbench.actions import BODY_MAX, TITLE_MAX


class NoticeForm(IdempotentFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Text"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 10})
    )
