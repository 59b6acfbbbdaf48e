"""Demo world: the built-in root CA, and a certificate and seal for the city government and
each of its departments (``manage.py demo``; idempotent — a second run changes nothing)."""

from typing import Any

from django.contrib.auth.models import Permission
from django.utils.translation import gettext as _

from zhengwu.signing import actions
from zhengwu.signing.models import Certificate, Seal, TrustAnchor

CITY_GOVERNMENT_CODE = "yzszf"
# The directory demo's system administrator role maintains certificates and seals.
ADMIN_ROLE_CODE = "sysadmin"


def _units() -> list[Any]:
    from django.apps import apps

    organisation = apps.get_model("directory", "Organisation")
    city = organisation.objects.filter(code=CITY_GOVERNMENT_CODE).first()
    if city is None:
        return []
    departments = organisation.objects.filter(parent=city, kind="department", is_active=True)
    return [city, *departments.select_related("region")]


def _grant_admin_role() -> bool:
    from django.apps import apps

    from zhengwu.directory.actions import role_update

    role = apps.get_model("directory", "Role").objects.filter(code=ADMIN_ROLE_CODE).first()
    if role is None:
        return False
    wanted = set(Permission.objects.filter(content_type__app_label="signing"))
    current = set(role.permissions.all())
    if wanted <= current:
        return False
    role_update(actor=None, role=role, permissions=list(current | wanted))
    return True


def load(stdout: Any) -> list[tuple[str, str, str]]:
    created_root = not TrustAnchor.objects.filter(source=TrustAnchor.Source.BUILT_IN).exists()
    actions.root_ensure(actor=None)
    certificates = seals = 0
    for unit in _units():
        # A unit whose certificate an administrator revoked keeps it revoked.
        if not Certificate.objects.filter(organisation=unit).exists():
            actions.certificate_issue(actor=None, organisation=unit)
            certificates += 1
        if not Seal.objects.filter(organisation=unit).exists():
            actions.seal_generate(actor=None, organisation=unit)
            seals += 1
    granted = _grant_admin_role()
    if created_root or certificates or seals or granted:
        stdout.write(_("  Signing: built-in CA ready, %(certs)s certificates and %(seals)s seals "
                       "issued") % {"certs": certificates, "seals": seals})  # fmt: skip
    return []
