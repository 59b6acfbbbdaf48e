"""The working-day calendar and the deadlines that are counted on it.

Time limits are counted in working days (工作日) excluding statutory holidays (法定节假日),
行政许可法 Art. 82; 调休 make-up workdays count as working days. The calendar stores only the
dates that differ from the Monday–Friday rule (``CalendarDay``); every other date follows it.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """One date whose working status differs from the Monday–Friday rule.

    ``REGULAR`` rows are tombstones: an administrator removed an override that chinese-calendar
    would otherwise seed again, so the date follows the weekday rule and reseeding leaves it alone.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("statutory holiday")
        MAKEUP_WORKDAY = "makeup", _("make-up workday")
        REGULAR = "regular", _("regular day (override removed)")

    class Source(models.TextChoices):
        PACKAGE = "package", _("seeded from chinese-calendar")
        ADMIN = "admin", _("entered by an administrator")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The holiday's name (国庆节); for a make-up workday, the holiday it makes up for.
    name = models.CharField(_("holiday name"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".strip()


class CalendarYear(models.Model):
    """Whether the platform knows a year's holidays (a missing row means unknown)."""

    class Status(models.TextChoices):
        UNKNOWN = "unknown", _("not known")
        SEEDED = "seeded", _("seeded from chinese-calendar")
        CONFIRMED = "confirmed", _("confirmed by an administrator")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UNKNOWN
    )
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return f"{self.year} {self.get_status_display()}"

    @property
    def is_known(self) -> bool:
        return self.status in (self.Status.SEEDED, self.Status.CONFIRMED)


class CalendarRevision(models.Model):
    """A single row whose token changes with every calendar change.

    Each process caches the calendar and compares this token to notice changes made by others
    (see ``selectors._calendar``); a rolled-back change restores the old token, so that is
    noticed too.
    """

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.token


class DeadlineQuerySet(models.QuerySet["Deadline"]):
    def open(self) -> "DeadlineQuerySet":
        return self.filter(is_open=True)

    def depending_on(self, day: Any) -> "DeadlineQuerySet":
        """Deadlines whose counting window (start, due] contains ``day``.

        A change on a later day cannot move the due date: the first n working days after the
        start all lie on or before it.
        """
        return self.filter(start__lt=day, due_date__gte=day)


class Deadline(models.Model):
    """A time limit of some object elsewhere in the platform, kept in step with the calendar.

    The owner is named generically (``owner_type`` such as ``"eservices.application"`` and its id)
    because domain modules sit above this one and may not be imported here.

    ``due_date`` is always ``add_working_days(start, working_days + suspended_working_days)``:
    the working days of completed suspensions (行政许可法 Art. 45, ``DeadlineSuspension``) extend
    the limit. While a suspension is open (``suspended_on`` set) the clock stands still and
    ``due_date`` does not yet include it; resuming moves it.
    """

    owner_type = models.CharField(_("owner type"), max_length=100)
    owner_id = models.CharField(_("owner id"), max_length=64)
    label = models.CharField(_("label"), max_length=100)
    start = models.DateField(_("start date"))
    working_days = models.PositiveIntegerField(_("working days"))
    due_date = models.DateField(_("due date"))
    is_open = models.BooleanField(_("open"), default=True)
    # The date the current suspension began; None while the clock runs.
    suspended_on = models.DateField(_("suspended since"), null=True, blank=True)
    # Working days of all completed suspensions, added to the limit.
    suspended_working_days = models.PositiveIntegerField(_("working days suspended"), default=0)
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        indexes = [
            models.Index(fields=["owner_type", "owner_id"]),
            # Calendar changes select open deadlines by window: start < day <= due_date.
            models.Index(
                fields=["due_date", "start"],
                condition=models.Q(is_open=True),
                name="workdays_open_deadline_window",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_type", "owner_id", "label"],
                condition=models.Q(is_open=True),
                name="workdays_one_open_deadline_per_label",
            ),
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("start")),
                name="workdays_deadline_due_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.owner_type}#{self.owner_id} → {self.due_date.isoformat()}"

    @property
    def is_suspended(self) -> bool:
        return self.suspended_on is not None


class DeadlineSuspension(models.Model):
    """One period in which a deadline's clock stood still (听证, 检验, 专家评审 …, Art. 45).

    ``working_days`` is the number of working days strictly after ``suspended_on`` up to and
    including ``resumed_on`` (``working_days_between``); it is recomputed when the calendar
    changes inside the period, and is None while the suspension is still open.
    """

    deadline = models.ForeignKey(
        Deadline, verbose_name=_("deadline"), on_delete=models.CASCADE, related_name="suspensions"
    )
    suspended_on = models.DateField(_("suspended on"))
    resumed_on = models.DateField(_("resumed on"), null=True, blank=True)
    working_days = models.PositiveIntegerField(_("working days suspended"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("suspended by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resumed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["suspended_on", "pk"]
        verbose_name = _("deadline suspension")
        verbose_name_plural = _("deadline suspensions")
        constraints = [
            models.UniqueConstraint(
                fields=["deadline"],
                condition=models.Q(resumed_on__isnull=True),
                name="workdays_one_open_suspension_per_deadline",
            ),
            models.CheckConstraint(
                condition=models.Q(resumed_on__isnull=True)
                | models.Q(resumed_on__gte=models.F("suspended_on")),
                name="workdays_suspension_resumed_not_before_suspended",
            ),
        ]

    def __str__(self) -> str:
        end = self.resumed_on.isoformat() if self.resumed_on else "…"
        return f"{self.deadline.label}: {self.suspended_on.isoformat()} – {end}"
