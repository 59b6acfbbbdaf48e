"""Idle sessions end: staff after 30 minutes, public accounts after 60 (both configurable)."""

import datetime as dt
from typing import Any

import pytest
import time_machine

from zhengwu.audit.models import AuditEntry
from zhengwu.directory.models import Account
from zhengwu.identity.tests.conftest import login

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def test_staff_stay_signed_in_after_29_idle_minutes(client: Any, staff: Account) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        login(client, "zhangwei")
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/workbench/").status_code == 200
        # Activity restarts the clock: another 29 minutes are fine too.
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/workbench/").status_code == 200
    assert not AuditEntry.objects.filter(action="identity.session.expire").exists()


def test_staff_are_logged_out_after_31_idle_minutes_with_a_notice(
    client: Any, staff: Account
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        login(client, "zhangwei")
        assert client.get("/workbench/").status_code == 200
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get("/workbench/notices/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=%2Fworkbench%2Fnotices%2F"
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"]).content.decode()
    assert "因长时间未操作，您已退出登录" in page
    entry = AuditEntry.objects.get(action="identity.session.expire")
    assert entry.actor == staff
    assert entry.changes == {"idle_minutes": 31}


def test_public_accounts_have_their_own_longer_timeout(client: Any, citizen: Account) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        login(client, "wangfang")
        traveller.shift(dt.timedelta(minutes=45))
        client.get("/")
        assert "_auth_user_id" in client.session
        traveller.shift(dt.timedelta(minutes=61))
        client.get("/")
        assert "_auth_user_id" not in client.session


def test_the_timeout_is_configurable(client: Any, staff: Account, settings: Any) -> None:
    settings.ZHENGWU_STAFF_IDLE_TIMEOUT_MINUTES = 5
    with time_machine.travel(START, tick=False) as traveller:
        login(client, "zhangwei")
        traveller.shift(dt.timedelta(minutes=6))
        assert client.get("/workbench/").status_code == 302
        assert "_auth_user_id" not in client.session


def test_a_post_after_the_timeout_is_not_carried_out(client: Any, staff: Account) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        login(client, "zhangwei")
        traveller.shift(dt.timedelta(minutes=31))
        response = client.post("/accounts/password/", {"old_password": "x"})
        assert response["Location"] == "/accounts/login/"


def test_requests_within_a_minute_do_not_rewrite_the_session(client: Any, staff: Account) -> None:
    from django.contrib.sessions.models import Session

    with time_machine.travel(START, tick=False) as traveller:
        login(client, "zhangwei")
        client.get("/workbench/")
        key = client.session.session_key
        stored = Session.objects.get(session_key=key).session_data
        traveller.shift(dt.timedelta(seconds=30))
        client.get("/workbench/")
        assert Session.objects.get(session_key=key).session_data == stored
        traveller.shift(dt.timedelta(seconds=31))
        client.get("/workbench/")
        assert Session.objects.get(session_key=key).session_data != stored
