"""Process definitions, instances, human tasks and their history.

The engine state of an instance is SpiffWorkflow's JSON serialisation (``ProcessInstance.state``);
human tasks are mirrored as ``WorkTask`` rows so the inbox is a plain indexed query.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProcessDefinition(models.Model):
    """One deployed version of a BPMN process. Never edited: a change is a new version."""

    key = models.CharField(_("process key"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"))
    bpmn_xml = models.TextField(_("BPMN XML"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    # element id -> {name, scope, assignment, limit, multi, fields, decisions} (diagram.py)
    user_tasks = models.JSONField(_("user tasks"), default=dict)
    called_keys = models.JSONField(_("called processes"), default=list)
    subprocess_ids = models.JSONField(_("embedded sub-processes"), default=list)
    # timer event id -> {kind, action, attached_to, after, repeat, times, workdays, …}
    timers = models.JSONField(_("timers"), default=dict, blank=True)
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("deployed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    deployed_at = models.DateTimeField(_("deployed"), auto_now_add=True)
    is_latest = models.BooleanField(_("latest version"), default=True)

    class Meta:
        ordering = ["key", "-version"]
        verbose_name = _("process definition")
        verbose_name_plural = _("process definitions")
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="workflow_def_key_version"),
            models.UniqueConstraint(
                fields=["key"], condition=Q(is_latest=True), name="workflow_def_one_latest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class TaskAssignmentRule(models.Model):
    """Who does a user task the diagram left unassigned (drawn without Zhengwu's extension)."""

    definition = models.ForeignKey(
        ProcessDefinition, verbose_name=_("process definition"), on_delete=models.CASCADE,
        related_name="assignment_rules",
    )  # fmt: skip
    element_id = models.CharField(_("step id"), max_length=100)
    role = models.ForeignKey(
        "directory.Role", verbose_name=_("role"), on_delete=models.PROTECT, related_name="+"
    )
    organisation_scope = models.CharField(_("organisation"), max_length=120, default="handling")
    limit_days = models.PositiveIntegerField(_("time limit (working days)"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("set"), auto_now_add=True)

    class Meta:
        verbose_name = _("task assignment rule")
        verbose_name_plural = _("task assignment rules")
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "element_id"], name="workflow_rule_one_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.definition} · {self.element_id}"


class ProcessInstance(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        COMPLETED = "completed", _("completed")
        WITHDRAWN = "withdrawn", _("withdrawn")
        TERMINATED = "terminated", _("terminated")

    definition = models.ForeignKey(
        ProcessDefinition, verbose_name=_("process definition"), on_delete=models.PROTECT,
        related_name="instances",
    )  # fmt: skip
    # The subject of the process, supplied by the owning domain (see registry.py).
    owner_type = models.CharField(_("subject type"), max_length=100)
    owner_id = models.CharField(_("subject id"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(_("link"), max_length=500, blank=True)
    organisation = models.ForeignKey(
        "directory.Organisation", verbose_name=_("handling organisation"),
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    initiator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("initiator"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RUNNING
    )
    state = models.TextField(_("engine state"))
    # spec name (process key or embedded sub-process id) -> ProcessDefinition id it came from
    spec_map = models.JSONField(default=dict)
    version = models.PositiveIntegerField(_("version"), default=1)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("process instance")
        verbose_name_plural = _("process instances")
        permissions = [
            ("migrate_processinstance", _("Can move running instances to another version")),
            ("terminate_processinstance", _("Can terminate running instances")),
        ]
        indexes = [
            models.Index(fields=["initiator", "-started_at"], name="workflow_inst_initiator"),
            models.Index(fields=["owner_type", "owner_id"], name="workflow_inst_owner"),
            models.Index(fields=["status"], name="workflow_inst_status"),
        ]

    def __str__(self) -> str:
        return self.title


class WorkTask(models.Model):
    """A human task: one READY user task of the engine, in somebody's inbox."""

    class Status(models.TextChoices):
        OPEN = "open", _("waiting")
        CLAIMED = "claimed", _("claimed")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    ACTIVE = (Status.OPEN, Status.CLAIMED)

    instance = models.ForeignKey(
        ProcessInstance, verbose_name=_("process instance"), on_delete=models.CASCADE,
        related_name="tasks",
    )  # fmt: skip
    spiff_task_id = models.UUIDField(_("engine task id"))
    element_id = models.CharField(_("step id"), max_length=100)
    element_name = models.CharField(_("step"), max_length=200)
    scope = models.CharField(_("process scope"), max_length=100)
    # The engine task of a multi-person step (会签/或签/依次) this row is one signature of.
    multi_parent = models.UUIDField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)  # fmt: skip
    candidate_role = models.ForeignKey(
        "directory.Role", verbose_name=_("candidate role"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    candidate_organisation = models.ForeignKey(
        "directory.Organisation", verbose_name=_("candidate organisation"), null=True,
        blank=True, on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    # Copy of the candidate organisation's tree_path: "holds the role with covers_subtree in an
    # ancestor" becomes an indexed prefix match instead of a join.
    candidate_org_path = models.CharField(max_length=255, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("claimed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    # 委派: the handler who delegated the task and gets it back when the delegate has answered.
    delegated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("delegated by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    limit_days = models.PositiveIntegerField(_("time limit (working days)"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=20, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("completed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["assignee", "status"], name="workflow_task_assignee"),
            models.Index(fields=["claimed_by", "status"], name="workflow_task_claimed"),
            models.Index(
                fields=["candidate_role", "candidate_organisation", "status"],
                name="workflow_task_candidate",
            ),
            models.Index(
                fields=["candidate_role", "candidate_org_path"],
                condition=Q(status="open"),
                name="workflow_task_cand_path",
            ),
            models.Index(fields=["completed_by", "-completed_at"], name="workflow_task_done"),
            models.Index(fields=["instance", "status"], name="workflow_task_instance"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "spiff_task_id"],
                condition=Q(status__in=["open", "claimed"]),
                name="workflow_task_one_active_row",
            )
        ]

    def __str__(self) -> str:
        return f"{self.element_name} · {self.instance}"

    @property
    def handler_id(self) -> int | None:
        """Who holds the task right now (None while it waits for a candidate to claim it)."""
        return self.claimed_by_id or self.assignee_id


class TaskEvent(models.Model):
    """One line of an instance's history."""

    class Kind(models.TextChoices):
        STARTED = "started", _("started")
        CREATED = "created", _("task created")
        CLAIMED = "claimed", _("claimed")
        RELEASED = "released", _("released")
        COMPLETED = "completed", _("completed")
        TRANSFERRED = "transferred", _("transferred")
        DELEGATED = "delegated", _("delegated")
        RESOLVED = "resolved", _("returned by the delegate")
        SENT_BACK = "sent_back", _("sent back")
        CANCELLED = "cancelled", _("cancelled")
        WITHDRAWN = "withdrawn", _("withdrawn")
        CC = "cc", _("copied for information")
        ENDED = "ended", _("ended")
        REMINDED = "reminded", _("reminder sent")
        TIMED_OUT = "timed_out", _("time limit reached")
        ESCALATED = "escalated", _("escalated")
        SIGNER_ADDED = "signer_added", _("co-signer added")
        SIGNER_REMOVED = "signer_removed", _("co-signer removed")
        FIELD_REFUSED = "field_refused", _("protected field ignored")
        MIGRATED = "migrated", _("moved to another version")
        TERMINATED = "terminated", _("terminated")

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="events")
    task = models.ForeignKey(
        WorkTask, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("addressed to"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    decision = models.CharField(_("decision"), max_length=20, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("task event")
        verbose_name_plural = _("task events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.instance_id}"


class TaskEventAttachment(models.Model):
    """A file handed in with a step (办理附件), shown in the history line of that step.

    The bytes and their checks live in ``files``; who may download them is the files read rule
    ``workflow_attachment`` (whoever may view the instance, see ``selectors``).
    """

    event = models.ForeignKey(TaskEvent, on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["pk"]
        verbose_name = _("step attachment")
        verbose_name_plural = _("step attachments")
        constraints = [
            models.UniqueConstraint(fields=["file"], name="workflow_attachment_file_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} · {self.file_id}"


class TaskCopy(models.Model):
    """抄送: an instance shown read-only to someone for information."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="copies")
    task = models.ForeignKey(WorkTask, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")  # fmt: skip
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")  # fmt: skip
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="+")  # fmt: skip
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("copy for information")
        verbose_name_plural = _("copies for information")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="workflow_copy_recipient")
        ]
        constraints = [
            models.UniqueConstraint(fields=["instance", "recipient"], name="workflow_copy_once")
        ]

    def __str__(self) -> str:
        return f"{self.instance} → {self.recipient_id}"


class TaskTimer(models.Model):
    """One timer of a running instance: a reminder, a timeout or a timed wait.

    The scheduler (``manage.py workflow_tick``) is the clock: the engine's own timer events
    never fire by wall time (engine.py pins them), so working days and repeats are ours.
    Rows stay after firing, so supervision can query when each clock ran out and what it did.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("reminder")
        TIMEOUT = "timeout", _("timeout action")
        WAIT = "wait", _("timed wait")

    class Status(models.TextChoices):
        PENDING = "pending", _("not yet fired")
        FIRED = "fired", _("fired")
        CANCELLED = "cancelled", _("cancelled")

    instance = models.ForeignKey(
        ProcessInstance, verbose_name=_("process instance"), on_delete=models.CASCADE,
        related_name="timers",
    )  # fmt: skip
    # The task the timer is attached to (the first row of a multi-person step); None for a
    # timed wait (intermediate timer event).
    task = models.ForeignKey(
        WorkTask, verbose_name=_("task"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="timers",
    )  # fmt: skip
    spiff_task_id = models.UUIDField(_("engine timer id"))
    attached_spiff_id = models.UUIDField(null=True, blank=True)
    element_id = models.CharField(_("timer id"), max_length=100)
    element_name = models.CharField(_("timer"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # remind | route | send_back | escalate | wait; settings from the diagram in ``config``
    action = models.CharField(_("action"), max_length=12)
    config = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)  # fmt: skip
    due_at = models.DateTimeField(_("due at"))
    fired_at = models.DateTimeField(_("last fired"), null=True, blank=True)
    fire_count = models.PositiveIntegerField(_("times fired"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("task timer")
        verbose_name_plural = _("task timers")
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(status="pending"), name="workflow_timer_due"
            ),
            models.Index(fields=["instance", "status"], name="workflow_timer_instance"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "spiff_task_id"],
                condition=Q(status="pending"),
                name="workflow_timer_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.element_id} · {self.due_at:%Y-%m-%d %H:%M}"


class TaskForm(models.Model):
    """The form of a user task as a JSON Schema the process admin edits (no code).

    Keyed by process key and step id, so it applies to every version that has the step; the
    diagram's zw:field map still decides which fields are editable, read-only or hidden.
    """

    process_key = models.CharField(_("process key"), max_length=100)
    element_id = models.CharField(_("step id"), max_length=100)
    schema = models.JSONField(_("JSON Schema"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("last changed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("task form")
        verbose_name_plural = _("task forms")
        constraints = [
            models.UniqueConstraint(
                fields=["process_key", "element_id"], name="workflow_form_one_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.process_key} · {self.element_id}"


class EngineSpec(models.Model):
    """The engine's serialised process specs (a version's top process + the sub-processes and
    called processes it runs), stored once and referenced by SHA-256 from every instance's
    ``state`` instead of being copied into each one (~12 KB per instance and per step).
    Content-addressed, so rows are never changed or deleted; an instance stays readable after
    new versions are deployed. States written before this existed keep their specs inline and
    are read as they are (``engine.load`` accepts both)."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, primary_key=True)
    spec = models.TextField(_("engine specs (JSON)"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("engine specs")
        verbose_name_plural = _("engine specs")

    def __str__(self) -> str:
        return self.sha256[:12]
