"""Regions, organisations, people, enterprises, accounts and organisation-scoped roles."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Permission, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengwu.identifiers.validators import validate_credit_code, validate_resident_id


class Region(models.Model):
    """An administrative division, coded per GB/T 2260 (6 digits) down to county level,
    9 digits for townships (GB/T 10114) and 12 for villages (统计用区划代码)."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("province")
        CITY = 2, _("city")
        COUNTY = 3, _("county")
        TOWNSHIP = 4, _("township")
        VILLAGE = 5, _("village")

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent region"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )  # fmt: skip
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A body in the organisation tree: party and government bodies, departments, towns,
    village committees."""

    class Kind(models.TextChoices):
        PARTY = "party", _("party body")
        GOVERNMENT = "government", _("people's government")
        DEPARTMENT = "department", _("government department")
        INTERNAL = "internal", _("internal division")
        TOWN = "town", _("township government")
        VILLAGE_COMMITTEE = "village_committee", _("village committee")
        OTHER = "other", _("other body")

    name = models.CharField(_("name"), max_length=150)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    # A short stable key for integrations, demo loaders and user names ("scjg"); optional.
    code = models.SlugField(
        _("code"), max_length=50, unique=True, null=True, blank=True,
        help_text=_("A short stable key, e.g. scjg for the market regulation administration."),
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, null=True, blank=True,
        validators=[validate_credit_code],
    )  # fmt: skip
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )  # fmt: skip
    # Materialised path of primary keys ("/1/4/9/"), maintained by directory actions, so that
    # "this organisation and everything below it" is one indexed prefix query.
    tree_path = models.CharField(max_length=255, db_index=True, editable=False, default="/")
    # The same path built from (sort_order, pk) segments, so ordering by it lists the tree
    # depth-first with siblings in their display order. Also maintained by directory actions.
    sort_path = models.CharField(max_length=255, db_index=True, editable=False, default="/")
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["sort_path"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A natural person known to the platform (staff member or citizen)."""

    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    name = models.CharField(_("full name"), max_length=50)
    id_number = models.CharField(
        _("resident ID number"), max_length=18, unique=True, null=True, blank=True,
        validators=[validate_resident_id],
    )  # fmt: skip
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    mobile = models.CharField(_("mobile phone"), max_length=20, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region of residence"), null=True, blank=True,
        on_delete=models.PROTECT,
    )  # fmt: skip

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        # Without this grant, ID and phone numbers are shown masked (个人信息保护法 §51).
        permissions = [("view_personal_data", _("Can see unmasked ID and phone numbers"))]

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    """A legal person or other organisation applying for services (法人)."""

    name = models.CharField(_("name"), max_length=150)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True,
        validators=[validate_credit_code],
    )  # fmt: skip
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return self.name


class AccountManager(BaseUserManager["Account"]):
    def create_user(self, username: str, password: str | None = None, **fields: Any) -> "Account":
        account = self.model(username=username, **fields)
        account.set_password(password)
        account.save(using=self._db)
        return account

    def create_superuser(
        self, username: str, password: str | None = None, **fields: Any
    ) -> "Account":
        fields.setdefault("kind", Account.Kind.STAFF)
        fields.setdefault("display_name", username)
        return self.create_user(username, password, is_superuser=True, **fields)


class Account(AbstractBaseUser, PermissionsMixin):
    """A login. Staff accounts belong to an organisation and act through roles; public accounts
    are real-name citizens (by ID number) or enterprises (by credit code)."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("staff")
        CITIZEN = "citizen", _("citizen")
        ENTERPRISE = "enterprise", _("enterprise")

    username = models.CharField(_("user name"), max_length=150, unique=True)
    display_name = models.CharField(_("display name"), max_length=100)
    kind = models.CharField(_("account kind"), max_length=12, choices=Kind.choices)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="accounts",
    )  # fmt: skip
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="accounts",
    )  # fmt: skip
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="staff",
    )  # fmt: skip
    job_title = models.CharField(_("job title"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    mobile = models.CharField(_("mobile phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    must_change_password = models.BooleanField(
        _("must change password at next login"), default=False
    )
    password_changed_at = models.DateTimeField(_("password last changed"), null=True, blank=True)
    date_joined = models.DateTimeField(_("created"), default=timezone.now)
    # Whether a confirmed second-factor device exists, kept by identity whenever a device is
    # saved or deleted: every request checks it, and the devices are two more queries each time.
    has_second_factor = models.BooleanField(
        _("second factor enrolled"), default=False, editable=False
    )

    objects = AccountManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="staff") | models.Q(organisation__isnull=False)
                | models.Q(is_superuser=True),
                name="staff_account_has_organisation",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="enterprise") | models.Q(enterprise__isnull=False),
                name="enterprise_account_has_enterprise",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name}（{self.username}）"

    @property
    def is_staff(self) -> bool:
        """Staff accounts may open the back office; Django admin additionally checks permissions."""
        return self.kind == self.Kind.STAFF and self.is_active

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class Role(models.Model):
    """A named bundle of permissions, held within an organisation
    (e.g. 受理员 of 市市场监督管理局)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=50)
    description = models.TextField(_("description"), blank=True)
    permissions = models.ManyToManyField(Permission, verbose_name=_("permissions"), blank=True)
    requires_second_factor = models.BooleanField(
        _("sensitive: requires a second factor (TOTP)"), default=False
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """An account holds a role within one organisation, optionally covering the subtree below it."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE,
        related_name="role_assignments",
    )  # fmt: skip
    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="assignments"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT,
        related_name="role_assignments",
    )  # fmt: skip
    covers_subtree = models.BooleanField(_("also covers subordinate organisations"), default=False)
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "role", "organisation"], name="unique_role_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.role} @ {self.organisation}"
