"""Static publishing and tamper protection (seed 003: 网页的不可更改性).

Every live, public page is written as ``<PORTAL_PUBLISH_DIR>/<url path>/index.html`` exactly as an
anonymous reader gets it, with the static assets it references, so nginx serves readers without
reaching Python (deploy/nginx/zhengwu.conf). Each written file's SHA-256 is kept in the database
(``PublishedFile``) — not on the disk an intruder could change. ``verify`` compares the disk with
that manifest, restores changed or missing files from the database, moves files nobody published
into a quarantine directory beside the export, and raises an alert (audit entry + notification to
administrators).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.db import transaction
from django.db.models import Q
from django.test import RequestFactory
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page, PageViewRestriction

from zhengwu.audit.actions import audit_record
from zhengwu.notify.actions import notify_send
from zhengwu.portal.models import PublishedFile

logger = logging.getLogger(__name__)
ASSET = re.compile(r'(?:href|src)="' + re.escape(settings.STATIC_URL) + r'([^"?#]+)"')
ALERT_PERMISSION = "audit.view_auditentry"


class PublishError(Exception):
    """The export could not be written or restored."""


def publish_dir() -> Path:
    return Path(settings.PORTAL_PUBLISH_DIR)


def _target(relative: str) -> Path:
    root = publish_dir().resolve()
    target = (root / relative).resolve()
    if root != target and root not in target.parents:
        raise PublishError(f"refusing to write outside the publish directory: {relative}")
    return target


def _write(relative: str, content: bytes, page: Page | None) -> PublishedFile:
    """Write atomically (a reader never sees half a page) and record the hash."""
    target = _target(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise PublishError(str(error)) from error
    record, _created = PublishedFile.objects.update_or_create(
        path=relative,
        defaults={"page": page, "sha256": hashlib.sha256(content).hexdigest(),
                  "size": len(content), "written_at": timezone.now()},
    )  # fmt: skip
    return record


def _page_relative(page: Page) -> str | None:
    parts = page.get_url_parts()
    if parts is None:
        return None
    _site_id, _root_url, page_path = parts
    return page_path.strip("/") + "/index.html" if page_path.strip("/") else "index.html"


def _public_pages() -> Any:
    """Live pages without view restrictions (private pages are never written to disk)."""
    restricted = PageViewRestriction.objects.values_list("page__path", flat=True)
    pages = Page.objects.live().filter(depth__gt=1)
    for path in restricted:
        pages = pages.exclude(path__startswith=path)
    return pages


def render(page: Page) -> bytes:
    """The page exactly as an anonymous reader gets it."""
    page = page.specific
    host = settings.PORTAL_PUBLIC_HOST
    request = RequestFactory().get(page.url or "/", HTTP_HOST=host)
    request.user = AnonymousUser()
    request.session = {}  # type: ignore[assignment]
    response = page.serve(request)
    if hasattr(response, "render"):
        response = response.render()
    if response.status_code != 200:
        raise PublishError(f"{page.url_path} rendered with status {response.status_code}")
    return response.content


def _copy_assets(html: bytes) -> list[PublishedFile]:
    records = []
    for asset in sorted(set(ASSET.findall(html.decode("utf-8", "replace")))):
        source = finders.find(asset)
        if not source:
            continue
        relative = "static/" + asset
        content = Path(source).read_bytes()
        known = PublishedFile.objects.filter(path=relative).first()
        if known and known.sha256 == hashlib.sha256(content).hexdigest():
            target = _target(relative)
            if target.exists():
                continue
        records.append(_write(relative, content, None))
    return records


def export_page(page: Page) -> PublishedFile | None:
    relative = _page_relative(page)
    if relative is None:
        return None
    html = render(page)
    record = _write(relative, html, page)
    _copy_assets(html)
    return record


def export_page_and_neighbours(page_id: int) -> None:
    """After a publish: the page itself and its ancestors (columns, sub-site home and portal home
    list the newest items). Failures are logged and audited; ``portal_verify`` catches up."""
    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        return
    public = _public_pages()
    try:
        for each in [page, *Page.objects.ancestor_of(page).filter(depth__gt=1)]:
            if public.filter(pk=each.pk).exists():
                export_page(each)
    except (PublishError, OSError) as error:
        logger.exception("static export of page %s failed", page_id)
        audit_record(actor=None, action="portal.static_export.fail", target=page,
                     changes={"error": str(error)})  # fmt: skip


def withdraw_page_and_refresh(page_id: int) -> None:
    """After an unpublish: delete the files of the page and of its no-longer-public descendants,
    then refresh the ancestors' listings."""
    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        return
    public_ids = set(_public_pages().values_list("pk", flat=True))
    stale = PublishedFile.objects.filter(page__path__startswith=page.path).exclude(
        page_id__in=public_ids
    )
    for record in stale:
        _target(record.path).unlink(missing_ok=True)
    stale.delete()
    parent = page.get_parent()
    if parent is not None and parent.depth > 1:
        export_page_and_neighbours(parent.pk)


@dataclass
class Report:
    written: int = 0
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def tampered(self) -> bool:
        return bool(self.changed or self.missing or self.unexpected)


def publish_all() -> Report:
    """(Re)write the whole export and drop files of pages that are no longer public."""
    report = Report()
    seen: set[str] = set()
    for page in _public_pages().specific().iterator():
        try:
            record = export_page(page)
        except PublishError as error:
            report.failed.append(f"{page.url_path}: {error}")
            continue
        if record is not None:
            seen.add(record.path)
            report.written += 1
    seen.update(PublishedFile.objects.filter(page__isnull=True).values_list("path", flat=True))
    for record in PublishedFile.objects.exclude(path__in=seen):
        _target(record.path).unlink(missing_ok=True)
        report.removed.append(record.path)
        record.delete()
    return report


def _files_on_disk() -> set[str]:
    root = publish_dir()
    if not root.exists():
        return set()
    return {
        str(path.relative_to(root)) for path in root.rglob("*")
        if path.is_file() and not path.name.startswith(".tmp-")
    }  # fmt: skip


def _quarantine(relative: str) -> None:
    """Move a file nobody published out of the served tree, keeping it for investigation."""
    source = _target(relative)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    destination = publish_dir().parent / f"{publish_dir().name}-quarantine" / stamp / relative
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), destination)


def _restore(record: PublishedFile) -> None:
    if record.page_id is not None:
        page = Page.objects.filter(pk=record.page_id).first()
        if page is None:
            raise PublishError(f"the page of {record.path} no longer exists")
        html = render(page)
        _write(record.path, html, page)
        return
    source = finders.find(record.path.removeprefix("static/"))
    if not source:
        raise PublishError(f"no source for asset {record.path}")
    _write(record.path, Path(source).read_bytes(), None)


def verify(*, restore: bool = True) -> Report:
    """Compare the export with the manifest; restore and alert on any difference."""
    report = Report()
    on_disk = _files_on_disk()
    records = list(PublishedFile.objects.all())
    for record in records:
        target = _target(record.path)
        if record.path not in on_disk:
            report.missing.append(record.path)
        elif hashlib.sha256(target.read_bytes()).hexdigest() != record.sha256:
            report.changed.append(record.path)
    known = {r.path for r in records}
    report.unexpected = sorted(on_disk - known)
    if restore:
        by_path = {r.path: r for r in records}
        for relative in report.changed + report.missing:
            try:
                _restore(by_path[relative])
                report.restored.append(relative)
            except (PublishError, OSError) as error:
                report.failed.append(f"{relative}: {error}")
        for relative in report.unexpected:
            try:
                _quarantine(relative)
                report.restored.append(relative)
            except OSError as error:
                report.failed.append(f"{relative}: {error}")
    if report.tampered or report.failed:
        _alert(report)
    return report


def _alert(report: Report) -> None:
    changes = {"changed": report.changed, "missing": report.missing,
               "unexpected": report.unexpected, "restored": report.restored,
               "failed": report.failed}  # fmt: skip
    with transaction.atomic():
        audit_record(actor=None, action="portal.static_export.tampered",
                     object_type="portal.publishedfile", object_repr=str(publish_dir()),
                     changes=changes)  # fmt: skip
    recipients = _administrators()
    if recipients:
        count = len(report.changed) + len(report.missing) + len(report.unexpected)
        notify_send(
            recipients=recipients,
            subject=_("Portal pages were changed on disk"),
            body=_("%(count)s published files differed from the manifest; %(restored)s were "
                   "restored, %(failed)s could not be.")
            % {"count": count, "restored": len(report.restored), "failed": len(report.failed)},
            category="alert",
        )  # fmt: skip


def _administrators() -> list[Any]:
    """Active superusers and holders of the auditor's permission: whoever watches the platform."""
    accounts = get_user_model().objects.filter(is_active=True, kind="staff").filter(
        Q(is_superuser=True) | Q(role_assignments__role__permissions__codename="view_auditentry")
    ).distinct()  # fmt: skip
    return list(accounts)
