"""Appointment times as the applicant needs them: in the visa office's own time, with the zone named
("9 January 2027, 09:30 (India Standard Time, UTC+5:30)"); the office's time zone is Authority.time_zone, the
portal's TIME_ZONE when none is set."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import UnknownLocaleError
from babel.dates import get_timezone_name
from django.conf import settings
from django.utils import formats
from django.utils.timezone import localtime
from django.utils.translation import get_language, pgettext, to_locale


def office_zone(value) -> ZoneInfo:
    """The zone of an Authority, or of a zone name as stored in a timeline entry; the portal's if unknown."""
    name = getattr(value, "time_zone", value) or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def zone_label(zone: ZoneInfo, moment: datetime) -> str:
    """The zone's name in the reader's language with its offset from UTC on that day: "India Standard
    Time, UTC+5:30", "Mitteleuropäische Sommerzeit, UTC+2". Abbreviations and IANA keys ("CET",
    "Europe/Berlin") mean nothing to most readers; the names come from the Unicode CLDR (Babel)."""
    local = localtime(moment, zone)
    offset_minutes = int(local.utcoffset().total_seconds() // 60)
    sign, offset_minutes = ("+" if offset_minutes >= 0 else "-"), abs(offset_minutes)
    hours, minutes = divmod(offset_minutes, 60)
    offset = f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "") if offset_minutes else "UTC"
    try:
        name = get_timezone_name(local, width="long", locale=to_locale(get_language() or settings.LANGUAGE_CODE))
    except (UnknownLocaleError, LookupError, ValueError):
        name = zone.key
    return pgettext("time zone and its offset", "{name}, {offset}").format(name=name, offset=offset)


def office_time(moment: datetime, office) -> str:
    """The date and time in the office's zone, in the reader's language, with the zone named."""
    zone = office_zone(office)
    return "%s (%s)" % (formats.date_format(localtime(moment, zone), "DATETIME_FORMAT"), zone_label(zone, moment))
