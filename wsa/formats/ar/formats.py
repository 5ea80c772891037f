# Amounts group their thousands ("52.000,00 €"); Django's Arabic formats group nothing, which makes
# 5200000 hard to read. Only forced grouping (money) uses this: USE_THOUSAND_SEPARATOR stays off.
NUMBER_GROUPING = 3

# Django's Arabic short date-time is American (12/06/2026 for 6 December) next to a day-first short date:
# dates here are year first everywhere (2026/12/06), times on the 24-hour clock, as on the office's letters.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "Y/m/d"
DATETIME_FORMAT = "j F Y، H:i"
SHORT_DATETIME_FORMAT = "Y/m/d H:i"
TIME_FORMAT = "H:i"
