"""Demo: 收发员 accounts, documents sent between 云泽市 bodies, received documents in every
state and archive items. Idempotent: every object is looked up by a stable key first
(dispatches by ``source_type="exchange.demo"``), so a second run changes nothing.

Runs after directory (10) and workflow admin (20), before documents (65), whose sent
documents go through exchange and need the 收发员 permissions granted here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from zhengwu.directory import actions as directory
from zhengwu.directory.demo import _available_password
from zhengwu.directory.models import Account, Organisation, Role, RoleAssignment
from zhengwu.exchange import actions, receiving
from zhengwu.exchange.models import ArchiveItem, Dispatch, ReceivedDocument
from zhengwu.files.actions import file_store
from zhengwu.workflow import actions as workflow
from zhengwu.workflow.models import WorkTask

ORDER = 60
SOURCE = "exchange.demo"
PERMS = ["handle_delivery", "register_received", "track_dispatch", "manage_archive"]
# (username, display name, organisation code, division) — 收发员 of receiving units.
CLERKS = [
    ("jy_secretary", "陈晓梅", "jy", "办公室"),
    ("mz_secretary", "刘建华", "mz", "办公室"),
    ("scjg_secretary", "黄丽娟", "scjg", "办公室"),
]
# Heads of 市教育局's divisions, who handle (承办) what the bureau's leader assigns to them.
HEADS = [
    ("jy_jcjy_head", "马志强", "jy", "基础教育科"),
    ("jy_zyjy_head", "林婉清", "jy", "职业教育科"),
]
# (key, title, number, security, recipients, cc, story for 市教育局)
DISPATCHES = [
    (
        "flood",
        "关于做好2026年防汛抗旱工作的通知",
        "云政办发〔2026〕3号",
        "",
        "ALL",
        ["tj"],
        "archived",
    ),
    (
        "safety",
        "关于开展安全生产大检查的通知",
        "云政办发〔2026〕5号",
        "",
        ["jy", "mz", "scjg", "yj", "ga"],
        [],
        "concluded",
    ),
    (
        "budget",
        "关于报送2027年部门预算建议的通知",
        "云政办发〔2026〕8号",
        "秘密",
        ["jy", "mz", "cz", "scjg"],
        [],
        "instructed",
    ),
    (
        "meeting",
        "关于召开全市教育工作会议的通知",
        "云政办函〔2026〕11号",
        "",
        ["jy", "mz", "scjg"],
        ["rs"],
        "waiting",
    ),
]


def _pdf(title: str, number: str) -> bytes:
    from weasyprint import HTML

    html = (
        "<html><body style='font-family: serif'>"
        f"<h1 style='color:#c00;text-align:center'>云泽市人民政府办公室文件</h1><p>{number}</p>"
        f"<h2 style='text-align:center'>{title}</h2>"
        "<p>各县（区）人民政府，市直各部门：</p><p>现将有关事项通知如下，请认真贯彻落实。</p>"
        "<p style='text-align:right'>云泽市人民政府办公室</p></body></html>"
    )
    return HTML(string=html).write_pdf()


def _grant_role() -> bool:
    role = Role.objects.filter(code="secretary").first()
    if role is None:
        return False
    wanted = list(Permission.objects.filter(content_type__app_label="exchange", codename__in=PERMS))
    have = set(role.permissions.values_list("pk", flat=True))
    if all(p.pk in have for p in wanted):
        return False
    directory.role_update(actor=None, role=role, permissions=[*role.permissions.all(), *wanted])
    return True


def _accounts(
    credentials: list[tuple[str, str, str]],
    specs: list[tuple[str, str, str, str]],
    role_code: str,
    title: str,
) -> dict[str, Account]:
    role = Role.objects.get(code=role_code)
    out = {}
    for username, name, org_code, division in specs:
        org = Organisation.objects.get(code=org_code)
        unit = Organisation.objects.filter(parent=org, name=division).first() or org
        password = _available_password(username)
        account = Account.objects.filter(username=username).first()
        if account is None:
            account = directory.account_create_staff(
                actor=None,
                username=username,
                display_name=name,
                organisation=unit,
                password=password,
                job_title=title,
                must_change_password=False,
            ).account
        scope = org if role_code == "secretary" else unit
        if not RoleAssignment.objects.filter(
            account=account, role=role, organisation=scope
        ).exists():
            directory.role_assign(
                actor=None, account=account, role=role, organisation=scope, covers_subtree=True
            )
        out[org_code if role_code == "secretary" else username] = account
        credentials.append((username, password, f"{name} · {title}（{scope.name}）"))
    return out


def _step(
    actor: Any,
    received: ReceivedDocument,
    element: str,
    opinion: str = "",
    form: dict[str, Any] | None = None,
) -> None:
    tasks = WorkTask.objects.filter(
        instance_id=received.process_instance_id, element_id=element, status__in=WorkTask.ACTIVE
    ).order_by("pk")
    task = next((t for t in tasks if workflow.may_handle(actor, t)), None)
    if task is not None:
        workflow.task_complete(
            actor=actor, task=task, decision="approve", opinion=opinion, form_data=form
        )


def _story(
    received: ReceivedDocument, story: str, clerk: Account, heads: dict[str, Account]
) -> None:
    """Move 市教育局's registration to the state the demo wants it in."""
    if story == "waiting":
        return
    leader = Account.objects.filter(username="jy_leader").first()
    if leader is None:
        return
    _step(clerk, received, "review", "符合收文要求")
    _step(clerk, received, "propose", "拟请局领导阅示，交有关科室办理")
    if story == "instructed":
        return
    handlers = [h.organisation for h in heads.values()]
    _step(
        leader,
        received,
        "instruct",
        "请有关科室认真研究落实",
        {
            "departments": ",".join(str(d.pk) for d in handlers),
            "readers": str(clerk.pk),
            "requires_reply": False,
        },
    )
    for head in heads.values():
        _step(head, received, "handle", "已按要求落实")
    _step(clerk, received, "circulate", "已阅")
    _step(clerk, received, "conclude", "办结")
    received.refresh_from_db()
    if story == "archived" and received.status == ReceivedDocument.Status.CONCLUDED:
        actions.received_archive(actor=clerk, received=received, retention="D30")


def load(stdout: Any) -> list[tuple[str, str, str]]:
    credentials: list[tuple[str, str, str]] = []
    if not Organisation.objects.filter(code="szfb").exists():
        return credentials
    granted = _grant_role()
    clerks = _accounts(credentials, CLERKS, "secretary", "收发员")
    heads = _accounts(credentials, HEADS, "leader", "科长")
    sender_clerk = Account.objects.filter(username="secretary").first()
    receiving.process_setup(actor=None)
    sender = Organisation.objects.get(code="szfb")
    departments = list(
        Organisation.objects.filter(parent=sender.parent, kind="department")
        .exclude(pk=sender.pk)
        .order_by("sort_path")
    )
    made = 0
    for key, title, number, level, recipients, cc, story in DISPATCHES:
        if Dispatch.objects.filter(source_type=SOURCE, source_id=key).exists():
            continue
        main = (
            departments
            if recipients == "ALL"
            else list(Organisation.objects.filter(code__in=recipients).order_by("sort_path"))
        )
        pdf = file_store(
            actor=sender_clerk,
            upload=SimpleUploadedFile(f"{number}.pdf", _pdf(title, number)),
            purpose="exchange_demo",
        )
        dispatch = actions.dispatch_send(
            actor=sender_clerk,
            sender_organisation=sender,
            title=title,
            doc_number=number,
            doc_type="通知",
            security_level=level,
            urgency="",
            main_recipients=main,
            cc_recipients=list(Organisation.objects.filter(code__in=cc)),
            pdf=pdf,
            attachments=[],
            source_type=SOURCE,
            source_id=key,
        )
        made += 1
        deliveries = {
            d.organisation.code: d for d in dispatch.deliveries.select_related("organisation")
        }
        if "jy" in deliveries and "jy" in clerks:
            received = actions.delivery_sign_for(actor=clerks["jy"], delivery=deliveries["jy"])
            _story(received, story, clerks["jy"], heads)
        if key != "meeting" and "mz" in deliveries and "mz" in clerks:
            actions.delivery_sign_for(actor=clerks["mz"], delivery=deliveries["mz"])
        if key == "safety" and "scjg" in deliveries and "scjg" in clerks:
            actions.delivery_refuse(
                actor=clerks["scjg"],
                delivery=deliveries["scjg"],
                reason="该事项已由市安委会另行部署，请核实主送单位。",
            )
        if key == "flood":
            actions.delivery_remind(actor=sender_clerk, dispatch=dispatch)
    if (
        "jy" in clerks
        and not ReceivedDocument.objects.filter(is_paper=True, organisation__code="jy").exists()
    ):
        scan = file_store(
            actor=clerks["jy"],
            upload=SimpleUploadedFile(
                "省教育厅来函.pdf", _pdf("关于开展中小学课后服务调研的函", "云教函〔2026〕2号")
            ),
            purpose="exchange_scan",
        )
        actions.paper_register(
            actor=clerks["jy"],
            organisation=Organisation.objects.get(code="jy"),
            title="关于开展中小学课后服务调研的函",
            doc_number="云教函〔2026〕2号",
            sender_name="云泽省教育厅",
            doc_date=dt.date(2026, 3, 2),
            scan=scan,
            requires_reply=True,
        )
        made += 1
    if made or granted:
        stdout.write(
            _("  Exchange: %(made)s demo documents sent or registered, %(items)s archive items")
            % {"made": made, "items": ArchiveItem.objects.count()}
        )
    return credentials
