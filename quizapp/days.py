"""Days on a user's own calendar: study days, streaks and "due today" start at the user's midnight.

A day is a number, days since 1970-01-01 on the calendar of the user's time zone (an IANA name
such as "Europe/Paris"; UTC when the user has none). Study days are numbered in the zone the
user had when answering: changing the zone later leaves past days as they were.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

EPOCH = date(1970, 1, 1)


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name the machine knows (from the `tzdata` package or the system), sorted."""
    return tuple(sorted(available_timezones() | {"UTC"}))


REGIONS = frozenset(
    [
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    ]
)  # the first part of the zone names of places


@lru_cache(maxsize=1)
def offered_zone_names() -> tuple[str, ...]:
    """The zones a user picks from: UTC and the places of each region ("Europe/Paris"), without the
    machine's aliases and legacy names ("localtime", "Factory", "US/Eastern", "Etc/GMT+5"), which
    stay valid for users who have them."""
    return tuple(name for name in zone_names() if name == "UTC" or name.split("/", 1)[0] in REGIONS)


def zone_problem(name: str) -> str | None:
    if name not in zone_names():
        return "Choose a time zone from the list."
    return None


@lru_cache(maxsize=512)
def zone(name: str | None) -> tzinfo:
    """The zone named `name`; UTC for None or a name this machine does not know (any more)."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def day_number(moment: datetime, zone_name: str | None = None) -> int:
    """The day of `moment` (an aware time, or a naive one in UTC) on the zone's calendar."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (aware.astimezone(zone(zone_name)).date() - EPOCH).days


def day_start(day: int, zone_name: str | None = None) -> datetime:
    """The UTC time at which `day` begins on the zone's calendar (its local midnight)."""
    local = datetime.combine(EPOCH + timedelta(days=day), time(0), tzinfo=zone(zone_name))
    return local.astimezone(UTC)
