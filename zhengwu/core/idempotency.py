"""Double submits create one object: an idempotency token per form, kept on the object created.

A form that creates something (a notice, an application) carries a random hidden token made when
the form is shown. The action stores the token on the object in a unique column; a second POST
of the same form (double click, browser resubmission, a retry after a timeout) finds the object
and returns it instead of creating another one and notifying everyone twice.

In a form::

    class NoticeForm(IdempotentFormMixin, forms.Form): ...

In the model: ``idempotency_token = idempotency_token_field()`` (nullable: callers without a
form, such as imports, pass no token). In the action (inside its transaction)::

    token = clean_token(idempotency_token)
    if (existing := once(Notice, token)) is not None:
        return existing                      # a replay: nothing is created or sent again
    ...validate...
    notice, created = create_once(Notice, token, title=title, ...)
    if not created:
        return notice                        # lost a race against the same submission

``once`` is the cheap check before any work; ``create_once`` closes the race between two
concurrent submissions (the unique column decides, under a savepoint, so the caller's
transaction survives).
"""

import re
import secrets
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhengwu.core.db.rows import insert
from zhengwu.core.errors import ValidationFailed

TOKEN_FIELD = "idempotency_token"  # noqa: S105 - a field name, not a secret
TOKEN_MAX = 64
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

M = TypeVar("M", bound=models.Model)


def new_token() -> str:
    """A fresh random token (32 URL-safe characters, 192 bits)."""
    return secrets.token_urlsafe(24)


def clean_token(token: Any) -> str | None:
    """The token, or None when there is none; a malformed one is refused (a tampered form)."""
    if token in (None, ""):
        return None
    if not isinstance(token, str) or not _TOKEN_SHAPE.match(token):
        raise ValidationFailed(
            _("This form has expired. Reload the page and submit it again."),
            data={"field": TOKEN_FIELD},
        )
    return token


def idempotency_token_field() -> models.CharField:
    """The model column holding the token of the submission that created the row."""
    return models.CharField(
        gettext_lazy("submission token"),
        max_length=TOKEN_MAX,
        null=True,
        blank=True,
        unique=True,
        editable=False,
    )


def once(model: type[M], token: str | None, *, field: str = TOKEN_FIELD) -> M | None:
    """The object that an earlier submission carrying ``token`` created, else None."""
    if not token:
        return None
    return model._default_manager.filter(**{field: token}).first()


def create_once(
    model: type[M], token: str | None, *, field: str = TOKEN_FIELD, **values: Any
) -> tuple[M, bool]:
    """Create ``model(**values)`` with ``token``; returns (object, created).

    When a concurrent submission with the same token committed first, the unique column refuses
    this insert (under a savepoint, so the caller's transaction goes on) and its object is
    returned with ``created=False``.
    """
    try:
        with transaction.atomic():
            return insert(model(**{field: token}, **values)), True
    except IntegrityError:
        existing = once(model, token, field=field)
        if existing is None:
            raise  # some other constraint: not ours to hide
        return existing, False


class IdempotentFormMixin:
    """Adds the hidden token field; a new unbound form gets a new token, a re-shown bound form
    keeps the one it was submitted with (nothing was created by the failed attempt)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[TOKEN_FIELD] = forms.CharField(
            required=False, max_length=TOKEN_MAX, widget=forms.HiddenInput, initial=new_token
        )

    def clean_idempotency_token(self) -> str | None:
        try:
            return clean_token(self.cleaned_data.get(TOKEN_FIELD))
        except ValidationFailed as error:
            raise ValidationError(str(error.message), code="expired") from None
