"""Authentication backend whose permissions come from the account's roles only.

Django's groups and per-user permissions grant nothing here: every permission an account has is
a role it was assigned (``role_assign``) or a role's permission set (``role_update``), both
audited and scoped. Superusers have every permission (ModelBackend's rule).

Organisation scope is checked by selectors (``account_has_perm_in``); this backend answers the
coarse question "may this account use this function at all", which views declare.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class RoleBackend(ModelBackend):
    def _get_user_permissions(self, user_obj: Any) -> Any:
        return Permission.objects.none()

    def _get_group_permissions(self, user_obj: Any) -> Any:
        # One filter() call: the role and the active organisation belong to the same assignment,
        # so roles held in an organisation that is no longer in use grant nothing.
        return Permission.objects.filter(
            role__assignments__account=user_obj,
            role__assignments__organisation__is_active=True,
        ).distinct()
