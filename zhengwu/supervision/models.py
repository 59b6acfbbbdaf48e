"""Electronic supervision (电子监察): one clock per time limit, cards, extensions, flags.

A ``Clock`` mirrors one ``workdays.Deadline`` (a case's statutory/promised limit, a workflow
task's limit, a document's or a letter's) with the dates the supervision rule needs precomputed:
``yellow_on`` (first day of the yellow card) and ``red_on`` (first day overdue), and
``next_change_on`` (the date the colour changes next, NULL when it cannot change: red, paused or
closed). Re-evaluating every clock is then one indexed ``UPDATE … WHERE next_change_on <= today``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition


class Colour(models.TextChoices):
    GREEN = "green", _("green")
    YELLOW = "yellow", _("yellow card")
    RED = "red", _("red card")


class RuleSettings(models.Model):
    """The card rule, editable by the supervisor (one row, pk=1)."""

    yellow_share = models.PositiveSmallIntegerField(
        _("yellow when this share of the limit is used (%)"), default=80
    )
    yellow_days_left = models.PositiveSmallIntegerField(
        _("yellow when this many working days remain"), default=2
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("card rule")
        verbose_name_plural = _("card rules")

    def __str__(self) -> str:
        return f"{self.yellow_share}% / {self.yellow_days_left}"


class SyncState(models.Model):
    """Where the incremental sync of deadlines stopped (one row, pk=1)."""

    synced_through = models.DateTimeField(null=True, blank=True)
    last_tick_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.synced_through}"


class Clock(models.Model):
    deadline = models.OneToOneField(
        "workdays.Deadline",
        verbose_name=_("deadline"),
        on_delete=models.CASCADE,
        related_name="supervision_clock",
    )
    owner_type = models.CharField(_("owner type"), max_length=100)
    owner_id = models.CharField(_("owner id"), max_length=64)
    label = models.CharField(_("time limit"), max_length=100)
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # What the statistics group by, e.g. a case's service item ("<id>:<name>"); from the owner.
    category = models.CharField(_("category"), max_length=200, blank=True)
    start = models.DateField(_("start date"))
    working_days = models.PositiveIntegerField(_("working days"))
    due_date = models.DateField(_("due date"))
    yellow_on = models.DateField(_("yellow card from"))
    red_on = models.DateField(_("red card from"))
    next_change_on = models.DateField(null=True, blank=True)
    colour = models.CharField(
        _("colour"), max_length=6, choices=Colour.choices, default=Colour.GREEN
    )
    colour_since = models.DateField(_("colour since"), null=True, blank=True)
    is_open = models.BooleanField(pgettext_lazy("clock", "running"), default=True)
    is_paused = models.BooleanField(_("paused"), default=False)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Working days from start to close, less the suspended ones (processing time).
    elapsed_days = models.IntegerField(_("working days taken"), null=True, blank=True)
    deadline_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        indexes = [
            models.Index(fields=["next_change_on"], name="sup_clock_next_change"),
            # Dashboard aggregates read these indexes only (index-only scans on PostgreSQL).
            models.Index(
                fields=["organisation", "colour"],
                name="sup_clock_open",
                condition=models.Q(is_open=True),
            ),
            models.Index(
                fields=["closed_on", "due_date"],
                name="sup_clock_closed",
                condition=models.Q(is_open=False),
            ),
            models.Index(fields=["owner_type", "owner_id"], name="sup_clock_owner"),
            models.Index(
                fields=["category", "elapsed_days"],
                name="sup_clock_category",
                condition=models.Q(is_open=False),
            ),
        ]
        permissions = [
            ("supervise", _("Supervise time limits, flags and complaints")),
            ("receive_cards", _("Receive the department's red and yellow cards")),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.owner_type + '#' + self.owner_id} · {self.label}"


class Card(models.Model):
    """A yellow or red card issued to a clock; kept after the clock closes."""

    class Reason(models.TextChoices):
        TIME = "time", _("time running out or overdue")
        LATE = "late", _("concluded after the limit")

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="cards")
    colour = models.CharField(_("colour"), max_length=6, choices=Colour.choices)
    reason = models.CharField(
        _("reason"), max_length=6, choices=Reason.choices, default=Reason.TIME
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(_("due date"))
    issued_on = models.DateField(pgettext_lazy("card", "issued on"))
    issued_at = models.DateTimeField(_("issued at"))
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    recipients = models.JSONField(_("notified accounts"), default=list, blank=True)

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        indexes = [
            models.Index(
                fields=["issued_at"],
                name="sup_card_unnotified",
                condition=models.Q(notified_at__isnull=True),
            ),
            models.Index(fields=["organisation", "issued_on"], name="sup_card_org"),
        ]

    def __str__(self) -> str:
        return f"{self.get_colour_display()} {self.issued_on}"


class Extension(FSMModelMixin, models.Model):
    """A request to lengthen a time limit (延长), approved through a workflow task."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("awaiting approval")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="extensions")
    extra_working_days = models.PositiveSmallIntegerField(_("extra working days"))
    reason = models.TextField(_("reason"))
    status = FSMField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.REQUESTED,
        protected=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    old_due_date = models.DateField(_("due date before"))
    new_due_date = models.DateField(_("due date after"), null=True, blank=True)
    instance_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        constraints = [
            models.UniqueConstraint(
                fields=["clock"],
                condition=models.Q(status="requested"),
                name="sup_one_pending_extension",
            )
        ]

    def __str__(self) -> str:
        return f"+{self.extra_working_days} ({self.get_status_display()})"

    @transition(field=status, source=Status.REQUESTED, target=Status.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=Status.REQUESTED, target=Status.REFUSED)
    def refuse(self) -> None:
        pass


class Flag(FSMModelMixin, models.Model):
    """An irregularity found by a rule; the department explains it in a supervision task."""

    class Status(models.TextChoices):
        OPEN = "open", _("awaiting explanation")
        EXPLAINED = "explained", _("explained, awaiting review")
        ACCEPTED = "accepted", _("explanation accepted")
        CONFIRMED = "confirmed", _("irregularity confirmed")

    rule = models.CharField(_("rule"), max_length=40)
    owner_type = models.CharField(_("owner type"), max_length=100)
    owner_id = models.CharField(_("owner id"), max_length=64)
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(_("link"), max_length=500, blank=True)
    detail = models.TextField(_("what was found"))
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)
    status = FSMField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, protected=True
    )
    explanation = models.TextField(_("explanation"), blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("explained by"),
    )
    explained_at = models.DateTimeField(_("explained at"), null=True, blank=True)
    review_opinion = models.TextField(_("review opinion"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    instance_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("irregularity")
        verbose_name_plural = _("irregularities")
        constraints = [
            models.UniqueConstraint(fields=["rule", "owner_type", "owner_id"], name="sup_flag_once")
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="sup_flag_org")]

    def __str__(self) -> str:
        return f"{self.rule}: {self.title}"

    @transition(field=status, source=[Status.OPEN], target=Status.EXPLAINED)
    def explain(self) -> None:
        pass

    @transition(field=status, source=Status.EXPLAINED, target=Status.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=status, source=Status.EXPLAINED, target=Status.CONFIRMED)
    def confirm(self) -> None:
        pass


class ComplaintOutcome(models.TextChoices):
    """How the supervisor classified a complaint when answering it (feeds the scorecard)."""

    JUSTIFIED = "justified", _("justified")
    PARTLY = "partly", _("partly justified")
    UNFOUNDED = "unfounded", _("not justified")


class Complaint(FSMModelMixin, models.Model):
    """投诉 about a case, made from its public query page; answered by the supervisor within its
    own limit (workflow task ``answer`` of ``supervision_complaint``)."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("being handled")
        ANSWERED = "answered", _("answered")

    application_id = models.BigIntegerField(_("case"))
    case_number = models.CharField(_("case number"), max_length=40)
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    complainant_name = models.CharField(_("your name"), max_length=50)
    contact_phone = models.CharField(_("contact telephone"), max_length=30)
    content = models.TextField(_("complaint"))
    status = FSMField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED, protected=True
    )
    answer = models.TextField(_("answer"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=ComplaintOutcome.choices, blank=True
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    instance_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [models.Index(fields=["application_id"], name="sup_complaint_case")]

    def __str__(self) -> str:
        return f"{self.case_number} · {self.complainant_name}"

    @transition(field=status, source=Status.RECEIVED, target=Status.ANSWERED)
    def mark_answered(self) -> None:
        pass


# ----------------------------------------------------------------------------- scorecards


class ScoringRule(models.Model):
    """One version of the scoring rule (绩效考核规则). Never changed once saved: an edit saves a
    new version, so a past month's scorecard names the version it was computed with and can be
    reproduced. The current rule is the newest version."""

    weight_on_time = models.PositiveSmallIntegerField(_("weight: on-time rate"), default=40)
    weight_flags = models.PositiveSmallIntegerField(
        _("weight: confirmed irregularities"), default=20
    )
    weight_ratings = models.PositiveSmallIntegerField(_("weight: service ratings"), default=25)
    weight_complaints = models.PositiveSmallIntegerField(_("weight: complaints"), default=15)
    # On-time rate (%) that earns full marks; below it the component is rate / target × 100.
    on_time_target = models.PositiveSmallIntegerField(
        _("on-time rate for full marks (%)"), default=95
    )
    flag_penalty = models.PositiveSmallIntegerField(
        _("points off per confirmed irregularity"), default=20
    )
    # Levels at or above this count as satisfied (GB/T 39735: 4 满意, 5 非常满意).
    satisfied_level = models.PositiveSmallIntegerField(_("satisfied from rating level"), default=4)
    complaint_penalty = models.PositiveSmallIntegerField(
        _("points off per justified complaint"), default=25
    )
    partly_penalty = models.PositiveSmallIntegerField(
        _("points off per partly justified complaint"), default=10
    )
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("saved by"),
    )
    note = models.CharField(_("reason for the change"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"v{self.pk}"


class Scorecard(models.Model):
    """A department's performance (绩效) for one month: the counts read from the rows behind
    them, each component's score (0–100) and the weighted total, with the rule version used."""

    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.DateField(_("month"))  # first day of the month
    rule = models.ForeignKey(
        ScoringRule, verbose_name=_("scoring rule"), on_delete=models.PROTECT, related_name="+"
    )
    closed_total = models.PositiveIntegerField(_("time limits concluded"), default=0)
    closed_late = models.PositiveIntegerField(_("concluded late"), default=0)
    flags_confirmed = models.PositiveIntegerField(_("irregularities confirmed"), default=0)
    ratings_total = models.PositiveIntegerField(_("ratings"), default=0)
    ratings_satisfied = models.PositiveIntegerField(_("satisfied ratings"), default=0)
    ratings_bad = models.PositiveIntegerField(_("bad ratings"), default=0)
    ratings_level_sum = models.PositiveIntegerField(default=0)
    complaints_total = models.PositiveIntegerField(_("complaints answered"), default=0)
    complaints_justified = models.PositiveIntegerField(_("justified complaints"), default=0)
    complaints_partly = models.PositiveIntegerField(_("partly justified complaints"), default=0)
    score_on_time = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    score_flags = models.DecimalField(max_digits=5, decimal_places=1)
    score_ratings = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    score_complaints = models.DecimalField(max_digits=5, decimal_places=1)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    rank = models.PositiveIntegerField(_("rank"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "month"], name="sup_scorecard_once")
        ]
        indexes = [models.Index(fields=["month", "rank"], name="sup_scorecard_month")]
        permissions = [("view_ranking", _("View the departments' performance ranking"))]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%Y-%m} {self.score}"

    @property
    def on_time_rate(self) -> float | None:
        if not self.closed_total:
            return None
        return round(100 * (self.closed_total - self.closed_late) / self.closed_total, 1)

    @property
    def satisfied_share(self) -> float | None:
        if not self.ratings_total:
            return None
        return round(100 * self.ratings_satisfied / self.ratings_total, 1)

    @property
    def rating_average(self) -> float | None:
        if not self.ratings_total:
            return None
        return round(self.ratings_level_sum / self.ratings_total, 2)
