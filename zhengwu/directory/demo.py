"""The directory part of the 云泽市 demo world: regions, organisations, roles, staff and the public.

Everything here is fictional: province code 99 is unassigned in GB/T 2260, names come from a
fixed random seed, and every identifier is generated with a correct check character. The loader
only creates what is missing (through the directory actions, so each creation is audited); an
object that already exists is left as it is, so a second run changes nothing and an
administrator's later edits survive. Demo passwords are derived from SECRET_KEY (see
``credentials.demo_password``) and never reset on a rerun.
"""

import datetime as dt
import os
import random
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission

from zhengwu.core.registry import DemoCredential
from zhengwu.directory import actions, rules
from zhengwu.directory.credentials import demo_password
from zhengwu.directory.models import Account, Enterprise, Organisation, Person, Region, Role
from zhengwu.identifiers.checksums import (
    CREDIT_CODE_ALPHABET,
    generate_credit_code,
    generate_resident_id,
)

Kind = Organisation.Kind
Level = Region.Level
SEED = 990100
CITY_CODE = "990100"

# --- Regions: (code, name, level) ; the parent follows from the code -------------------------

REGIONS: list[tuple[str, str, int]] = [
    ("990000", "示范省", Level.PROVINCE),
    ("990100", "云泽市", Level.CITY),
    ("990102", "青川区", Level.COUNTY),
    ("990103", "临溪区", Level.COUNTY),
    ("990121", "白石县", Level.COUNTY),
    # Townships (GB/T 10114): 0xx 街道, 1xx 镇, 2xx 乡.
    ("990102001", "望江街道", Level.TOWNSHIP),
    ("990102002", "青川街道", Level.TOWNSHIP),
    ("990102101", "柳湾镇", Level.TOWNSHIP),
    ("990103001", "临溪街道", Level.TOWNSHIP),
    ("990103101", "石桥镇", Level.TOWNSHIP),
    ("990121101", "白石镇", Level.TOWNSHIP),
    ("990121102", "云岭镇", Level.TOWNSHIP),
    ("990121201", "松坪乡", Level.TOWNSHIP),
    # Villages (统计用区划代码): 0xx-1xx 社区居委会, 2xx 村委会.
    ("990102001001", "望江社区", Level.VILLAGE),
    ("990102001002", "江滨社区", Level.VILLAGE),
    ("990102001003", "桃源社区", Level.VILLAGE),
    ("990102002001", "文昌社区", Level.VILLAGE),
    ("990102002002", "新华社区", Level.VILLAGE),
    ("990102101001", "柳湾社区", Level.VILLAGE),
    ("990102101201", "河口村", Level.VILLAGE),
    ("990102101202", "杨柳村", Level.VILLAGE),
    ("990103001001", "溪畔社区", Level.VILLAGE),
    ("990103001002", "南门社区", Level.VILLAGE),
    ("990103101001", "石桥社区", Level.VILLAGE),
    ("990103101201", "上坝村", Level.VILLAGE),
    ("990103101202", "竹林村", Level.VILLAGE),
    ("990121101001", "白石社区", Level.VILLAGE),
    ("990121101201", "东岭村", Level.VILLAGE),
    ("990121101202", "清泉村", Level.VILLAGE),
    ("990121102201", "云岭村", Level.VILLAGE),
    ("990121102202", "茶山村", Level.VILLAGE),
    ("990121201201", "松坪村", Level.VILLAGE),
    ("990121201202", "高山村", Level.VILLAGE),
]
COUNTIES = ["990102", "990103", "990121"]
CITIZENS = 20

# --- Organisations ---------------------------------------------------------------------------

# (code, name, internal divisions); the order is the display order under 云泽市人民政府.
DEPARTMENTS: list[tuple[str, str, list[str]]] = [
    ("szfb", "市政府办公室", ["秘书科", "综合调研科", "政务公开科"]),
    ("fgw", "市发展和改革委员会", ["办公室", "发展规划科", "价格管理科"]),
    ("jy", "市教育局", ["办公室", "基础教育科", "职业教育科"]),
    ("ga", "市公安局", ["办公室", "治安管理支队", "出入境管理科"]),
    ("mz", "市民政局", ["办公室", "社会救助科", "婚姻登记处"]),
    ("sf", "市司法局", ["办公室", "行政执法协调监督科", "公共法律服务科"]),
    ("cz", "市财政局", ["办公室", "预算科", "国库科"]),
    ("rs", "市人力资源和社会保障局", ["办公室", "就业促进科", "社会保险科"]),
    ("zrzy", "市自然资源和规划局", ["办公室", "国土空间规划科", "不动产登记科"]),
    ("sthj", "市生态环境局", ["办公室", "环境影响评价科", "执法监督科"]),
    ("zj", "市住房和城乡建设局", ["办公室", "建筑市场管理科", "房地产市场监管科"]),
    ("jt", "市交通运输局", ["办公室", "运输管理科", "公路管理科"]),
    ("nync", "市农业农村局", ["办公室", "种植业管理科", "农村经营管理科"]),
    ("sw", "市商务局", ["办公室", "市场运行科", "对外贸易科"]),
    ("wl", "市文化广电旅游局", ["办公室", "文化艺术科", "旅游市场管理科"]),
    ("wj", "市卫生健康委员会", ["办公室", "医政医管科", "疾病预防控制科"]),
    ("yj", "市应急管理局", ["办公室", "应急指挥科", "安全生产监督管理科"]),
    ("scjg", "市市场监督管理局", ["办公室", "登记注册科", "食品安全监管科"]),
    ("zwsj", "市政务服务和大数据管理局", ["办公室", "政务服务科", "大数据管理科"]),
    ("xf", "市信访局", ["办公室", "来访接待科"]),
    ("tj", "市统计局", ["办公室", "综合统计科"]),
]
# (code, name, region) of the district/county governments, and their towns as
# (code, government name, township region code).
DISTRICTS: list[tuple[str, str, str]] = [
    ("qcq", "青川区人民政府", "990102"),
    ("lxq", "临溪区人民政府", "990103"),
    ("bsx", "白石县人民政府", "990121"),
]
TOWNS: list[tuple[str, str, str]] = [
    ("wjjd", "望江街道办事处", "990102001"),
    ("qcjd", "青川街道办事处", "990102002"),
    ("lwz", "柳湾镇人民政府", "990102101"),
    ("lxjd", "临溪街道办事处", "990103001"),
    ("sqz", "石桥镇人民政府", "990103101"),
    ("bsz", "白石镇人民政府", "990121101"),
    ("ylz", "云岭镇人民政府", "990121102"),
    ("spx", "松坪乡人民政府", "990121201"),
]


def village_committee_name(region_name: str) -> str:
    return region_name + ("居民委员会" if region_name.endswith("社区") else "民委员会")


# --- Roles: (code, name, sensitive, permissions, description) --------------------------------

ALL_OF_APP = "*"
# Separation of duties (三员分立, GB/T 22239-2019 §8.1.4.2 / 安全管理中心): the system
# administrator runs the platform but does not read the audit trail; the auditor reads it and
# changes nothing. The loader takes these away from the sysadmin role wherever it finds them.
SEPARATED: dict[str, list[str]] = {
    "sysadmin": ["audit.view_auditentry", "audit.export_auditentry"],
}
ROLES: list[tuple[str, str, bool, list[str], str]] = [
    ("sysadmin", "系统管理员", True,
     ["directory.*", "workdays.*"],
     "维护组织机构、账号、角色、工作日历等系统参数；不能查阅审计日志（三员分立）。"),
    ("auditor", "审计员", True, ["audit.view_auditentry", "audit.export_auditentry"],
     "查询和导出审计日志；不能修改任何数据。"),
    ("clerk", "受理员", False, [], "窗口受理：接件、受理、不予受理、一次性告知补正。"),
    ("reviewer", "审核员", False, [], "对受理的办件进行审查并提出意见。"),
    ("leader", "部门领导", False, ["workbench.add_notice"], "审批、签发，查看本部门统计。"),
    ("secretary", "文秘", False, ["workbench.add_notice"],
     "公文拟稿、编号、用印、分发、签收、登记、归档。"),
    ("supervisor", "监察员", False, [], "对办件和任务的时限进行电子监察，处理红黄牌和投诉。"),
    ("web_editor", "网站编辑", False, [], "编辑门户网站和部门子站的内容。"),
    ("web_reviewer", "网站审核", False, [], "审核网站内容后发布。"),
    ("data_steward", "数据管理员", False,
     ["directory.view_person", "directory.view_enterprise", "directory.view_personal_data"],
     "维护基础库、资源目录和共享授权。"),
    ("duty_officer", "应急值班", False, [], "接报突发事件，调度、发布和跟踪处置。"),
    ("calendar_admin", "日历管理员", False,
     ["workdays.view_calendarday", "workdays.change_calendarday"],
     "维护法定节假日和调休工作日。"),
]  # fmt: skip

# --- Staff -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSpec:
    username: str
    organisation: tuple[str, str | None]  # (organisation code, internal division name or None)
    job_title: str
    roles: list[tuple[str, str]]  # (role code, organisation code); assignments cover the subtree
    note: str = ""


# One obvious account per role, named after what it does (listed in docs/modules/directory.md).
OBVIOUS_STAFF: list[StaffSpec] = [
    StaffSpec("admin", ("zwsj", "大数据管理科"), "系统管理员",
              [("sysadmin", "yzszf"), ("sysadmin", "yzsw")]),
    StaffSpec("auditor", ("zwsj", "办公室"), "安全审计员",
              [("auditor", "yzszf"), ("auditor", "yzsw")]),
    StaffSpec("supervisor", ("zwsj", "政务服务科"), "电子监察员", [("supervisor", "yzszf")]),
    StaffSpec("data_steward", ("zwsj", "大数据管理科"), "数据管理员",
              [("data_steward", "yzszf")]),
    StaffSpec("calendar_admin", ("zwsj", "政务服务科"), "科员", [("calendar_admin", "yzszf")]),
    StaffSpec("scjg_clerk", ("scjg", "登记注册科"), "窗口受理员", [("clerk", "scjg")]),
    StaffSpec("scjg_reviewer", ("scjg", "登记注册科"), "科长", [("reviewer", "scjg")]),
    StaffSpec("scjg_leader", ("scjg", None), "局长", [("leader", "scjg")]),
    StaffSpec("secretary", ("szfb", "秘书科"), "秘书", [("secretary", "szfb")]),
    StaffSpec("web_editor", ("szfb", "政务公开科"), "网站编辑", [("web_editor", "szfb")]),
    StaffSpec("web_reviewer", ("szfb", "政务公开科"), "科长", [("web_reviewer", "szfb")]),
    StaffSpec("duty_officer", ("yj", "应急指挥科"), "值班员", [("duty_officer", "yj")]),
]  # fmt: skip


def _leader_title(department_name: str) -> str:
    if department_name.endswith("委员会"):
        return "主任"
    if department_name.endswith("办公室"):
        return "主任"
    return "局长"


def generated_staff() -> list[StaffSpec]:
    """A leader and a clerk for every department without an obvious account, and one clerk for
    each district/county government and each town."""
    obvious_orgs = {"scjg", "szfb"}
    specs = []
    for code, name, divisions in DEPARTMENTS:
        if code in obvious_orgs:
            continue
        specs.append(StaffSpec(f"{code}_leader", (code, None), _leader_title(name),
                               [("leader", code)]))  # fmt: skip
        business = divisions[1] if len(divisions) > 1 else divisions[0]
        specs.append(StaffSpec(f"{code}_clerk", (code, business), "科员", [("clerk", code)]))
    for code, _name, _region in DISTRICTS + TOWNS:
        specs.append(StaffSpec(f"{code}_clerk", (code, None), "科员", [("clerk", code)]))
    return specs


# --- Names and identifiers (fixed seed: the same world on every machine) ----------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程"
    "魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂华建国文辉玲鹏宇晨浩然欣怡子涵雨泽梓轩思远"
    "佳琪俊杰晓东红梅海燕志强国庆春生振华立新淑珍婷雪峰永刚丹凯博宁婧昊天一鸣若曦嘉怡诗琪"
)


@dataclass
class NameSource:
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))  # noqa: S311
    used: set[str] = field(default_factory=set)

    def name(self) -> str:
        while True:
            given = "".join(self.rng.sample(GIVEN, self.rng.choice((1, 2, 2))))
            full = self.rng.choice(SURNAMES) + given
            if full not in self.used:
                self.used.add(full)
                return full

    def birth_date(self, youngest: int, oldest: int) -> dt.date:
        start = dt.date(2025 - oldest, 1, 1)
        return start + dt.timedelta(days=self.rng.randrange((oldest - youngest) * 365))

    def resident_id(self, region_code: str, birth: dt.date) -> str:
        return generate_resident_id(region_code, birth, self.rng.randrange(1, 999))


def organ_credit_code(region_code: str, serial: int, *, village: bool = False) -> str:
    """机关 (11…, 主体标识码 MB…) or, for village and residents' committees, 54… (ME…)."""
    if village:
        return generate_credit_code("5", "4", region_code, f"ME{serial:06d}")
    return generate_credit_code("1", "1", region_code, f"MB{serial:06d}")


def enterprise_credit_code(rng: random.Random, region_code: str, category: str = "1") -> str:
    body = "MA" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(6))
    return generate_credit_code("9", category, region_code, body)


ENTERPRISES: list[tuple[str, str, str]] = [
    ("云泽市青川区瑞丰食品有限公司", "990102", "1"),
    ("云泽临溪智造科技有限公司", "990103", "1"),
    ("白石县云岭茶叶种植专业合作社", "990121", "3"),
    ("云泽市宏远建筑工程有限公司", "990100", "1"),
    ("云泽市江滨物流有限公司", "990102", "1"),
    ("云泽市松坪生态农业发展有限公司", "990121", "1"),
    ("云泽数智信息技术有限公司", "990100", "1"),
    ("云泽市临溪区安达汽车维修有限公司", "990103", "1"),
    ("云泽市青川区望江餐饮管理有限公司", "990102", "1"),
    ("云泽市白石矿泉饮品有限公司", "990121", "1"),
]


# --- The loader ------------------------------------------------------------------------------


@dataclass
class Tally:
    created: int = 0
    warnings: list[str] = field(default_factory=list)


def _permissions(labels: Iterable[str], tally: Tally) -> list[Permission]:
    """Look permissions up by label; ``app.*`` means all of an app's. Missing ones are skipped
    with a warning (their module may not be installed yet)."""
    found: list[Permission] = []
    for label in labels:
        app_label, _dot, codename = label.partition(".")
        perms = Permission.objects.filter(content_type__app_label=app_label)
        if codename != ALL_OF_APP:
            perms = perms.filter(codename=codename)
        perms_list = list(perms)
        if not perms_list:
            tally.warnings.append(f"权限 {label} 不存在，已跳过")
        found.extend(perms_list)
    return found


def _available_password(username: str) -> str:
    probe = Account(username=username)
    for attempt in range(20):
        password = demo_password(username, attempt)
        try:
            rules.check_password(password, probe)
        except actions.ValidationFailed:
            continue
        return password
    raise RuntimeError(f"no demo password for {username} passes the password policy")


class DirectoryDemo:
    def __init__(self) -> None:
        self.tally = Tally()
        self.names = NameSource()
        self.credentials: list[DemoCredential] = []
        self.orgs: dict[str, Organisation] = {}
        self.regions: dict[str, Region] = {}
        self.roles: dict[str, Role] = {}
        self.serial = 0
        self.hashes: dict[str, str] = {}

    # Regions
    def ensure_regions(self) -> None:
        for code, name, level in REGIONS:
            region = Region.objects.filter(code=code).first()
            if region is None:
                parent = self.regions.get(self._parent_code(code, level))
                region = actions.region_create(actor=None, code=code, name=name, level=level,
                                               parent=parent)  # fmt: skip
                self.tally.created += 1
            self.regions[code] = region

    @staticmethod
    def _parent_code(code: str, level: int) -> str:
        if level == Level.CITY:
            return code[:2] + "0000"
        if level == Level.COUNTY:
            return code[:4] + "00"
        return code[: {Level.TOWNSHIP: 6, Level.VILLAGE: 9}.get(level, 0)]

    # Organisations
    def ensure_org(
        self, key: str | None, name: str, kind: str, region_code: str,
        parent: Organisation | None, *, credit: str | None = None, sort_order: int = 0,
    ) -> Organisation:  # fmt: skip
        org = None
        if key:
            org = Organisation.objects.filter(code=key).first()
        if org is None:
            org = Organisation.objects.filter(parent=parent, name=name).first()
        if org is None:
            org = actions.organisation_create(
                actor=None, name=name, kind=kind, region=self.regions[region_code], parent=parent,
                code=key, credit_code=credit, sort_order=sort_order,
            )  # fmt: skip
            self.tally.created += 1
        if key:
            self.orgs[key] = org
        return org

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def ensure_organisations(self) -> None:
        city = CITY_CODE
        party = self.ensure_org("yzsw", "中共云泽市委", Kind.PARTY, city, None,
                                credit=organ_credit_code(city, self.next_serial()),
                                sort_order=10)  # fmt: skip
        self.ensure_org(None, "市委办公室", Kind.INTERNAL, city, party, sort_order=10)
        gov = self.ensure_org("yzszf", "云泽市人民政府", Kind.GOVERNMENT, city, None,
                              credit=organ_credit_code(city, self.next_serial()),
                              sort_order=20)  # fmt: skip
        for index, (code, name, divisions) in enumerate(DEPARTMENTS, start=1):
            dept = self.ensure_org(code, name, Kind.DEPARTMENT, city, gov,
                                   credit=organ_credit_code(city, self.next_serial()),
                                   sort_order=index * 10)  # fmt: skip
            for position, division in enumerate(divisions, start=1):
                self.ensure_org(None, division, Kind.INTERNAL, city, dept,
                                sort_order=position * 10)  # fmt: skip
        for index, (code, name, region_code) in enumerate(DISTRICTS, start=1):
            self.ensure_org(code, name, Kind.GOVERNMENT, region_code, gov,
                            credit=organ_credit_code(region_code, self.next_serial()),
                            sort_order=500 + index * 10)  # fmt: skip
        for index, (code, name, region_code) in enumerate(TOWNS, start=1):
            district = self.orgs[next(d for d, _n, r in DISTRICTS if region_code.startswith(r))]
            town = self.ensure_org(code, name, Kind.TOWN, region_code, district,
                                   credit=organ_credit_code(region_code[:6], self.next_serial()),
                                   sort_order=index * 10)  # fmt: skip
            villages = [r for r in REGIONS if r[2] == Level.VILLAGE and r[0][:9] == region_code]
            for position, (v_code, v_name, _level) in enumerate(villages, start=1):
                self.ensure_org(
                    None, village_committee_name(v_name), Kind.VILLAGE_COMMITTEE, v_code, town,
                    credit=organ_credit_code(region_code[:6], self.next_serial(), village=True),
                    sort_order=position * 10,
                )  # fmt: skip

    # Roles
    def ensure_roles(self) -> None:
        for code, name, sensitive, labels, description in ROLES:
            perms = _permissions(labels, self.tally)
            role = Role.objects.filter(code=code).first()
            if role is None:
                role = actions.role_create(actor=None, code=code, name=name,
                                           description=description, permissions=perms,
                                           requires_second_factor=sensitive)  # fmt: skip
                self.tally.created += 1
            else:
                # Defaults whose permission did not exist at the last run are added now; nothing
                # is ever taken away from a role an administrator has edited.
                have = set(role.permissions.values_list("pk", flat=True))
                missing = [p for p in perms if p.pk not in have]
                forbidden = {p.pk for p in _permissions(SEPARATED.get(code, []), Tally())}
                if missing or forbidden & have:
                    keep = [p for p in role.permissions.all() if p.pk not in forbidden]
                    actions.role_update(actor=None, role=role, permissions=[*keep, *missing])
            self.roles[code] = role

    # People and accounts
    def _division(self, org_code: str, division: str | None) -> Organisation:
        org = self.orgs[org_code]
        if division is None:
            return org
        return Organisation.objects.get(parent=org, name=division)

    def ensure_staff(self, spec: StaffSpec) -> None:
        name = self.names.name()
        birth = self.names.birth_date(24, 58)
        id_number = self.names.resident_id(self.names.rng.choice(COUNTIES), birth)
        org = self._division(*spec.organisation)
        password = _available_password(spec.username)
        account = Account.objects.filter(username=spec.username).first()
        if account is None:
            person = Person.objects.filter(id_number=id_number).first() or actions.person_create(
                actor=None, name=name, id_number=id_number
            )
            account = actions.account_create_staff(
                actor=None, username=spec.username, display_name=name, organisation=org,
                password=password, person=person, job_title=spec.job_title,
                email=f"{spec.username.replace('_', '.')}@yunze.gov.example",
                must_change_password=False, password_hash=self.hashes.get(spec.username),
            ).account  # fmt: skip
            self.tally.created += 1
        roles = []
        for role_code, org_code in spec.roles:
            scope = self.orgs[org_code]
            actions.role_assign(actor=None, account=account, role=self.roles[role_code],
                                organisation=scope, covers_subtree=True)  # fmt: skip
            roles.append(f"{self.roles[role_code].name}（{scope.name}）")
        self.credentials.append(
            (spec.username, password, f"{account.display_name} · {'、'.join(roles)}")
        )

    def ensure_citizens(self) -> None:
        villages = [code for code, _n, level in REGIONS if level == Level.VILLAGE]
        for number in range(1, CITIZENS + 1):
            username = f"citizen{number:02d}"
            name = self.names.name()
            birth = self.names.birth_date(18, 80)
            id_number = self.names.resident_id(self.names.rng.choice(COUNTIES), birth)
            home = self.regions[villages[(number - 1) % len(villages)]]
            mobile = f"199010{number:05d}"
            password = _available_password(username)
            if not Account.objects.filter(username=username).exists():
                if not Person.objects.filter(id_number=id_number).exists():
                    actions.person_create(actor=None, name=name, id_number=id_number,
                                          mobile=mobile, region=home)  # fmt: skip
                actions.account_create_citizen(actor=None, username=username, name=name,
                                               id_number=id_number, password=password,
                                               mobile=mobile,
                                               password_hash=self.hashes.get(username))  # fmt: skip
                self.tally.created += 1
            self.credentials.append((username, password, f"公众 · {name}"))

    def ensure_enterprises(self) -> None:
        rng = random.Random(SEED + 1)  # noqa: S311
        for number, (name, region_code, category) in enumerate(ENTERPRISES, start=1):
            username = f"enterprise{number:02d}"
            code = enterprise_credit_code(rng, region_code, category)
            representative = self.names.name()
            password = _available_password(username)
            if not Account.objects.filter(username=username).exists():
                existing = Enterprise.objects.filter(credit_code=code).first()
                if existing is None:
                    actions.enterprise_create(actor=None, name=name, credit_code=code,
                                              legal_representative=representative,
                                              region=self.regions[region_code])  # fmt: skip
                actions.account_create_enterprise(
                    actor=None, username=username, enterprise_name=name, credit_code=code,
                    password=password, display_name=name, mobile=f"199020{number:05d}",
                    password_hash=self.hashes.get(username),
                )  # fmt: skip
                self.tally.created += 1
            self.credentials.append((username, password, f"企业 · {name}"))

    def hash_new_passwords(self, usernames: list[str]) -> None:
        """Hash the passwords of the accounts still to create, on all cores at once: PBKDF2 with
        Django's iteration count takes most of a second each and releases the GIL."""
        existing = set(Account.objects.filter(username__in=usernames)
                       .values_list("username", flat=True))  # fmt: skip
        todo = {u: _available_password(u) for u in usernames if u not in existing}
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            hashed = pool.map(make_password, todo.values())
            self.hashes = dict(zip(todo, hashed, strict=True))

    def run(self) -> list[DemoCredential]:
        staff = OBVIOUS_STAFF + generated_staff()
        self.hash_new_passwords(
            [s.username for s in staff]
            + [f"citizen{n:02d}" for n in range(1, CITIZENS + 1)]
            + [f"enterprise{n:02d}" for n in range(1, len(ENTERPRISES) + 1)]
        )
        self.ensure_regions()
        self.ensure_organisations()
        self.ensure_roles()
        for spec in staff:
            self.ensure_staff(spec)
        self.ensure_citizens()
        self.ensure_enterprises()
        return self.credentials


def load(stdout: Any) -> list[DemoCredential]:
    """The directory's demo loader (registered in apps.py, run by ``manage.py demo``)."""
    demo = DirectoryDemo()
    credentials = demo.run()
    for warning in demo.tally.warnings:
        stdout.write(f"  警告：{warning}")
    stdout.write(
        f"  组织机构与账号：新建 {demo.tally.created} 项，共 {len(credentials)} 个演示账号"
    )
    return credentials
