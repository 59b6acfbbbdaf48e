"""Demo loader: the demo 系统管理员 (sysadmin) role administers processes.

It gets every process-admin permission — view, deploy (``add_processdefinition``), assign
unassigned steps (``change_processdefinition``), move running instances
(``migrate_processinstance``) and terminate them (``terminate_processinstance``). Idempotent: a
second run changes nothing and writes no audit entry.
"""

from typing import Any

from django.contrib.auth.models import Permission

ADMIN_ROLE = "sysadmin"
ADMIN_PERMISSIONS = (
    "view_processdefinition",
    "add_processdefinition",
    "change_processdefinition",
    "migrate_processinstance",
    "terminate_processinstance",
)


def grant_admin_permissions(stdout: Any) -> list[tuple[str, str, str]]:
    from zhengwu.directory.actions import role_update
    from zhengwu.directory.models import Role

    role = Role.objects.filter(code=ADMIN_ROLE).first()
    if role is None:  # the directory loader runs first; without it there is nobody to grant
        return []
    wanted = list(Permission.objects.filter(content_type__app_label="workflow",
                                            codename__in=ADMIN_PERMISSIONS))  # fmt: skip
    have = set(role.permissions.values_list("pk", flat=True))
    missing = [p for p in wanted if p.pk not in have]
    if missing:
        role_update(actor=None, role=role, permissions=[*role.permissions.all(), *missing])
        stdout.write(f"  流程管理：系统管理员角色获得 {len(missing)} 项流程管理权限")
    return []
