"""Maintenance of the directory in the platform's Django admin (/workbench/admin/).

Every save and delete goes through ``zhengwu.directory.actions``, so the admin validates and
audits exactly as the rest of the platform does. Forms run the same rules (``rules.py``) in
``clean()`` so that a refused value is shown next to its field before anything is saved.
Accounts are never deleted, only deactivated; ID and phone numbers are masked in lists.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengwu.core.errors import ApplicationError, ValidationFailed
from zhengwu.directory import actions, rules, selectors
from zhengwu.directory.models import (
    Account,
    Enterprise,
    Organisation,
    Person,
    Region,
    Role,
    RoleAssignment,
)

# --- Shared machinery ------------------------------------------------------------------------


def _adopt(obj: Any, saved: Any) -> None:
    """Make the admin's in-memory object the row the action saved (the admin keeps using it)."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj.refresh_from_db()


def _changed(form: forms.ModelForm, names: list[str]) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in names if name in form.changed_data}


class RuleCheckedForm(forms.ModelForm):
    """A model form that also runs a directory rule check, showing refusals on their field."""

    def check_rules(self, data: dict[str, Any]) -> None:
        """Override: raise ValidationFailed (from ``rules``) to refuse the input."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            try:
                self.check_rules(data)
            except ApplicationError as error:
                field = error.data.get("field")
                self.add_error(field if field in self.fields else None, str(error.message))
        return data


class ActionAdmin(admin.ModelAdmin):
    """Turns an ApplicationError raised by an action at save time (e.g. a concurrent change)
    into a message instead of a server error; the admin's transaction has been rolled back."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:  # fmt: skip
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as error:
            messages.error(request, str(error.message))
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ApplicationError as error:
            messages.error(request, str(error.message))
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().changelist_view(request, extra_context)
        except ApplicationError as error:
            messages.error(request, str(error.message))
            return HttpResponseRedirect(request.get_full_path())

    delete_action: Callable[..., None] | None = None

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        if self.delete_action is None:
            raise ValidationFailed(gettext("This item cannot be deleted."))
        self.delete_action(actor=request.user, **{self.opts.model_name: obj})

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # All or nothing: when one object cannot be deleted, none is (one message, no half-done
        # bulk action to untangle).
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: list[Any], change: bool
    ) -> None:
        # Many-to-many fields and inlines are saved by the actions, never directly.
        for formset in formsets:
            self.save_formset_with_actions(request, form, formset, change)

    def save_formset_with_actions(
        self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool
    ) -> None:
        # Admins without inlines never get here; one with inlines must route them through actions.
        raise ImproperlyConfigured(
            f"{type(self).__name__} has inlines but does not save them through directory actions"
        )


# --- Regions ---------------------------------------------------------------------------------


class RegionForm(RuleCheckedForm):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "is_active"]

    def check_rules(self, data: dict[str, Any]) -> None:
        if self.instance.pk is None:
            rules.check_region_code(data["code"].strip(), data["level"], data.get("parent"))
        elif "code" in self.changed_data:
            rules.check_region_code(data["code"].strip(), self.instance.level,
                                    self.instance.parent)  # fmt: skip


@admin.register(Region)
class RegionAdmin(ActionAdmin):
    form = RegionForm
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]
    ordering = ["code"]
    autocomplete_fields = ["parent"]
    list_per_page = 100
    delete_action = staticmethod(actions.region_delete)

    def get_readonly_fields(self, request: HttpRequest, obj: Region | None = None) -> list[str]:
        return ["level", "parent"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Region, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            saved = actions.region_create(
                actor=request.user, code=data["code"], name=data["name"], level=data["level"],
                parent=data.get("parent"), is_active=data["is_active"],
            )  # fmt: skip
        else:
            changes = _changed(form, ["code", "name", "is_active"])
            saved = actions.region_update(actor=request.user, region=obj, **changes)
        _adopt(obj, saved)


# --- Organisations ---------------------------------------------------------------------------


class OrganisationForm(RuleCheckedForm):
    class Meta:
        model = Organisation
        fields = ["name", "short_name", "code", "kind", "parent", "region", "credit_code",
                  "sort_order", "is_active"]  # fmt: skip

    def check_rules(self, data: dict[str, Any]) -> None:
        rules.check_sort_order(data.get("sort_order") or 0)
        if self.instance.pk is not None and "parent" in self.changed_data:
            # The instance already carries the new parent; check against the stored tree.
            stored = Organisation.objects.get(pk=self.instance.pk)
            rules.check_move(stored, data.get("parent"))


@admin.register(Organisation)
class OrganisationAdmin(ActionAdmin):
    form = OrganisationForm
    list_display = ["tree_name", "kind", "region", "credit_code", "code", "is_active"]
    list_filter = ["kind", "is_active", "region__level"]
    search_fields = ["name", "short_name", "code", "credit_code"]
    ordering = ["sort_path"]
    autocomplete_fields = ["parent", "region"]
    list_select_related = ["region"]
    list_per_page = 200
    readonly_fields = ["tree_path"]
    delete_action = staticmethod(actions.organisation_delete)

    @admin.display(description=_("name"), ordering="sort_path")
    def tree_name(self, obj: Organisation) -> str:
        depth = selectors.organisation_depth(obj)
        if depth == 0:
            return format_html("<strong>{}</strong>", obj.name)
        return format_html(
            '<span style="padding-left:{}em">└ {}</span>', depth * 1.5, obj.name
        )

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        data = form.cleaned_data
        own_fields = ["name", "short_name", "code", "kind", "region", "credit_code", "sort_order",
                      "is_active"]  # fmt: skip
        if not change:
            saved = actions.organisation_create(
                actor=request.user, parent=data.get("parent"),
                **{name: data.get(name) for name in own_fields},
            )  # fmt: skip
        else:
            saved = actions.organisation_update(actor=request.user, organisation=obj,
                                                **_changed(form, own_fields))  # fmt: skip
            if "parent" in form.changed_data:
                saved = actions.organisation_move(actor=request.user, organisation=saved,
                                                  new_parent=data.get("parent"))  # fmt: skip
        _adopt(obj, saved)


# --- Personal data: masked by default, revealed for a stated purpose ---------------------------

REVEAL_SESSION_KEY = "directory_revealed"
REVEAL_MINUTES = 10


class RevealPurposeForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of viewing"), max_length=200,
        help_text=_("Why you need the full ID number and contact details, e.g. the case or "
                    "ticket number. Recorded in the audit trail."),
    )  # fmt: skip


class PersonalDataAdmin(ActionAdmin):
    """Change pages show ID numbers, phone numbers and e-mail addresses masked. Holders of
    ``directory.view_personal_data`` may reveal them for one object for a few minutes after
    stating a purpose; each reveal is an audited sensitive read (个人信息保护法 §51, 等保 audit).
    """

    def _reveal_key(self, obj: Any) -> str:
        return f"{obj._meta.label_lower}:{obj.pk}"

    def is_revealed(self, request: HttpRequest, obj: Any) -> bool:
        if obj is None or not selectors.may_see_personal_data(request.user):
            return False
        until = request.session.get(REVEAL_SESSION_KEY, {}).get(self._reveal_key(obj), 0)
        return timezone.now().timestamp() < until

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path("<path:object_id>/reveal/", self.admin_site.admin_view(self.reveal_view),
                 name="%s_%s_reveal" % info),  # noqa: UP031
            *super().get_urls(),
        ]  # fmt: skip

    def reveal_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404
        if not selectors.may_see_personal_data(request.user):
            messages.error(request, gettext("You may not see unmasked personal data."))
            return HttpResponseRedirect(self._change_url(obj))
        form = RevealPurposeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                actions.personal_data_reveal(actor=request.user, target=obj,
                                             purpose=form.cleaned_data["purpose"])  # fmt: skip
            except ApplicationError as error:
                form.add_error("purpose", str(error.message))
            else:
                revealed = dict(request.session.get(REVEAL_SESSION_KEY, {}))
                revealed[self._reveal_key(obj)] = (
                    timezone.now().timestamp() + REVEAL_MINUTES * 60
                )
                request.session[REVEAL_SESSION_KEY] = revealed
                return HttpResponseRedirect(self._change_url(obj))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "original": obj, "form": form,
            "title": gettext("Show the full personal data of %(object)s") % {"object": obj},
            "minutes": REVEAL_MINUTES,
        }  # fmt: skip
        return TemplateResponse(request, "admin/directory/reveal_personal_data.html", context,
                                status=400 if request.method == "POST" else 200)  # fmt: skip

    def _change_url(self, obj: Any) -> str:
        info = self.opts.app_label, self.opts.model_name
        return reverse("admin:%s_%s_change" % info, args=[obj.pk])  # noqa: UP031

    @admin.display(description=_("full personal data"))
    def reveal_link(self, obj: Any) -> str:
        info = self.opts.app_label, self.opts.model_name
        url = reverse("admin:%s_%s_reveal" % info, args=[obj.pk])  # noqa: UP031
        return format_html('<a href="{}">{}</a>', url, gettext("Show (asks for a purpose)"))


# --- People and enterprises ------------------------------------------------------------------


class PersonForm(RuleCheckedForm):
    class Meta:
        model = Person
        fields = ["name", "id_number", "mobile", "region"]


@admin.register(Person)
class PersonAdmin(PersonalDataAdmin):
    form = PersonForm
    list_display = ["name", "masked_id_number", "sex", "birth_date", "masked_mobile", "region"]
    list_filter = ["sex"]
    autocomplete_fields = ["region"]
    delete_action = staticmethod(actions.person_delete)

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        # ID and phone numbers match only exactly, so a search cannot reveal them bit by bit,
        # and only for holders of the grant: an exact match confirms who a number belongs to.
        if selectors.may_see_personal_data(request.user):
            return ["name", "=id_number", "=mobile"]
        return ["name"]

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, obj: Person) -> str:
        return selectors.mask_id_number(obj.id_number)

    @admin.display(description=_("mobile phone"))
    def masked_mobile(self, obj: Person) -> str:
        return selectors.mask_mobile(obj.mobile)

    def get_fields(self, request: HttpRequest, obj: Person | None = None) -> list[str]:
        if obj is None:
            return ["name", "id_number", "mobile", "region"]
        if self.is_revealed(request, obj):
            return ["name", "id_number", "sex", "birth_date", "mobile", "region"]
        fields = ["name", "masked_id_number", "sex", "birth_date", "masked_mobile", "region"]
        if selectors.may_see_personal_data(request.user):
            fields.append("reveal_link")
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Person | None = None) -> list[str]:
        if obj is None:
            return []
        if self.is_revealed(request, obj):
            return ["id_number", "sex", "birth_date"]
        return ["masked_id_number", "sex", "birth_date", "masked_mobile", "reveal_link"]

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            saved = actions.person_create(actor=request.user, name=data["name"],
                                          id_number=data.get("id_number") or None,
                                          mobile=data.get("mobile", ""),
                                          region=data.get("region"))  # fmt: skip
        else:
            changes = _changed(form, ["name", "mobile", "region"])
            saved = actions.person_update(actor=request.user, person=obj, **changes)
        _adopt(obj, saved)


class EnterpriseForm(RuleCheckedForm):
    class Meta:
        model = Enterprise
        fields = ["name", "credit_code", "legal_representative", "region"]


@admin.register(Enterprise)
class EnterpriseAdmin(ActionAdmin):
    form = EnterpriseForm
    list_display = ["name", "credit_code", "legal_representative", "region"]
    search_fields = ["name", "=credit_code", "legal_representative"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]
    delete_action = staticmethod(actions.enterprise_delete)

    def save_model(self, request: HttpRequest, obj: Enterprise, form: Any, change: bool) -> None:
        data = form.cleaned_data
        fields = ["name", "credit_code", "legal_representative", "region"]
        if not change:
            values = {name: data.get(name) for name in fields}
            saved = actions.enterprise_create(actor=request.user, **values)
        else:
            saved = actions.enterprise_update(actor=request.user, enterprise=obj,
                                              **_changed(form, fields))  # fmt: skip
        _adopt(obj, saved)


# --- Roles -----------------------------------------------------------------------------------

_DEFAULT_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(perm: Permission) -> str:
    """A Chinese label: permission names are stored in English when the database is migrated."""
    model = perm.content_type.model_class()
    if model is None:
        return f"{perm.content_type.app_label} | {perm.name}"
    opts = model._meta
    app = str(opts.app_config.verbose_name)
    verb, _sep, model_name = perm.codename.partition("_")
    if verb in _DEFAULT_ACTIONS and model_name == opts.model_name:
        name = str(_DEFAULT_ACTIONS[verb]) % {"model": opts.verbose_name}
    else:
        name = gettext(perm.name)
    return f"{app} | {name}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


class RoleForm(RuleCheckedForm):
    permissions = PermissionChoiceField(
        queryset=Permission.objects.select_related("content_type").order_by(
            "content_type__app_label", "content_type__model", "codename"
        ),
        required=False,
        label=_("permissions"),
        widget=admin.widgets.FilteredSelectMultiple(_("permissions"), is_stacked=False),
    )

    class Meta:
        model = Role
        fields = ["code", "name", "description", "requires_second_factor", "permissions"]


@admin.register(Role)
class RoleAdmin(ActionAdmin):
    """The picker offers only permissions the administrator may grant (never the framework's
    own; for anyone but a superuser only those they hold). Permissions of the role outside that
    set are kept as they are when the form is saved."""

    form = RoleForm

    def get_form(self, request: HttpRequest, obj: Role | None = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["permissions"].queryset = rules.role_permissions_choosable(request.user)
        return form
    list_display = ["name", "code", "requires_second_factor", "holders"]
    list_filter = ["requires_second_factor"]
    search_fields = ["name", "code", "description"]
    delete_action = staticmethod(actions.role_delete)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Role]:
        return super().get_queryset(request).annotate(holder_count=Count("assignments"))

    @admin.display(description=_("role assignments"), ordering="holder_count")
    def holders(self, obj: Role) -> int:
        return obj.holder_count  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Role, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            saved = actions.role_create(
                actor=request.user, code=data["code"], name=data["name"],
                description=data.get("description", ""), permissions=data["permissions"],
                requires_second_factor=data["requires_second_factor"],
            )  # fmt: skip
        else:
            choosable = rules.role_permissions_choosable(request.user)
            kept = Role.objects.get(pk=obj.pk).permissions.exclude(pk__in=choosable.values("pk"))
            saved = actions.role_update(
                actor=request.user, role=obj, permissions=[*data["permissions"], *kept],
                **_changed(form, ["code", "name", "description", "requires_second_factor"]),
            )  # fmt: skip
        _adopt(obj, saved)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Permissions were set (and audited) by the action."""


# --- Accounts --------------------------------------------------------------------------------


class RoleAssignmentFormSet(BaseInlineFormSet):
    actor: Any = None

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not form.has_changed():
                continue
            try:
                rules.check_role_assignment(actor=self.actor, account=self.instance,
                                            organisation=data["organisation"],
                                            role=data["role"])  # fmt: skip
            except ApplicationError as error:
                form.add_error(None, str(error.message))


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    formset = RoleAssignmentFormSet
    fields = ["role", "organisation", "covers_subtree", "granted_at"]
    readonly_fields = ["granted_at"]
    autocomplete_fields = ["organisation"]
    extra = 0
    verbose_name = _("role")
    verbose_name_plural = _("roles within organisations")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor = request.user  # a fresh class per request: safe to set
        return formset

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # Only organisations the administrator administers, and only roles whose permissions
        # the administrator holds (the actions refuse anything else as well).
        if db_field.name == "organisation":
            kwargs["queryset"] = selectors.organisations_where(
                request.user, selectors.MANAGE_ACCOUNTS_PERM
            )
        elif db_field.name == "role" and not request.user.is_superuser:
            lacking = Permission.objects.exclude(
                pk__in=selectors.role_permissions(request.user).values("pk")
            )
            kwargs["queryset"] = Role.objects.exclude(permissions__in=lacking)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StaffAccountCreationForm(RuleCheckedForm):
    """The administrator's "create staff account" form: the holder must change the password."""

    initial_password = forms.CharField(
        label=_("initial password"), required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to generate a random password, shown once after saving. "
                    "The holder must change it at first sign-in."),
    )  # fmt: skip

    class Meta:
        model = Account
        fields = ["username", "display_name", "organisation", "job_title", "email", "mobile"]

    def check_rules(self, data: dict[str, Any]) -> None:
        username = rules.check_username(data.get("username", ""))
        rules.check_staff_organisation(data.get("organisation"))
        if data.get("initial_password"):
            rules.check_password(data["initial_password"], Account(username=username))


class AccountChangeForm(RuleCheckedForm):
    """Contact details are fields only while revealed (see PersonalDataAdmin); otherwise the
    page shows them masked and read-only."""

    class Meta:
        model = Account
        fields = ["display_name", "organisation", "job_title", "email", "mobile"]

    def check_rules(self, data: dict[str, Any]) -> None:
        if self.instance.kind == Account.Kind.STAFF and "organisation" in self.changed_data:
            rules.check_staff_organisation(data.get("organisation"))


@admin.register(Account)
class AccountAdmin(PersonalDataAdmin):
    """Scoped: an administrator sees and changes only the accounts of organisations where they
    hold ``directory.change_account`` (``selectors.accounts_administered_by``); the actions
    refuse the rest, superusers and accounts holding permissions the administrator lacks."""

    list_display = ["username", "display_name", "kind", "organisation", "masked_id_number",
                    "is_active", "must_change_password"]  # fmt: skip
    list_filter = ["kind", "is_active", "must_change_password",
                   ("organisation", admin.RelatedOnlyFieldListFilter)]  # fmt: skip
    search_fields = ["username", "display_name", "person__name", "enterprise__name",
                     "=enterprise__credit_code"]  # fmt: skip
    list_select_related = ["organisation", "person"]
    autocomplete_fields = ["organisation"]
    inlines = [RoleAssignmentInline]
    actions = ["deactivate_selected", "reactivate_selected", "reset_password_selected"]

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, obj: Account) -> str:
        return selectors.mask_id_number(obj.person.id_number if obj.person else None)

    @admin.display(description=_("mobile phone"))
    def masked_mobile(self, obj: Account) -> str:
        return selectors.mask_mobile(obj.mobile)

    @admin.display(description=_("email address"))
    def masked_email(self, obj: Account) -> str:
        return selectors.mask_email(obj.email)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        scope = selectors.accounts_administered_by(request.user)
        return super().get_queryset(request).filter(pk__in=scope.values("pk"))

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        if selectors.may_see_personal_data(request.user):
            return [*self.search_fields, "=person__id_number", "=mobile"]
        return list(self.search_fields)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "organisation":
            kwargs["queryset"] = selectors.organisations_where(
                request.user, selectors.MANAGE_ACCOUNTS_PERM
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _contact_fields(self, request: HttpRequest, obj: Account) -> list[str]:
        if self.is_revealed(request, obj):
            return ["email", "mobile"]
        fields = ["masked_email", "masked_mobile"]
        if selectors.may_see_personal_data(request.user):
            fields.append("reveal_link")
        return fields
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit trail refers to them

    def get_form(self, request: HttpRequest, obj: Account | None = None, **kwargs: Any) -> Any:
        kwargs["form"] = StaffAccountCreationForm if obj is None else AccountChangeForm
        kwargs["fields"] = None
        if obj is not None and not self.is_revealed(request, obj):
            kwargs["exclude"] = ["email", "mobile"]
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Account | None = None) -> Any:
        if obj is None:
            return [(None, {"fields": ["username", "display_name", "organisation", "job_title",
                                       "email", "mobile", "initial_password"]})]  # fmt: skip
        return [
            (None, {"fields": ["username", "kind", "display_name", "organisation", "job_title",
                               *self._contact_fields(request, obj)]}),
            (_("identity"), {"fields": ["person_name", "masked_id_number", "enterprise"]}),
            (_("status"), {"fields": ["is_active", "must_change_password", "last_login",
                                      "date_joined"]}),
        ]  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: Account | None = None) -> list[str]:
        if obj is None:
            return []
        return ["username", "kind", "person_name", "masked_id_number", "enterprise", "is_active",
                "must_change_password", "last_login", "date_joined", "masked_email",
                "masked_mobile", "reveal_link"]  # fmt: skip

    @admin.display(description=_("person"))
    def person_name(self, obj: Account) -> str:
        return obj.person.name if obj.person else ""

    def get_inline_instances(self, request: HttpRequest, obj: Account | None = None) -> list[Any]:
        if obj is None or obj.kind != Account.Kind.STAFF:
            return []
        return super().get_inline_instances(request, obj)

    def save_model(self, request: HttpRequest, obj: Account, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            new = actions.account_create_staff(
                actor=request.user, username=data["username"], display_name=data["display_name"],
                organisation=data["organisation"], password=data.get("initial_password") or None,
                job_title=data.get("job_title", ""), email=data.get("email", ""),
                mobile=data.get("mobile", ""),
            )  # fmt: skip
            if not data.get("initial_password"):
                messages.warning(request, gettext(
                    "The initial password of %(username)s is %(password)s. It is shown only "
                    "this once: hand it over in person or through a secure channel."
                ) % {"username": new.account.username, "password": new.password})  # fmt: skip
            saved = new.account
        else:
            saved = actions.account_update(
                actor=request.user, account=obj,
                **_changed(form, [name for name in ("display_name", "organisation", "job_title",
                                                    "email", "mobile") if name in form.fields]),
            )  # fmt: skip
        _adopt(obj, saved)

    def save_formset_with_actions(
        self, request: HttpRequest, form: Any, formset: Any, change: bool
    ) -> None:
        account = form.instance
        for row in formset.forms:
            data = getattr(row, "cleaned_data", None)
            if not data:
                continue
            existing = row.instance if row.instance.pk else None
            if data.get("DELETE"):
                if existing is not None:
                    actions.role_revoke(actor=request.user, assignment=existing)
                continue
            if not row.has_changed():
                continue
            if existing is not None and (
                "role" in row.changed_data or "organisation" in row.changed_data
            ):
                stored = RoleAssignment.objects.get(pk=existing.pk)
                actions.role_revoke(actor=request.user, assignment=stored)
            actions.role_assign(actor=request.user, account=account, role=data["role"],
                                organisation=data["organisation"],
                                covers_subtree=data.get("covers_subtree", False))  # fmt: skip
        # The admin's change message reads these lists.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.action(description=_("Deactivate the selected accounts"),
                  permissions=["change"])  # fmt: skip
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        done = 0
        for account in queryset:
            try:
                actions.account_deactivate(actor=request.user, account=account)
                done += 1
            except ApplicationError as error:
                messages.error(request, f"{account.username}：{error.message}")
        messages.success(request, gettext("%(count)s accounts deactivated.") % {"count": done})

    @admin.action(description=_("Reactivate the selected accounts"),
                  permissions=["change"])  # fmt: skip
    def reactivate_selected(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        done = 0
        for account in queryset:
            try:
                actions.account_reactivate(actor=request.user, account=account)
                done += 1
            except ApplicationError as error:
                messages.error(request, f"{account.username}：{error.message}")
        messages.success(request, gettext("%(count)s accounts reactivated.")
                         % {"count": done})  # fmt: skip

    @admin.action(description=_("Reset the password of the selected accounts"),
                  permissions=["change"])  # fmt: skip
    def reset_password_selected(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        for account in queryset:
            if account.pk == request.user.pk:
                messages.error(request, gettext("Change your own password on your account page."))
                continue
            try:
                password = actions.account_reset_password(actor=request.user, account=account)
            except ApplicationError as error:
                messages.error(request, f"{account.username}：{error.message}")
                continue
            messages.warning(request, gettext(
                "The new password of %(username)s is %(password)s. It is shown only this once; "
                "it must be changed at the next sign-in."
            ) % {"username": account.username, "password": password})  # fmt: skip


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ActionAdmin):
    """Who holds which role where; assignments are made on the account page."""

    list_display = ["account", "role", "organisation", "covers_subtree", "granted_at"]
    list_filter = ["role", "covers_subtree", ("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["account__username", "account__display_name", "organisation__name"]
    list_select_related = ["account", "role", "organisation"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoleAssignment]:
        scope = selectors.accounts_administered_by(request.user)
        return super().get_queryset(request).filter(account__in=scope.values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        actions.role_revoke(actor=request.user, assignment=obj)
