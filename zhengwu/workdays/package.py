"""What the ``chinese-calendar`` package knows, as overrides of the Monday–Friday rule.

The package lists every day off of a holiday period (weekends included) in ``holidays`` and
every 调休 working day in ``workdays``, each mapped to the English name of a ``Holiday``. The
calendar stores only the dates whose status differs from Monday–Friday: weekday holidays and
weekend make-up workdays. Holiday weekends are rest days anyway.
"""

from dataclasses import dataclass
from datetime import date

import chinese_calendar
from chinese_calendar.constants import Holiday

# The package's short Chinese names, completed to the names used in State Council notices.
_FULL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}


@dataclass(frozen=True)
class PackageDay:
    date: date
    kind: str  # CalendarDay.Kind value: "holiday" or "makeup"
    name: str


def _chinese_name(english: str) -> str:
    try:
        chinese = Holiday(english).chinese
    except ValueError:  # a name a newer package adds before this mapping knows it
        return english
    return _FULL_NAMES.get(chinese, chinese)


def package_years() -> range:
    """The years the installed package has data for."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def package_days(year: int) -> dict[date, PackageDay]:
    """The overrides the package implies for ``year`` (empty when it does not know the year)."""
    days: dict[date, PackageDay] = {}
    for day, english in chinese_calendar.holidays.items():
        if day.year == year and day.weekday() < 5:
            days[day] = PackageDay(day, "holiday", _chinese_name(english))
    for day, english in chinese_calendar.workdays.items():
        if day.year == year and day.weekday() >= 5:
            days[day] = PackageDay(day, "makeup", _chinese_name(english))
    return days


def package_day(day: date) -> PackageDay | None:
    return package_days(day.year).get(day)
