"""The session store reads sessions with a prepared query: same answers as Django's own."""

import datetime as dt
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _store(key: str | None = None) -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore(key)


def test_a_saved_session_is_read_back_with_one_query(django_assert_num_queries: Any) -> None:
    store = _store()
    store["zw"] = {"n": 1}
    store.save()
    again = _store(store.session_key)
    with django_assert_num_queries(1):
        assert again["zw"] == {"n": 1}
    assert again.session_key == store.session_key


def test_an_expired_or_unknown_session_reads_as_empty_and_loses_its_key() -> None:
    store = _store()
    store["zw"] = 1
    store.save()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = _store(store.session_key)
    assert expired.load() == {} and expired.session_key is None
    unknown = _store("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None
    assert _store("' OR '1'='1' --xxxx").load() == {}  # a key is a bound value, never SQL
