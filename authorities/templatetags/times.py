"""``{{ moment|zoned }}`` / ``{{ moment|zoned:"SHORT_DATETIME_FORMAT" }}``: a date and time with its
zone named, "6 December 2026, 14:30 (Central European Standard Time, UTC+1)". Applicants and employers read the portal
from other time zones; a bare "14:30" would be read as their own time."""

from django import template
from django.conf import settings
from django.utils import formats
from django.utils.timezone import localtime

from ..office_time import office_time, office_zone, zone_label

register = template.Library()


@register.filter
def zoned(moment, format_name: str = "DATETIME_FORMAT") -> str:
    if not moment:
        return ""
    zone = office_zone(settings.TIME_ZONE)
    return "%s (%s)" % (formats.date_format(localtime(moment, zone), format_name), zone_label(zone, moment))


@register.filter
def in_office_zone(moment, office) -> str:
    """An appointment as the office keeps it: in the office's own zone, named."""
    return office_time(moment, office) if moment else ""


@register.filter
def office_clock(moment, office) -> str:
    """Only the time of day, in the office's own zone (the calendar names the zone once)."""
    return formats.time_format(localtime(moment, office_zone(office)), "TIME_FORMAT") if moment else ""
