"""Demo world: the built-in licence types, viewing/revoking permissions for the department roles,
and three sample licences issued by 市市场监督管理局 (``manage.py demo``; idempotent — a second
run changes nothing). Licences of the demo's cases are issued by eservices' own loader."""

import datetime as dt
from typing import Any

from django.contrib.auth.models import Permission
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.licences.models import Licence
from zhengwu.licences.types import licence_types_ensure

DEMO_OWNER = "licences.demo"
# (role code, permission codenames of this app)
ROLE_PERMISSIONS = [
    ("clerk", ["view_licence"]),
    ("reviewer", ["view_licence"]),
    ("leader", ["view_licence", "revoke_licence"]),
]


def _grant() -> int:
    from django.apps import apps

    from zhengwu.directory.actions import role_update

    granted = 0
    for code, codenames in ROLE_PERMISSIONS:
        role = apps.get_model("directory", "Role").objects.filter(code=code).first()
        if role is None:
            continue
        wanted = set(Permission.objects.filter(content_type__app_label="licences",
                                               codename__in=codenames))  # fmt: skip
        current = set(role.permissions.all())
        if not wanted <= current:
            role_update(actor=None, role=role, permissions=list(current | wanted))
            granted += 1
    return granted


def _samples() -> int:
    from django.apps import apps

    from zhengwu.licences.actions import licence_issue

    account_model = apps.get_model("directory", "Account")
    bureau = apps.get_model("directory", "Organisation").objects.filter(code="scjg").first()
    enterprise = account_model.objects.filter(username="enterprise01").select_related(
        "enterprise").first()  # fmt: skip
    citizen = account_model.objects.filter(username="citizen01").select_related("person").first()
    if bureau is None or enterprise is None or citizen is None or citizen.person is None:
        return 0
    today = timezone.localdate()
    samples = [
        ("food", "food-business", enterprise, enterprise.enterprise.name,
         enterprise.enterprise.credit_code,
         {"法定代表人（负责人）": enterprise.enterprise.legal_representative or "王伟",
          "住所": "云泽市青川区望江路18号", "经营场所": "云泽市青川区望江路18号一层",
          "主体业态": "餐饮服务经营者（小型餐馆）", "经营项目": "热食类食品制售；冷食类食品制售",
          "日常监督管理机构": "云泽市市场监督管理局青川分局"}),
        ("shop", "outdoor-ad", enterprise, enterprise.enterprise.name,
         enterprise.enterprise.credit_code,
         {"设置地点": "云泽市青川区望江路18号临街外墙", "广告形式": "店招标牌",
          "规格": "6.0米 × 1.2米", "设置期限": "三年"}),
        ("approval", "approval", citizen, citizen.person.name, citizen.person.id_number,
         {"许可事项": "临时占用城市道路", "许可内容": "云泽市临溪区溪畔路12号门前搭建临时设施",
          "许可期限": "三十日"}),
    ]  # fmt: skip
    issued = 0
    for key, type_code, holder, name, number, fields in samples:
        if Licence.objects.filter(owner_type=DEMO_OWNER, owner_id=key).exists():
            continue
        licence_issue(
            actor=None, licence_type=type_code, holder_name=name, holder_id_number=number,
            issuing_organisation=bureau, fields=fields, valid_from=today - dt.timedelta(days=3),
            valid_until=None, owner_type=DEMO_OWNER, owner_id=key, holder_account=holder,
        )  # fmt: skip
        issued += 1
    return issued


def load(stdout: Any) -> list[tuple[str, str, str]]:
    types = licence_types_ensure()
    granted = _grant()
    issued = _samples()
    if types or granted or issued:
        stdout.write(_("  Licences: %(types)s licence types, %(issued)s sample licences")
                     % {"types": types, "issued": issued})  # fmt: skip
    return []
