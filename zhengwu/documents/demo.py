"""Demo: registers (机关代字) for 云泽市 bodies, the roles' document permissions, a reviewer and
a leader for 市政府办公室, and about two dozen documents in every state, driven through the real
process (sent ones delivered through exchange). Idempotent: documents are found by title."""

from typing import Any

from django.contrib.auth.models import Permission

from zhengwu.directory import actions as directory
from zhengwu.directory.credentials import demo_password
from zhengwu.directory.models import Account, Organisation, Role
from zhengwu.documents import actions
from zhengwu.documents.models import DocumentRegister, OfficialDocument
from zhengwu.documents.rules import DocumentInput

ORDER = 65  # after directory (10), signing (20), workflow (20) and exchange (60)

ROLE_PERMS = {
    "secretary": ["view_officialdocument", "draft_officialdocument", "issue_officialdocument"],
    "reviewer": ["view_officialdocument", "review_officialdocument"],
    "leader": ["view_officialdocument", "countersign_officialdocument",
               "signoff_officialdocument"],
    "sysadmin": ["add_documentregister", "change_documentregister", "view_documentregister",
                 "change_documentclearance", "add_documentclearance"],
}  # fmt: skip

# (organisation code, 机关代字, 发文机关标志)
REGISTERS = [
    ("yzszf", "云政发", "云泽市人民政府文件"),
    ("szfb", "云政办发", "云泽市人民政府办公室文件"),
    ("szfb", "云政办函", "云泽市人民政府办公室"),
    ("jy", "云教发", "云泽市教育局文件"),
    ("cz", "云财发", "云泽市财政局文件"),
    ("qcq", "青政发", "青川区人民政府文件"),
]

STAFF = [
    ("szfb_reviewer", "秘书科", "科长", "reviewer"),
    ("szfb_leader", None, "秘书长", "leader"),
]

BODY = """为进一步{topic}，经市人民政府同意，现就有关事项通知如下。
一、总体要求
坚持以人民为中心的发展思想，对标先进地区经验，推动{topic}工作制度化、规范化、常态化。
二、主要任务
（一）健全工作机制
各县（市、区）人民政府、市政府各部门要明确分管领导和责任科室，建立工作台账。
1.细化责任分工
牵头单位于每季度末汇总进展情况，报市政府办公室。
（1）建立月调度制度
每月召开一次调度会，研究解决工作中遇到的问题。
（二）强化督促检查
市政府督查室将把{topic}情况纳入年度绩效考核。
三、工作要求
各地各部门要高度重视，加强组织领导，确保各项任务于2026年12月31日前落实到位。"""

# (title topic, doc type, target status, countersign?, classified?)
SPECS: list[tuple[str, str, str, bool, bool]] = [
    ("做好2026年度政务公开工作", "notice", "sent", True, False),
    ("加强政务服务“好差评”工作", "notice", "sent", False, False),
    ("开展安全生产大检查", "notice", "sent", False, False),
    ("做好防汛抗旱工作", "notice", "sent", True, False),
    ("推进“一网通办”改革", "opinion", "sent", False, False),
    ("表彰2025年度政务服务先进集体", "decision", "archived", False, False),
    ("加强公文处理工作", "notice", "sealed", False, False),
    ("规范行政规范性文件管理", "notice", "sealed", False, False),
    ("做好岁末年初安全稳定工作", "notice", "numbered", False, False),
    ("调整市政府部分议事协调机构", "notice", "numbered", False, False),
    ("优化营商环境重点任务分工", "opinion", "signed_off", False, False),
    ("印发云泽市数字政府建设实施方案", "notice", "signed_off", True, False),
    ("请求拨付防汛救灾资金", "request", "awaiting_signoff", False, False),
    ("2025年度政务服务工作情况", "report", "awaiting_signoff", False, False),
    ("做好信访工作", "notice", "awaiting_signoff", True, False),
    ("开展涉密载体清查", "notice", "countersigning", True, True),
    ("推进基层政务服务标准化建设", "notice", "countersigning", True, False),
    ("加强政府网站和政务新媒体管理", "notice", "in_review", False, False),
    ("做好2026年春节期间有关工作", "notice", "in_review", False, False),
    ("举办政务服务技能竞赛", "notice", "in_review", False, False),
    ("开展“走流程、解难题”活动", "notice", "draft", False, False),
    ("调整公文处理人员", "letter", "draft", False, False),
    ("做好统计调查工作", "notice", "draft", False, False),
    ("暂停有关建设项目审批", "notice", "withdrawn", False, False),
]


def _grant(stdout: Any) -> None:
    for code, codenames in ROLE_PERMS.items():
        role = Role.objects.filter(code=code).first()
        if role is None:
            stdout.write(f"  警告：角色 {code} 不存在，公文权限未授予。")
            continue
        perms = Permission.objects.filter(content_type__app_label="documents",
                                          codename__in=codenames)  # fmt: skip
        have = set(role.permissions.values_list("pk", flat=True))
        missing = [p for p in perms if p.pk not in have]
        if missing:
            role.permissions.add(*missing)


# People of the demo who handle the classified (秘密) documents of both demos: the office that
# drafts and sends them, the countersigning bureaus, and 市教育局/市民政局 who receive one.
CLEARED = ["secretary", "szfb_reviewer", "szfb_leader", "jy_leader", "cz_leader",
           "jy_secretary", "mz_secretary", "jy_jcjy_head", "jy_zyjy_head"]  # fmt: skip


def _clearances() -> None:
    for account in Account.objects.filter(username__in=CLEARED, document_clearance__isnull=True):
        actions.clearance_set(actor=None, account=account, level="secret")


def _staff(orgs: dict[str, Organisation]) -> list[tuple[str, str, str]]:
    credentials = []
    szfb = orgs["szfb"]
    for username, division, title, role_code in STAFF:
        password = demo_password(username, 0)
        account = Account.objects.filter(username=username).first()
        if account is None:
            org = (
                Organisation.objects.filter(parent=szfb, name=division).first()
                if division
                else None
            )
            account = directory.account_create_staff(
                actor=None, username=username,
                display_name={"szfb_reviewer": "周核稿", "szfb_leader": "吴秘书长"}[username],
                organisation=org or szfb, password=password, job_title=title,
                must_change_password=False,
            ).account  # fmt: skip
        role = Role.objects.get(code=role_code)
        directory.role_assign(actor=None, account=account, role=role, organisation=szfb,
                              covers_subtree=True)  # fmt: skip
        credentials.append(
            (username, password, f"{account.display_name} · {role.name}（{szfb.name}）")
        )
    return credentials


def _drive(doc: OfficialDocument, target: str, people: dict[str, Any]) -> OfficialDocument:
    order = ["draft", "in_review", "countersigning", "awaiting_signoff", "signed_off",
             "numbered", "sealed", "sent"]  # fmt: skip
    if target == "withdrawn":
        doc = actions.document_submit(actor=people["secretary"], document=doc)
        return actions.document_withdraw(actor=people["secretary"], document=doc, reason="情况变化")
    goal = order.index("sent" if target == "archived" else target)
    if goal >= 1 and doc.status == "draft":
        doc = actions.document_submit(actor=people["secretary"], document=doc, opinion="请核稿。")
    if goal >= 2 and doc.status == "in_review":
        doc = actions.document_decide(actor=people["reviewer"], document=doc, decision="approve",
                                      opinion="已核，文字规范。")  # fmt: skip
    if goal >= 3 and doc.status == "countersigning":
        for who in people["countersigners"]:
            if doc.status == "countersigning":
                doc = actions.document_decide(actor=who, document=doc, decision="approve",
                                              opinion="同意。")  # fmt: skip
    steps = [(4, "leader", "同意印发。"), (5, "secretary", ""), (6, "secretary", ""),
             (7, "secretary", "")]  # fmt: skip
    for step, who, opinion in steps:
        if goal >= step and order.index(doc.status) == step - 1:
            doc = actions.document_decide(actor=people[who], document=doc, decision="approve",
                                          opinion=opinion)  # fmt: skip
    if target == "archived" and doc.status == "sent":
        doc = actions.document_archive(actor=None, document=doc, retention="Y")
    return doc


def load(stdout: Any) -> list[tuple[str, str, str]]:
    _grant(stdout)
    actions.process_ensure()
    orgs = {o.code: o for o in Organisation.objects.filter(
        code__in=["yzszf", "szfb", "jy", "cz", "qcq", "lxq", "bsx"])}  # fmt: skip
    for code, daizi, mark in REGISTERS:
        if code in orgs and not DocumentRegister.objects.filter(code=daizi).exists():
            actions.register_create(actor=None, organisation=orgs[code], code=daizi,
                                    issuer_mark=mark)  # fmt: skip
    if "szfb" not in orgs:
        stdout.write("  警告：没有市政府办公室（szfb），未生成示例公文。")
        return []
    credentials = _staff(orgs)
    _clearances()
    people = {
        "secretary": Account.objects.filter(username="secretary").first(),
        "reviewer": Account.objects.get(username="szfb_reviewer"),
        "leader": Account.objects.get(username="szfb_leader"),
        "countersigners": [
            a
            for a in (
                Account.objects.filter(username=u).first() for u in ("jy_leader", "cz_leader")
            )
            if a
        ],
    }
    if people["secretary"] is None:
        stdout.write("  警告：没有 secretary 账号，未生成示例公文。")
        return credentials
    register = DocumentRegister.objects.get(code="云政办发")
    recipients = list(
        Organisation.objects.filter(
            parent=orgs.get("yzszf"), is_active=True, kind__in=["government", "department"]
        ).exclude(pk=orgs["szfb"].pk)
    )
    districts = [orgs[c] for c in ("qcq", "lxq", "bsx") if c in orgs]
    cosign = [orgs[c] for c in ("jy", "cz") if c in orgs and people["countersigners"]]
    created = 0
    for topic, doc_type, target, countersign, classified in SPECS:
        title = f"云泽市人民政府办公室关于{topic}的{_type_word(doc_type)}"
        if OfficialDocument.objects.filter(title=title, organisation=orgs["szfb"]).exists():
            continue
        upward = doc_type == "request"
        data = DocumentInput(
            doc_type=doc_type, title=title, body=BODY.format(topic=topic),
            main_recipients=[orgs["yzszf"]] if upward else [*districts, *recipients],
            main_recipients_text="" if upward else "各县（市、区）人民政府，市政府各部门",
            cc_recipients=[], cc_text="市委办公室，市人大常委会办公室，市政协办公室",
            countersign_departments=cosign if countersign else [],
            attachment_names="工作任务分工表" if doc_type in ("notice", "opinion") else "",
            security_level="secret" if classified else "none",
            security_years=1 if classified else None,
            copy_number="000012" if classified else "",
            urgency="urgent" if "防汛" in topic else "none",
            doc_date=None, note="此件公开发布" if doc_type == "notice" and not classified else "",
        )  # fmt: skip
        doc = actions.document_create(actor=people["secretary"], organisation=orgs["szfb"],
                                      register=register, data=data)  # fmt: skip
        _drive(doc, target, people)
        created += 1
    stdout.write(f"  公文：新建{created}件（各状态），发文字号登记簿{len(REGISTERS)}个。")
    return credentials


def _type_word(doc_type: str) -> str:
    return {"notice": "通知", "opinion": "意见", "decision": "决定", "request": "请示",
            "report": "报告", "letter": "函"}[doc_type]  # fmt: skip
