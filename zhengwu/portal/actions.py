"""Commands of the portal: 政务公开 items, prohibited words and their overrides, sub-site editors.

Page editing itself goes through Wagtail (revisions, workflows, its own log); what the platform
adds on top is audited here with zhengwu.audit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from zhengwu.audit.actions import audit_record
from zhengwu.core.errors import PermissionDenied, ValidationFailed
from zhengwu.identifiers.actions import number_next
from zhengwu.portal import sensitive
from zhengwu.portal.models import (
    DISCLOSURE_GENRES,
    DISCLOSURE_TOPICS,
    DisclosureItem,
    SensitiveWord,
    SensitiveWordOverride,
    SubSitePage,
    Validity,
)

OVERRIDE_PERMISSION = "portal.override_sensitiveword"
# Wagtail page permissions given to a sub-site's editors and reviewers on its subtree only.
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page")
REVIEWER_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
OFFICE_REVIEW_GROUP = "门户网站办公室终审"
# Function permissions come from directory roles (zhengwu.directory.backends counts roles only);
# Wagtail groups carry only the page-tree scope (GroupPagePermission) and document collections.
WEB_EDITOR_PERMISSIONS = (
    "wagtailadmin.access_admin", "wagtaildocs.add_document", "wagtaildocs.change_document",
    "wagtaildocs.choose_document", "portal.view_disclosureitem", "portal.add_disclosureitem",
    "portal.change_disclosureitem",
)  # fmt: skip
WEB_REVIEWER_PERMISSIONS = (
    *WEB_EDITOR_PERMISSIONS, "portal.override_sensitiveword", "portal.view_sensitiveword",
    "portal.add_sensitiveword", "portal.change_sensitiveword", "portal.delete_sensitiveword",
)  # fmt: skip
DOCUMENT_COLLECTION_PERMISSIONS = ("add_document", "change_document", "choose_document")


# --- 政务公开 catalogue ------------------------------------------------------------------------


def disclosure_index_prefix(organisation: Any) -> str:
    """The organisation part of a 索引号: its 统一社会信用代码 if recorded, else its short code."""
    return (organisation.credit_code or organisation.code or str(organisation.pk)).upper()


def format_index_number(organisation: Any, year: int, serial: int) -> str:
    """索引号 ``<机构代码>/<年>-<5-digit serial>``, e.g. ``11990100MB0000017X/2025-00042``."""
    return f"{disclosure_index_prefix(organisation)}/{year}-{serial:05d}"


def disclosure_index_number_next(organisation: Any, year: int) -> str:
    """The next 索引号 of ``organisation`` for ``year``: gapless, never issued twice (the
    identifiers module's locked counter; call inside the transaction that stores the item)."""
    serial = number_next(register=f"portal.disclosure.{organisation.pk}", year=year)
    return format_index_number(organisation, year, serial)


def disclosure_item_create(
    *, actor: Any, organisation: Any, title: str, topic: str, genre: str,
    generated_on: dt.date | None = None, published_on: dt.date | None = None,
    document_number: str = "", validity: str = Validity.VALID, summary: str = "",
    page: Page | None = None, audit: bool = True,
) -> DisclosureItem:  # fmt: skip
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Enter a title.")
    if topic not in DISCLOSURE_TOPICS:
        errors["topic"] = _("Choose a topic from the list.")
    if genre not in DISCLOSURE_GENRES:
        errors["genre"] = _("Choose a genre from the list.")
    if validity not in Validity.values:
        errors["validity"] = _("Choose a validity from the list.")
    if errors:
        raise ValidationFailed(_("The catalogue item was not saved."), data={"errors": errors})
    generated_on = generated_on or timezone.localdate()
    with transaction.atomic():
        item = DisclosureItem(
            organisation=organisation, title=title, topic=topic, genre=genre,
            generated_on=generated_on, published_on=published_on or generated_on,
            document_number=document_number.strip(), validity=validity, summary=summary,
            page=page,
            index_number=disclosure_index_number_next(organisation, generated_on.year),
        )  # fmt: skip
        item.save()
        if audit:
            audit_record(actor=actor, action="portal.disclosure_item.create", target=item,
                         changes={"index_number": item.index_number, "title": title})  # fmt: skip
    return item


# --- Prohibited words --------------------------------------------------------------------------


def sensitive_word_add(*, actor: Any, word: str, note: str = "") -> SensitiveWord:
    key = sensitive.normalise(word or "")
    if not key:
        raise ValidationFailed(_("Enter a word."), data={"errors": {"word": _("Enter a word.")}})
    if SensitiveWord.objects.filter(normalised=key).exists():
        raise ValidationFailed(_("This word is already on the list."),
                               data={"errors": {"word": _("This word is already on the list.")}})
    with transaction.atomic():
        entry = SensitiveWord.objects.create(word=word.strip(), normalised=key, note=note)
        audit_record(actor=actor, action="portal.sensitive_word.create", target=entry,
                     changes={"word": entry.word})  # fmt: skip
    return entry


def content_digest(hits: list[sensitive.Hit]) -> str:
    canonical = json.dumps([h.as_dict() for h in hits], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def sensitive_override_record(
    *, actor: Any, page: Page, hits: list[sensitive.Hit], reason: str
) -> SensitiveWordOverride:
    """A reviewer publishes (or submits) despite listed words: who, which words, why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for publishing despite prohibited words."))
    if not actor.has_perm(OVERRIDE_PERMISSION):
        raise PermissionDenied(_("Only a reviewer may publish despite prohibited words."))
    with transaction.atomic():
        override = SensitiveWordOverride.objects.create(
            page=page, actor=actor, words=[h.as_dict() for h in hits],
            content_digest=content_digest(hits), reason=reason,
        )  # fmt: skip
        audit_record(
            actor=actor, action="portal.page.sensitive_override", target=page,
            changes={"words": sorted({h.word for h in hits}), "hits": len(hits)}, reason=reason,
        )  # fmt: skip
    return override


# --- Site cluster: editors scoped to their own sub-site -----------------------------------------


def permissions_named(labels: tuple[str, ...]) -> list[Permission]:
    """Permission rows for "app.codename" labels (missing ones are a programming error)."""
    wanted = {tuple(label.split(".", 1)) for label in labels}
    rows = [p for p in Permission.objects.select_related("content_type").filter(
        codename__in={c for _a, c in wanted}) if (p.content_type.app_label, p.codename) in wanted]
    if len(rows) != len(wanted):
        raise LookupError(f"unknown permissions among {sorted(labels)}")
    return rows


def _group_with_page_permissions(name: str, root: Page, codenames: tuple[str, ...]) -> Group:
    group, _created = Group.objects.get_or_create(name=name)
    root_collection = Collection.get_first_root_node()
    for codename in DOCUMENT_COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=root_collection,
            permission=Permission.objects.get(content_type__app_label="wagtaildocs",
                                              codename=codename),
        )  # fmt: skip
    for codename in codenames:
        permission = Permission.objects.get(content_type__app_label="wagtailcore",
                                            codename=codename)  # fmt: skip
        GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)
    return group


def subsite_groups(subsite: SubSitePage) -> tuple[Group, Group]:
    """The editor and reviewer groups of a sub-site (created on first use), with Wagtail page
    permissions on the sub-site's subtree only, so its editors cannot touch any other site."""
    editors = _group_with_page_permissions(
        f"{subsite.title}·网站编辑", subsite, EDITOR_PAGE_PERMISSIONS
    )
    reviewers = _group_with_page_permissions(
        f"{subsite.title}·部门审核", subsite, REVIEWER_PAGE_PERMISSIONS
    )
    return editors, reviewers


def office_review_group(home: Page) -> Group:
    """市政府办公室 final reviewers: publish anywhere on the portal, may override listed words."""
    return _group_with_page_permissions(OFFICE_REVIEW_GROUP, home, REVIEWER_PAGE_PERMISSIONS)


def subsite_workflow(subsite: SubSitePage, office: Group) -> Workflow:
    """编辑 → 部门审核 → 办公室终审, assigned to the sub-site's subtree."""
    _editors, reviewers = subsite_groups(subsite)
    name = f"{subsite.title}·两级审核"
    workflow, _created = Workflow.objects.get_or_create(name=name)
    if not WorkflowTask.objects.filter(workflow=workflow).exists():
        department = GroupApprovalTask.objects.create(name=f"{subsite.title}·部门审核")
        department.groups.set([reviewers])
        final = _office_task(office)
        WorkflowTask.objects.create(workflow=workflow, task=department, sort_order=0)
        WorkflowTask.objects.create(workflow=workflow, task=final, sort_order=1)
    WorkflowPage.objects.update_or_create(page=subsite, defaults={"workflow": workflow})
    return workflow


def _office_task(office: Group) -> GroupApprovalTask:
    task = GroupApprovalTask.objects.filter(name="办公室终审").first()
    if task is None:
        task = GroupApprovalTask.objects.create(name="办公室终审")
        task.groups.set([office])
    return task


def portal_workflow(home: Page, office: Group) -> Workflow:
    """The portal's own columns: 编辑 → 办公室终审."""
    workflow, _created = Workflow.objects.get_or_create(name="门户网站·办公室终审")
    if not WorkflowTask.objects.filter(workflow=workflow).exists():
        WorkflowTask.objects.create(workflow=workflow, task=_office_task(office), sort_order=0)
    WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})
    return workflow


def subsite_member_set(
    *, actor: Any, subsite: SubSitePage, account: Any, role: str
) -> None:
    """Make ``account`` an editor or reviewer of ``subsite`` (audited)."""
    if role not in ("editor", "reviewer"):
        raise ValidationFailed(_("Choose editor or reviewer."))
    if getattr(account, "kind", None) != "staff":
        raise ValidationFailed(_("Only staff accounts can edit websites."))
    editors, reviewers = subsite_groups(subsite)
    group = editors if role == "editor" else reviewers
    with transaction.atomic():
        if group.user_set.filter(pk=account.pk).exists():
            return
        account.groups.add(group)
        audit_record(actor=actor, action="portal.subsite.member_add", target=subsite,
                     changes={"account": account.username, "role": role})  # fmt: skip


def portal_roles_grant(*, actor: Any) -> list[str]:
    """Give the directory's 网站编辑 / 网站审核 roles (codes web_editor, web_reviewer) the CMS
    permissions they need; returns the codes of the roles changed (none on a rerun)."""
    from zhengwu.directory.actions import role_update
    from zhengwu.directory.models import Role

    changed = []
    for code, labels in (("web_editor", WEB_EDITOR_PERMISSIONS),
                         ("web_reviewer", WEB_REVIEWER_PERMISSIONS)):  # fmt: skip
        role = Role.objects.filter(code=code).first()
        if role is None:
            continue
        have = set(role.permissions.values_list("pk", flat=True))
        missing = [p for p in permissions_named(labels) if p.pk not in have]
        if missing:
            role_update(actor=actor, role=role, permissions=[*role.permissions.all(), *missing])
            changed.append(code)
    return changed
