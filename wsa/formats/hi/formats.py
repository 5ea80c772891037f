# Indian grouping: the first group of three, then groups of two ("€52,000.00", "€1,00,000.00").
# Django's Hindi formats group nothing. Only forced grouping (money) uses this.
NUMBER_GROUPING = (3, 2, 0)

# Django's Hindi date-times are American (03/04/2026 for 4 March, month first, beside a day-first short date)
# and its 12-hour clock says "बजे" for both a.m. and p.m., so 6:03 in the morning and in the evening read
# alike: day first everywhere, times on the 24-hour clock, as on the office's letters.
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "d-m-Y, H:i"
TIME_FORMAT = "H:i"
