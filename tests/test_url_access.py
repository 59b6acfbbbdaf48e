"""Walk every URL pattern and prove that none is reachable without the access it declares."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from zhengwu.core.access import DELEGATED_NAMESPACES, policy_of

CONVERTER_SAMPLES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "uuid": "00000000-0000-4000-8000-000000000001",  # fixed, so parallel workers collect alike
    "path": "x/y",
}


def _sample(route: str) -> str:
    def fill(match: re.Match[str]) -> str:
        converter = match.group(1) or "str"
        return CONVERTER_SAMPLES.get(converter, "1")

    return re.sub(r"<(?:(\w+):)?\w+>", fill, route)


def walk(
    patterns: list[Any], prefix: str = "", namespaces: tuple[str, ...] = ()
) -> Iterator[tuple[str, Any, tuple[str, ...]]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            route = str(entry.pattern)
            if route.startswith("^"):  # regex patterns (admin's app index and catch-all)
                route = re.sub(
                    r"\(\?P<(\w+)>[^)]*\)",
                    lambda m: "directory" if m.group(1) == "app_label" else "x",
                    route,
                ).strip("^$")
                yield prefix + route, entry.callback, namespaces
                continue
            yield prefix + _sample(route), entry.callback, namespaces


ALL = list(walk(get_resolver().url_patterns))
OWN = [(path, view, ns) for path, view, ns in ALL if not DELEGATED_NAMESPACES.intersection(ns)]
DELEGATED = [(path, view, ns) for path, view, ns in ALL if DELEGATED_NAMESPACES.intersection(ns)]

# Wagtail's admin has ~700 URL patterns, all wrapped by one policy (zhengwu.portal.cms); every one
# is checked for its declaration below, but the HTTP round trips run on a fixed sample of them.
CMS_PREFIX = "workbench/cms/"
CMS_SAMPLE_EVERY = 25
_cms = [entry for entry in OWN if entry[0].startswith(CMS_PREFIX)]
HTTP_CHECKED = [entry for entry in OWN if not entry[0].startswith(CMS_PREFIX)] + _cms[
    ::CMS_SAMPLE_EVERY
]


def test_the_walk_found_the_platform_urls() -> None:
    assert len(OWN) >= 10
    assert len(DELEGATED) >= 10


@pytest.mark.parametrize(("path", "view"), [(p, v) for p, v, _ in OWN], ids=[p for p, _, _ in OWN])
def test_every_view_declares_an_access_policy(path: str, view: Any) -> None:
    assert policy_of(view) is not None, f"/{path} declares no access policy"


@pytest.fixture
def staff_without_roles(db: Any) -> Any:
    region_model = apps.get_model("directory", "Region")
    region = region_model.objects.create(code="990100", name="云泽市", level=2)
    org = apps.get_model("directory", "Organisation").objects.create(
        name="测试局", kind="department", region=region
    )
    return apps.get_model("directory", "Account").objects.create_user(
        "nobody", "Xx-12345678", display_name="无角色", kind="staff", organisation=org
    )


@pytest.fixture
def citizen(db: Any) -> Any:
    return apps.get_model("directory", "Account").objects.create_user(
        "citizen1", "Xx-12345678", display_name="市民", kind="citizen"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "view"), [(p, v) for p, v, _ in HTTP_CHECKED], ids=[p for p, _, _ in HTTP_CHECKED]
)
def test_anonymous_reaches_only_public_views(client: Any, path: str, view: Any) -> None:
    policy = policy_of(view)
    for method in (client.get, client.post):
        response = method("/" + path)
        if policy is not None and policy.anonymous:
            assert response.status_code != 403
        else:
            assert response.status_code == 302, f"/{path} answered {response.status_code}"
            assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "view"), [(p, v) for p, v, _ in HTTP_CHECKED], ids=[p for p, _, _ in HTTP_CHECKED]
)
def test_accounts_without_the_declared_permissions_are_refused(
    client: Any, staff_without_roles: Any, citizen: Any, path: str, view: Any
) -> None:
    policy = policy_of(view)
    assert policy is not None
    if policy.anonymous:
        return
    for account in (staff_without_roles, citizen):
        allowed_kind = not policy.account_kinds or account.kind in policy.account_kinds
        if allowed_kind and not policy.permissions:
            continue  # reachable by design for this account
        client.force_login(account)
        for method in (client.get, client.post):
            assert method("/" + path).status_code == 403, f"/{path} let {account.username} in"
        client.logout()


@pytest.mark.django_db
@pytest.mark.parametrize("path", [p for p, _, _ in DELEGATED], ids=[p for p, _, _ in DELEGATED])
def test_admin_is_closed_to_anonymous_staff_without_permissions_and_citizens(
    client: Any, staff_without_roles: Any, citizen: Any, path: str
) -> None:
    assert client.get("/" + path).status_code in (302, 404)
    for account in (staff_without_roles, citizen):
        client.force_login(account)
        response = client.get("/" + path)
        assert response.status_code in (302, 403, 404), f"/{path} let {account.username} in"
        client.logout()
