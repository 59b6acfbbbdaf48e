"""Authentication backend whose permissions come from the account's roles (in any organisation).

Organisation scope is checked by selectors (``account_has_perm_in``); this backend answers the
coarse question "may this account use this function at all", which views declare.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class RoleBackend(ModelBackend):
    def _get_group_permissions(self, user_obj: Any) -> Any:
        via_groups = super()._get_group_permissions(user_obj)
        # One filter() call: the role and the active organisation belong to the same assignment,
        # so roles held in an organisation that is no longer in use grant nothing.
        via_roles = Permission.objects.filter(
            role__assignments__account=user_obj,
            role__assignments__organisation__is_active=True,
        )
        return (via_groups | via_roles).distinct()
