"""延长 (行政许可法 第42条): more time for the decision on a case, approved by a leader.

- 第1款: a decision is due within 20 working days of 受理; with the approval of the organ's
  head the limit may be extended by **10 working days**, and the applicant is told the reason.
- 第2款 (统一/联合/集中办理, Art. 26): 45 days, extendable by **15 working days** with the
  approval of the head of the government at the same level (本级人民政府负责人).

The clerk asks (``extension_request``); the request is a workflow task (``bpmn/extension.bpmn``:
role ``leader`` of the handling department; ``bpmn/extension_joint.bpmn`` for joint items: role
``leader`` of the handling department's parent organisation, i.e. the 本级人民政府) so it sits
in the unified inbox with its own clock. The leader's decision comes back through
``extension_step`` (``on_step`` of subject type ``eservices.extension``): approval moves the
case's **statutory** deadline (``workdays.deadline_extend``; the promised limit is the
department's own promise and stays), tells the applicant and writes a public timeline event;
refusal keeps the date. One granted extension per case (DB constraint); a refused request may
be followed by a new one.

Why not supervision's extension workflow: supervision sits above eservices in the layers
(eservices may not import it) and its extension applies to any clock without the case rules
(statutory maximum, once per case, applicant told). The shape is the same (request → leader's
task → ``deadline_extend``).
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengwu.audit.actions import audit_record
from zhengwu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhengwu.directory.selectors import account_has_perm_in
from zhengwu.eservices import cases
from zhengwu.eservices.models import Application, CaseExtension
from zhengwu.notify.actions import notify_send
from zhengwu.workdays import actions as workdays
from zhengwu.workdays.models import Deadline
from zhengwu.workflow import actions as workflow
from zhengwu.workflow.models import ProcessInstance, WorkTask

SUBJECT_TYPE = "eservices.extension"
PROCESS = "eservices_extension"
JOINT_PROCESS = "eservices_extension_joint"
MAX_DAYS = 10  # 第42条第1款
MAX_DAYS_JOINT = 15  # 第42条第2款 (统一/联合/集中办理)
S = Application.Status
E = CaseExtension.Status


def is_joint(app: Application) -> bool:
    return app.item.joint_organisations.exists()


def max_days(app: Application) -> int:
    return MAX_DAYS_JOINT if is_joint(app) else MAX_DAYS


def _statutory(app: Application) -> Deadline | None:
    return (
        Deadline.objects.open()
        .filter(owner_type=cases.OWNER, owner_id=str(app.pk), label="statutory")
        .first()
    )


def may_request(actor: Any, app: Application) -> bool:
    """What the case page asks before offering the form (the action re-checks)."""
    return (
        app.status in (S.ACCEPTED, S.UNDER_REVIEW, S.SUSPENDED)
        and account_has_perm_in(actor, cases.HANDLE_PERM, app.handling_organisation)
        and not app.extensions.filter(status__in=(E.REQUESTED, E.APPROVED)).exists()
        and _statutory(app) is not None
    )


@transaction.atomic
def extension_request(
    *, actor: Any, application: Application, reason: str, extra_working_days: Any = None
) -> CaseExtension:
    """Ask for more time (default: the legal maximum, 10 or 15 working days for joint items)."""
    app = cases._lock(application)
    cases._require_staff(actor, app)
    reason = cases._clean_reason(reason, _("Give the reason for the extension."))
    limit = max_days(app)
    try:
        days = limit if extra_working_days in (None, "") else int(extra_working_days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= limit:
        raise ValidationFailed(
            _("The law allows 1 to %(max)s more working days for this case.") % {"max": limit},
            data={"field": "extra_working_days"},
        )
    if app.status not in (S.ACCEPTED, S.UNDER_REVIEW, S.SUSPENDED):
        raise Conflict(_("Only an accepted case that is not yet decided can be extended."))
    deadline = _statutory(app)
    if deadline is None:
        raise Conflict(_("The case has no statutory time limit to extend."))
    if app.extensions.filter(status=E.APPROVED).exists():
        raise Conflict(_("The time limit of this case has already been extended once."))
    try:
        with transaction.atomic():
            ext = CaseExtension.objects.create(
                application=app,
                extra_working_days=days,
                reason=reason,
                requested_by=actor,
                old_due_date=deadline.due_date,
            )
    except IntegrityError:
        raise Conflict(_("An extension of this case is already awaiting approval.")) from None
    instance = workflow.instance_start(
        actor=actor,
        definition_key=JOINT_PROCESS if is_joint(app) else PROCESS,
        owner_type=SUBJECT_TYPE,
        owner_id=ext.pk,
        title=_("Extension of %(days)s working days: %(number)s %(item)s")
        % {"days": days, "number": app.number, "item": app.item.name},
        organisation=app.handling_organisation,
        url=reverse("cases:detail", args=[app.pk]),
    )
    ext.workflow_instance = instance
    ext.save(update_fields=["workflow_instance"])
    cases._event(
        app,
        actor,
        "extension_request",
        _("%(days)s working days asked for: %(reason)s") % {"days": days, "reason": reason},
        public=False,
    )
    audit_record(
        actor=actor,
        action="eservices.extension.request",
        target=app,
        changes={"extra_working_days": days, "statutory_due": str(deadline.due_date)},
        reason=reason,
    )
    return ext


def open_extension_task(ext: CaseExtension) -> WorkTask | None:
    if ext.workflow_instance_id is None:
        return None
    return WorkTask.objects.filter(
        instance_id=ext.workflow_instance_id, status__in=WorkTask.ACTIVE
    ).first()


@transaction.atomic
def extension_decide(
    *, actor: Any, extension: CaseExtension, approve: bool, opinion: str = ""
) -> CaseExtension:
    """The leader decides from the case page (the inbox task page does the same)."""
    task = open_extension_task(extension)
    if task is None:
        raise Conflict(_("The extension has already been decided."))
    if not workflow.may_handle(actor, task):
        raise PermissionDenied(_("This step of the case is not yours to handle."))
    workflow.task_complete(
        actor=actor, task=task, decision="approve" if approve else "reject", opinion=opinion
    )
    extension.refresh_from_db()
    return extension


def extension_step(instance: ProcessInstance, task: WorkTask | None, actor: Any) -> None:
    """``on_step`` of subject type ``eservices.extension``: apply the leader's decision."""
    ext = (
        CaseExtension.objects.select_for_update(of=("self",))
        .filter(pk=int(instance.owner_id))
        .first()
    )
    if ext is None:
        raise NotFound()
    if ext.status != E.REQUESTED:
        return
    app = cases._lock(ext.application_id)
    now = timezone.now()
    if task is None:  # the requester withdrew it through the workflow
        ext.refuse()
        ext.opinion = _("withdrawn by the requester")
        ext.decided_at = now
        ext.save()
        return
    if task.element_id != "approve":
        return
    if actor is not None and getattr(actor, "pk", None) == ext.requested_by_id:
        raise PermissionDenied(_("Nobody approves their own extension request."))
    ext.decided_by, ext.decided_at, ext.opinion = actor, now, task.opinion or ""
    if task.decision == "approve":
        if _statutory(app) is None or app.status not in (S.ACCEPTED, S.UNDER_REVIEW, S.SUSPENDED):
            raise Conflict(_("The case has been decided already; refuse the extension instead."))
        deadline = workdays.deadline_extend(
            actor=actor,
            owner_type=cases.OWNER,
            owner_id=app.pk,
            label="statutory",
            extra_working_days=ext.extra_working_days,
            reason=ext.reason,
        )
        ext.new_due_date = deadline.due_date
        ext.approve()
        ext.save()
        app.statutory_due = deadline.due_date
        app.version += 1
        app.save(update_fields=["statutory_due", "version", "updated_at"])
        note = _(
            "The time limit for the decision was extended by %(days)s working days to %(date)s "
            "(行政许可法第四十二条). Reason: %(reason)s"
        ) % {"days": ext.extra_working_days, "date": deadline.due_date, "reason": ext.reason}
        cases._event(app, actor, "extension", note)
        cases._tell_applicant(app, _("Time limit of %(number)s extended"), note)
    else:
        ext.refuse()
        ext.save()
        cases._event(app, actor, "extension_refused", ext.opinion, public=False)
    audit_record(
        actor=actor,
        action=f"eservices.extension.{ext.status}",
        target=app,
        changes={
            "status": ["requested", ext.status],
            "statutory_due": [str(ext.old_due_date), str(ext.new_due_date or ext.old_due_date)],
        },
        reason=ext.opinion,
    )
    if ext.requested_by_id and (actor is None or ext.requested_by_id != actor.pk):
        approved = ext.status == E.APPROVED
        subject = _("Extension approved: %(n)s") if approved else _("Extension refused: %(n)s")
        notify_send(
            recipients=[ext.requested_by],
            subject=subject % {"n": app.number},
            body=ext.opinion or app.item.name,
            link=reverse("cases:detail", args=[app.pk]),
            category="eservices.application",
        )


def resolve(owner_id: str) -> tuple[str, str] | None:
    ext = (
        CaseExtension.objects.filter(pk=int(owner_id)).select_related("application__item").first()
        if owner_id.isdigit()
        else None
    )
    if ext is None:
        return None
    app = ext.application
    return (
        _("Extension: %(number)s %(item)s") % {"number": app.number, "item": app.item.name},
        reverse("cases:detail", args=[app.pk]),
    )
