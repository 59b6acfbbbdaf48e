"""Wagtail's user and group screens are closed: accounts are maintained in system administration."""

from typing import Any

import pytest
from django.urls import resolve

from zhengwu.portal.cms import managed_elsewhere


@pytest.mark.parametrize("path", ["/workbench/cms/users/", "/workbench/cms/groups/"])
def test_wagtail_account_screens_resolve_to_the_refusal(path: str) -> None:
    assert resolve(path).func is managed_elsewhere


@pytest.mark.django_db
def test_wagtail_user_list_is_refused_to_anonymous(client: Any) -> None:
    response = client.get("/workbench/cms/users/")
    assert response.status_code == 302
