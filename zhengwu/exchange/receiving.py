"""The 收文 process: deployment, start, and how the received document follows its steps.

Steps are workflow tasks (unified inbox); this module is the subject type's ``on_step`` hook and
copies what the registration sheet (收文处理单) shows: proposal, instruction, circulation, reply,
conclusion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from zhengwu.audit.actions import audit_record
from zhengwu.exchange.models import Circulation, ReceivedDocument
from zhengwu.workflow import actions as workflow
from zhengwu.workflow.models import ProcessDefinition, ProcessInstance

PROCESS_KEY = "zw_exchange_incoming"
SUBJECT_TYPE = "exchange.received_document"
BPMN_FILE = Path(__file__).parent / "bpmn" / "incoming.bpmn"


# 答复: a higher module (documents) may offer to start an outgoing reply draft from the
# registration sheet; it registers a function giving the URL the sheet's button posts to.
_reply_starter: Any = None


def register_reply_starter(url_for: Any) -> None:
    """``url_for(received_document) -> str``: a POST endpoint that starts the reply draft."""
    global _reply_starter
    _reply_starter = url_for


def reply_start_url(doc: ReceivedDocument) -> str:
    return _reply_starter(doc) if _reply_starter is not None and doc.requires_reply else ""


def process_setup(*, actor: Any = None) -> ProcessDefinition:
    """Deploy the shipped diagram (idempotent: unchanged XML keeps the version)."""
    return workflow.definition_deploy(
        actor=actor, bpmn_xml=BPMN_FILE.read_bytes(), filename=BPMN_FILE.name
    )


def start_process(*, actor: Any, received: ReceivedDocument) -> ProcessInstance:
    if not ProcessDefinition.objects.filter(key=PROCESS_KEY, is_latest=True).exists():
        process_setup(actor=None)
    return workflow.instance_start(
        actor=actor,
        definition_key=PROCESS_KEY,
        owner_type=SUBJECT_TYPE,
        owner_id=received.pk,
        title=f"{received.receipt_number} {received.title}"[:300],
        organisation=received.organisation,
        url=reverse("exchange:received_detail", args=[received.pk]),
        variables={"requires_reply": received.requires_reply, "departments": "", "readers": ""},
    )


def resolve(owner_id: str) -> tuple[str, str] | None:
    if not owner_id.isdigit():
        return None
    doc = ReceivedDocument.objects.filter(pk=int(owner_id)).only("receipt_number", "title").first()
    if doc is None:
        return None
    return f"{doc.receipt_number} {doc.title}", reverse("exchange:received_detail", args=[doc.pk])


def _ids(text: Any) -> list[int]:
    return [int(x) for x in str(text or "").split(",") if x.strip().isdigit()]


def on_step(instance: ProcessInstance, task: Any, actor: Any) -> None:
    """Runs inside the workflow step's transaction."""
    received = (
        ReceivedDocument.objects.select_for_update(of=("self",))
        .filter(pk=int(instance.owner_id))
        .first()
    )
    if received is None or task is None:
        return
    element = task.element_id
    form = task.form_data or {}
    fields: list[str] = []
    if element == "propose":
        received.proposal = task.opinion
        fields.append("proposal")
    elif element == "instruct":
        received.instruction = task.opinion
        received.requires_reply = bool(form.get("requires_reply"))
        fields += ["instruction", "requires_reply"]
        readers = get_user_model().objects.filter(pk__in=_ids(form.get("readers")), is_active=True)
        Circulation.objects.bulk_create(
            [Circulation(document=received, reader=r) for r in readers], ignore_conflicts=True
        )
    elif element == "circulate":
        Circulation.objects.filter(document=received, reader=actor, read_at__isnull=True).update(
            read_at=timezone.now(), note=(task.opinion or "")[:300]
        )
    elif element == "reply":
        received.reply = task.opinion
        fields.append("reply")
    if (
        instance.status == ProcessInstance.Status.COMPLETED
        and received.status == ReceivedDocument.Status.PROCESSING
    ):
        received.conclude()
        fields += ["status", "concluded_at"]
        audit_record(
            actor=actor,
            action="exchange.received_document.conclude",
            target=received,
            changes={"status": ["processing", "concluded"]},
        )
    if fields:
        received.save(update_fields=fields)
