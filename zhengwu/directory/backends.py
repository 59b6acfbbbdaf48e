"""Authentication backend whose permissions come from the account's roles only.

Django's groups and per-user permissions grant nothing here: every permission an account has is
a role it was assigned (``role_assign``) or a role's permission set (``role_update``), both
audited and scoped. Superusers have every permission (ModelBackend's rule).

Organisation scope is checked by selectors (``account_has_perm_in``); this backend answers the
coarse question "may this account use this function at all", which views declare.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from zhengwu.core.db.prepared import PreparedQuery

# Every signed-in request loads its account, with what public and staff pages read of it.
_ACCOUNT = PreparedQuery[Any](
    lambda pk: (
        get_user_model()
        ._default_manager.select_related("person", "enterprise", "organisation")
        .filter(pk=pk)
    ),
    pk=int,
)


class RoleBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        if type(user_id) is not int:
            return super().get_user(user_id)
        user = _ACCOUNT.first(pk=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _get_user_permissions(self, user_obj: Any) -> Any:
        return Permission.objects.none()

    def _get_group_permissions(self, user_obj: Any) -> Any:
        # One filter() call: the role and the active organisation belong to the same assignment,
        # so roles held in an organisation that is no longer in use grant nothing.
        return Permission.objects.filter(
            role__assignments__account=user_obj,
            role__assignments__organisation__is_active=True,
        ).distinct()
