"""Appointment times as the applicant needs them: in the visa office's own time, with the zone named
("9 January 2027, 09:30 (Asia/Kolkata, IST)"); the office's time zone is Authority.time_zone, the
portal's TIME_ZONE when none is set."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import formats
from django.utils.timezone import localtime


def office_zone(value) -> ZoneInfo:
    """The zone of an Authority, or of a zone name as stored in a timeline entry; the portal's if unknown."""
    name = getattr(value, "time_zone", value) or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def zone_label(zone: ZoneInfo, moment: datetime) -> str:
    """"Asia/Kolkata, IST"; zones without a common abbreviation show their offset ("UTC-05")."""
    short = localtime(moment, zone).tzname() or ""
    if short[:1] in "+-":
        short = f"UTC{short}"
    return f"{zone.key}, {short}" if short else zone.key


def office_time(moment: datetime, office) -> str:
    """The date and time in the office's zone, in the reader's language, with the zone named."""
    zone = office_zone(office)
    return "%s (%s)" % (formats.date_format(localtime(moment, zone), "DATETIME_FORMAT"), zone_label(zone, moment))
