from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

# notify sits below directory in the layers: accounts and organisations are reached through
# the app registry, never imported.


def make_staff(username: str, **fields: Any) -> Any:
    region, _ = apps.get_model("directory", "Region").objects.get_or_create(
        code="990100", defaults={"name": "云泽市", "level": 2}
    )
    org, _ = apps.get_model("directory", "Organisation").objects.get_or_create(
        name="云泽市人民政府办公室", defaults={"kind": "department", "region": region}
    )
    fields.setdefault("display_name", username)
    return get_user_model().objects.create_user(
        username, "Xx-12345678", kind="staff", organisation=org, **fields
    )


@pytest.fixture
def alice(db: Any) -> Any:
    return make_staff(
        "alice", display_name="李爱丽", mobile="13812345678", email="alice@yunze.example"
    )


@pytest.fixture
def bob(db: Any) -> Any:
    return make_staff("bob", display_name="王博", mobile="13987654321", email="bob@yunze.example")
