"""Supervision commands: card rule, extensions (延长), irregularity flags and their explanation.

Extensions and explanations are workflow tasks (one inbox, one clock): the domain reacts to the
steps through ``on_step`` of the subject types registered in ``apps.py``.
"""

from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_record
from zhengwu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhengwu.directory.models import Organisation
from zhengwu.directory.selectors import account_has_perm_in
from zhengwu.supervision.clocks import clock_dates, colour_on, next_change
from zhengwu.supervision.models import (
    Clock,
    Complaint,
    ComplaintOutcome,
    Extension,
    Flag,
    RuleSettings,
)
from zhengwu.supervision.registry import rules
from zhengwu.workdays.actions import deadline_extend
from zhengwu.workdays.models import Deadline
from zhengwu.workflow.actions import definition_deploy, instance_start
from zhengwu.workflow.models import ProcessDefinition

BPMN_DIR = Path(__file__).parent / "bpmn"
EXTENSION_SUBJECT = "supervision.extension"
FLAG_SUBJECT = "supervision.flag"
EXTENSION_PROCESS = "supervision_extension"
EXPLAIN_PROCESS = "supervision_explain"
MAX_EXTENSION = 60
TEXT_MAX = 2000


def processes_deploy(*, actor: Any = None) -> list[ProcessDefinition]:
    """Deploy (or find unchanged) the supervision processes; idempotent."""
    return [
        definition_deploy(actor=actor, bpmn_xml=path.read_bytes(), filename=path.name)
        for path in sorted(BPMN_DIR.glob("*.bpmn"))
    ]


def _text(value: Any, *, required: bool, message: str, field: str) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(message, data={"field": field})
    if len(text) > TEXT_MAX:
        raise ValidationFailed(
            _("Use at most %(max)s characters.") % {"max": TEXT_MAX}, data={"field": field}
        )
    return text


# --------------------------------------------------------------------------- card rule


@transaction.atomic
def rule_settings_update(*, actor: Any, yellow_share: int, yellow_days_left: int) -> RuleSettings:
    """Change the yellow-card rule; every open clock's yellow date is recomputed."""
    if not actor.has_perm("supervision.supervise"):
        raise PermissionDenied()
    if not (isinstance(yellow_share, int) and 1 <= yellow_share <= 100):
        raise ValidationFailed(
            _("The share must be between 1 and 100 per cent."), data={"field": "yellow_share"}
        )
    if not (isinstance(yellow_days_left, int) and 0 <= yellow_days_left <= 30):
        raise ValidationFailed(
            _("The working days left must be between 0 and 30."), data={"field": "yellow_days_left"}
        )
    rule, _created = RuleSettings.objects.select_for_update().get_or_create(pk=1)
    before = [rule.yellow_share, rule.yellow_days_left]
    rule.yellow_share, rule.yellow_days_left = yellow_share, yellow_days_left
    rule.save()
    today = timezone.localdate()
    clocks = list(Clock.objects.filter(is_open=True).select_related("deadline").order_by("pk"))
    for clock in clocks:
        dates = clock_dates(clock.deadline, rule)
        clock.yellow_on = dates.yellow_on
        if not clock.is_paused:
            if (
                colour_on(today, dates.yellow_on, clock.red_on) == "green"
                and clock.colour == "yellow"
            ):
                clock.colour, clock.colour_since = "green", today
            clock.next_change_on = next_change(clock.colour, dates.yellow_on, clock.red_on)
    Clock.objects.bulk_update(
        clocks, ["yellow_on", "colour", "colour_since", "next_change_on"], batch_size=1000
    )
    audit_record(
        actor=actor,
        action="supervision.rule.update",
        target=rule,
        changes={
            "yellow_share": [before[0], yellow_share],
            "yellow_days_left": [before[1], yellow_days_left],
            "clocks_recomputed": len(clocks),
        },
    )
    return rule


# --------------------------------------------------------------------------- extensions


def may_request_extension(actor: Any, clock: Clock) -> bool:
    org = clock.organisation
    return org is not None and account_has_perm_in(actor, "supervision.add_extension", org)


@transaction.atomic
def extension_request(
    *, actor: Any, clock: Clock, extra_working_days: Any, reason: str
) -> Extension:
    """Ask for a longer time limit; the department's leader approves it in the inbox."""
    clock = (
        Clock.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=clock.pk)
    )
    if not may_request_extension(actor, clock):
        raise NotFound()
    if not clock.is_open:
        raise Conflict(_("The time limit has already ended."))
    try:
        days = int(extra_working_days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_EXTENSION:
        raise ValidationFailed(
            _("Ask for 1 to %(max)s more working days.") % {"max": MAX_EXTENSION},
            data={"field": "extra_working_days"},
        )
    reason = _text(
        reason, required=True, field="reason", message=_("Enter the reason for the extension.")
    )
    try:
        with transaction.atomic():
            extension = Extension.objects.create(
                clock=clock,
                extra_working_days=days,
                reason=reason,
                requested_by=actor,
                old_due_date=clock.due_date,
            )
    except IntegrityError:
        raise Conflict(_("An extension of this time limit is already awaiting approval.")) from None
    instance = instance_start(
        actor=actor,
        definition_key=EXTENSION_PROCESS,
        owner_type=EXTENSION_SUBJECT,
        owner_id=extension.pk,
        organisation=clock.organisation,
        title=_("Extension of %(days)s working days: %(what)s")
        % {"days": days, "what": str(clock)[:200]},
        url=reverse("supervision:clock", args=[clock.pk]),
    )
    extension.instance_id = instance.pk
    extension.save(update_fields=["instance_id"])
    audit_record(
        actor=actor,
        action="supervision.extension.request",
        target=extension,
        changes={"clock": clock.pk, "extra_working_days": days},
        reason=reason,
    )
    return extension


def extension_step(instance: Any, task: Any, actor: Any) -> None:
    """on_step of the extension process: the leader's decision applies or refuses it."""
    if task is None or task.element_id != "approve":
        return
    extension = (
        Extension.objects.select_for_update(of=("self",))
        .select_related("clock")
        .get(pk=int(instance.owner_id))
    )
    if extension.status != Extension.Status.REQUESTED:
        return
    extension.decided_by, extension.decided_at = actor, timezone.now()
    extension.opinion = task.opinion or ""
    if task.decision == "approve":
        deadline = deadline_extend(
            actor=actor,
            owner_type=extension.clock.owner_type,
            owner_id=extension.clock.owner_id,
            label=extension.clock.label,
            extra_working_days=extension.extra_working_days,
            reason=extension.reason,
        )
        extension.new_due_date = deadline.due_date
        extension.approve()
    else:
        extension.refuse()
    extension.save()
    audit_record(
        actor=actor,
        action=f"supervision.extension.{extension.status}",
        target=extension,
        changes={
            "status": ["requested", extension.status],
            "due_date": [extension.old_due_date, extension.new_due_date],
        },
        reason=extension.opinion,
    )
    # Bring the clock in line now rather than at the next tick.
    from zhengwu.supervision.clocks import _apply, rule_settings

    clock = extension.clock
    fresh = Deadline.objects.get(pk=clock.deadline_id)
    today = timezone.localdate()
    _apply(clock, fresh, rule_settings(), today, timezone.now(), [])
    clock.save()


# --------------------------------------------------------------------------- irregularities


def rules_run(*, actor: Any = None) -> list[Flag]:
    """Run every registered rule; each new finding becomes a flag with a supervision task."""
    flagged = set(Flag.objects.values_list("rule", "owner_type", "owner_id"))
    created: list[Flag] = []
    for rule in rules():
        for finding in rule.find():
            key = (rule.code, finding.owner_type, str(finding.owner_id))
            if key in flagged:
                continue
            flag = flag_open(actor=actor, rule=rule.code, finding=finding)
            if flag is not None:
                flagged.add(key)
                created.append(flag)
    return created


@transaction.atomic
def flag_open(*, actor: Any, rule: str, finding: Any) -> Flag | None:
    """Record one irregularity and open the department's explanation task; a subject already
    flagged under the rule is not flagged again (None)."""
    org = Organisation.objects.filter(pk=finding.organisation_id, is_active=True).first()
    if org is None:
        return None
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                rule=rule,
                owner_type=finding.owner_type,
                owner_id=str(finding.owner_id),
                organisation=org,
                title=finding.title[:300],
                url=finding.url[:500],
                detail=finding.detail,
            )
    except IntegrityError:
        return None
    instance = instance_start(
        actor=actor,
        definition_key=EXPLAIN_PROCESS,
        owner_type=FLAG_SUBJECT,
        owner_id=flag.pk,
        organisation=org,
        title=_("Explain: %(what)s") % {"what": finding.title[:250]},
        url=reverse("supervision:flag", args=[flag.pk]),
    )
    flag.instance_id = instance.pk
    flag.save(update_fields=["instance_id"])
    audit_record(
        actor=actor,
        action="supervision.flag.open",
        target=flag,
        changes={
            "rule": rule,
            "subject": f"{finding.owner_type}#{finding.owner_id}",
            "organisation": org.pk,
            "detail": finding.detail,
        },
    )
    return flag


def flag_step(instance: Any, task: Any, actor: Any) -> None:
    """on_step of the explanation process: keep the explanation and the supervisor's review."""
    if task is None:
        return
    flag = Flag.objects.select_for_update().get(pk=int(instance.owner_id))
    now = timezone.now()
    if task.element_id == "explain":
        if not (task.opinion or "").strip():
            raise ValidationFailed(
                _("Write the explanation in the opinion."), data={"field": "opinion"}
            )
        flag.explanation, flag.explained_by, flag.explained_at = task.opinion, actor, now
        flag.explain()
    elif task.element_id == "accept":
        flag.review_opinion, flag.reviewed_by, flag.reviewed_at = task.opinion or "", actor, now
        if task.decision == "approve":
            flag.accept()
        else:
            flag.confirm()
    else:
        return
    flag.save()
    audit_record(
        actor=actor,
        action=f"supervision.flag.{flag.status}",
        target=flag,
        changes={"status": flag.status},
        reason=task.opinion or "",
    )


@transaction.atomic
def flag_raise(*, actor: Any, clock: Clock, detail: str) -> Flag:
    """A supervisor raises a supervision task (督办) on a clock by hand."""
    if not account_has_perm_in(actor, "supervision.supervise", clock.organisation):
        raise NotFound()
    detail = _text(
        detail,
        required=True,
        field="detail",
        message=_("Describe what the department must explain."),
    )
    from zhengwu.supervision.registry import Finding

    finding = Finding(
        owner_type=clock.owner_type,
        owner_id=clock.owner_id,
        organisation_id=clock.organisation_id or 0,
        title=clock.title or str(clock),
        detail=detail,
        url=clock.url,
    )
    flag = flag_open(actor=actor, rule=f"manual:{clock.label}"[:40], finding=finding)
    if flag is None:
        raise Conflict(_("A supervision task about this time limit is already open."))
    return flag


# --------------------------------------------------------------------------- complaints (投诉)

COMPLAINT_SUBJECT = "supervision.complaint"
COMPLAINT_PROCESS = "supervision_complaint"
# The answer step's "outcome" field (choices in the diagram, in Chinese as the handler sees them).
COMPLAINT_OUTCOMES = {
    "属实": ComplaintOutcome.JUSTIFIED,
    "部分属实": ComplaintOutcome.PARTLY,
    "不属实": ComplaintOutcome.UNFOUNDED,
}


@transaction.atomic
def complaint_submit(
    *, number: str, code: str, complainant_name: str, contact_phone: str, content: str
) -> Complaint:
    """A complaint about a case, by whoever holds its number and query code (no login, like the
    public query page). Goes to the supervisors covering the handling department."""
    from zhengwu.eservices.selectors_cases import query_application

    application = query_application(number, code)  # NotFound for a wrong number or code
    name = _text(
        complainant_name, required=True, field="complainant_name", message=_("Enter your name.")
    )[:50]
    phone = _text(
        contact_phone,
        required=True,
        field="contact_phone",
        message=_("Enter a telephone number so that we can reach you."),
    )[:30]
    content = _text(
        content, required=True, field="content", message=_("Describe what you complain about.")
    )
    complaint = Complaint.objects.create(
        application_id=application.pk,
        case_number=application.number,
        organisation=application.handling_organisation,
        complainant_name=name,
        contact_phone=phone,
        content=content,
    )
    instance = instance_start(
        actor=None,
        definition_key=COMPLAINT_PROCESS,
        owner_type=COMPLAINT_SUBJECT,
        owner_id=complaint.pk,
        organisation=application.handling_organisation,
        title=_("Complaint about case %(number)s") % {"number": application.number},
        url=reverse("supervision:complaint", args=[complaint.pk]),
    )
    complaint.instance_id = instance.pk
    complaint.save(update_fields=["instance_id"])
    audit_record(
        actor=None,
        action="supervision.complaint.submit",
        target=complaint,
        changes={"case": application.number, "organisation": application.handling_organisation_id},
    )
    return complaint


def complaint_step(instance: Any, task: Any, actor: Any) -> None:
    """on_step of the complaint process: the supervisor's opinion is the answer."""
    if task is None or task.element_id != "answer":
        return
    if not (task.opinion or "").strip():
        raise ValidationFailed(
            _("Write the answer to the complainant in the opinion."), data={"field": "opinion"}
        )
    outcome = COMPLAINT_OUTCOMES.get(str((task.form_data or {}).get("outcome", "")))
    if outcome is None:
        raise ValidationFailed(
            _("Classify the complaint: justified, partly justified or not justified."),
            data={"field": "outcome"},
        )
    complaint = Complaint.objects.select_for_update().get(pk=int(instance.owner_id))
    complaint.answer, complaint.answered_by = task.opinion, actor
    complaint.outcome = outcome
    complaint.answered_at = timezone.now()
    complaint.mark_answered()
    complaint.save()
    audit_record(
        actor=actor,
        action="supervision.complaint.answer",
        target=complaint,
        changes={"status": ["received", "answered"], "outcome": outcome},
    )
