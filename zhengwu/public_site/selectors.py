"""What the public home page shows about the city, read from the directory (the single source)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Q

from zhengwu.audit.models import AuditEntry
from zhengwu.directory.models import Organisation, Region

# Directory records the public pages are built from: their latest audited change dates the page.
DIRECTORY_OBJECT_TYPES = ("directory.region", "directory.organisation")


@dataclass
class CityOverview:
    city: Region
    districts: list[Any] = field(default_factory=list)  # Region rows annotated with towns, villages

    @property
    def town_count(self) -> int:
        return sum(d.towns for d in self.districts)

    @property
    def village_count(self) -> int:
        return sum(d.villages for d in self.districts)


def city_region() -> Region | None:
    """The city this site belongs to: ZHENGWU_SITE["region_code"] if set, else the first active
    city-level region."""
    cities = Region.objects.filter(level=Region.Level.CITY, is_active=True).order_by("code")
    code = getattr(settings, "ZHENGWU_SITE", {}).get("region_code")
    if code:
        return cities.filter(code=code).first() or cities.first()
    return cities.first()


def city_overview() -> CityOverview | None:
    """The city with its districts/counties and the number of towns and villages in each
    (one query for the districts, whatever their number)."""
    city = city_region()
    if city is None:
        return None
    town = Q(children__level=Region.Level.TOWNSHIP, children__is_active=True)
    village = Q(
        children__is_active=True,
        children__children__level=Region.Level.VILLAGE,
        children__children__is_active=True,
    )
    districts = list(
        Region.objects.filter(parent=city, level=Region.Level.COUNTY, is_active=True)
        .annotate(
            towns=Count("children", filter=town, distinct=True),
            villages=Count("children__children", filter=village, distinct=True),
        )
        .order_by("code")
    )
    return CityOverview(city=city, districts=districts)


def city_government(city: Region | None) -> Organisation | None:
    if city is None:
        return None
    return (
        # The directory's own order (the organisation tree, siblings by their sort order).
        Organisation.objects.filter(
            region=city, kind=Organisation.Kind.GOVERNMENT, is_active=True
        ).first()
    )


def government_departments(city: Region | None) -> list[Organisation]:
    """The city government's working departments (市政府工作部门), in their official order."""
    if city is None:
        return []
    return list(
        Organisation.objects.filter(region=city, kind=Organisation.Kind.DEPARTMENT, is_active=True)
    )


def directory_last_updated() -> datetime | None:
    """When the directory data shown on the public pages last changed (from the audit trail).
    None when nothing is recorded: a page never shows an invented date (政府网站检查指标)."""
    return (
        AuditEntry.objects.filter(object_type__in=DIRECTORY_OBJECT_TYPES)
        .order_by("-seq")
        .values_list("occurred_at", flat=True)
        .first()
    )
