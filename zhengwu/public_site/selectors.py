"""What the public pages show about the city, read from the directory (the single source).

The queries live in zhengwu.portal.selectors (the portal's home page renders them too); this module
keeps the names the shell's pages use.
"""

from zhengwu.portal.selectors import (
    DIRECTORY_OBJECT_TYPES,
    CityOverview,
    city_government,
    city_overview,
    city_region,
    directory_last_updated,
    government_departments,
)

__all__ = [
    "DIRECTORY_OBJECT_TYPES",
    "CityOverview",
    "city_government",
    "city_overview",
    "city_region",
    "directory_last_updated",
    "government_departments",
]
