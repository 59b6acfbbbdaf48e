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
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengwu.audit.actions import audit_record
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
            except ValidationFailed as error:
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
        raise NotImplementedError


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


# --- People and enterprises ------------------------------------------------------------------


class PersonForm(RuleCheckedForm):
    class Meta:
        model = Person
        fields = ["name", "id_number", "mobile", "region"]


@admin.register(Person)
class PersonAdmin(ActionAdmin):
    form = PersonForm
    list_display = ["name", "masked_id_number", "sex", "birth_date", "masked_mobile", "region"]
    list_filter = ["sex"]
    # ID and phone numbers match only exactly, so a search cannot reveal them bit by bit.
    search_fields = ["name", "=id_number", "=mobile"]
    autocomplete_fields = ["region"]
    delete_action = staticmethod(actions.person_delete)

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, obj: Person) -> str:
        return selectors.mask_id_number(obj.id_number)

    @admin.display(description=_("mobile phone"))
    def masked_mobile(self, obj: Person) -> str:
        return selectors.mask_mobile(obj.mobile)

    def get_fields(self, request: HttpRequest, obj: Person | None = None) -> list[str]:
        if obj is None:
            return ["name", "id_number", "mobile", "region"]
        if selectors.may_see_personal_data(request.user):
            return ["name", "id_number", "sex", "birth_date", "mobile", "region"]
        return ["name", "masked_id_number", "sex", "birth_date", "masked_mobile", "region"]

    def get_readonly_fields(self, request: HttpRequest, obj: Person | None = None) -> list[str]:
        if obj is None:
            return []
        if selectors.may_see_personal_data(request.user):
            return ["id_number", "sex", "birth_date"]
        return ["masked_id_number", "sex", "birth_date", "masked_mobile"]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:  # fmt: skip
        if request.method == "GET" and selectors.may_see_personal_data(request.user):
            person = self.get_object(request, object_id)
            if person is not None and self.has_view_or_change_permission(request, person):
                # Seeing the unmasked numbers is a sensitive read (个人信息保护法; 等保 audit).
                audit_record(actor=request.user, action="directory.person.view_personal_data",
                             target=person, is_read=True,
                             reason=gettext("Opened in system administration"))  # fmt: skip
        return super().change_view(request, object_id, form_url, extra_context)

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
    form = RoleForm
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
            saved = actions.role_update(
                actor=request.user, role=obj, permissions=data["permissions"],
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
                                            organisation=data["organisation"])  # fmt: skip
            except ValidationFailed as error:
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
    class Meta:
        model = Account
        fields = ["display_name", "organisation", "job_title", "email", "mobile"]

    def check_rules(self, data: dict[str, Any]) -> None:
        if self.instance.kind == Account.Kind.STAFF and "organisation" in self.changed_data:
            rules.check_staff_organisation(data.get("organisation"))


@admin.register(Account)
class AccountAdmin(ActionAdmin):
    list_display = ["username", "display_name", "kind", "organisation", "masked_id_number",
                    "is_active", "must_change_password"]  # fmt: skip
    list_filter = ["kind", "is_active", "must_change_password",
                   ("organisation", admin.RelatedOnlyFieldListFilter)]  # fmt: skip
    search_fields = ["username", "display_name", "person__name", "enterprise__name",
                     "=person__id_number", "=enterprise__credit_code"]  # fmt: skip
    list_select_related = ["organisation", "person"]
    autocomplete_fields = ["organisation"]
    inlines = [RoleAssignmentInline]
    actions = ["deactivate_selected", "reactivate_selected", "reset_password_selected"]

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, obj: Account) -> str:
        return selectors.mask_id_number(obj.person.id_number if obj.person else None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit trail refers to them

    def get_form(self, request: HttpRequest, obj: Account | None = None, **kwargs: Any) -> Any:
        kwargs["form"] = StaffAccountCreationForm if obj is None else AccountChangeForm
        kwargs["fields"] = None
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Account | None = None) -> Any:
        if obj is None:
            return [(None, {"fields": ["username", "display_name", "organisation", "job_title",
                                       "email", "mobile", "initial_password"]})]  # fmt: skip
        return [
            (None, {"fields": ["username", "kind", "display_name", "organisation", "job_title",
                               "email", "mobile"]}),
            (_("identity"), {"fields": ["person_name", "masked_id_number", "enterprise"]}),
            (_("status"), {"fields": ["is_active", "must_change_password", "last_login",
                                      "date_joined"]}),
        ]  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: Account | None = None) -> list[str]:
        if obj is None:
            return []
        return ["username", "kind", "person_name", "masked_id_number", "enterprise", "is_active",
                "must_change_password", "last_login", "date_joined"]  # fmt: skip

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
                **_changed(form, ["display_name", "organisation", "job_title", "email", "mobile"]),
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
            except ValidationFailed as error:
                messages.error(request, str(error.message))
        messages.success(request, gettext("%(count)s accounts deactivated.") % {"count": done})

    @admin.action(description=_("Reactivate the selected accounts"),
                  permissions=["change"])  # fmt: skip
    def reactivate_selected(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        for account in queryset:
            actions.account_reactivate(actor=request.user, account=account)
        messages.success(request, gettext("%(count)s accounts reactivated.")
                         % {"count": queryset.count()})  # fmt: skip

    @admin.action(description=_("Reset the password of the selected accounts"),
                  permissions=["change"])  # fmt: skip
    def reset_password_selected(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        for account in queryset:
            if account.pk == request.user.pk:
                messages.error(request, gettext("Change your own password on your account page."))
                continue
            password = actions.account_reset_password(actor=request.user, account=account)
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        actions.role_revoke(actor=request.user, assignment=obj)
