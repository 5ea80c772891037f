# English dates as people everywhere read them the same way ("6 December 2026", "6 Dec 2026, 14:30"):
# Django's American defaults (12/06/2026, 2:30 p.m.) are read as 12 June by most of the portal's users.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1  # Monday, as in Germany
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d.%m.%Y"]
