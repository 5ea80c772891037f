"""Dates and times read the same way in every language the portal ships: never month first in figures
(03/04/2026 is 3 April to most readers and 4 March to others), times on the 24-hour clock (an
appointment at 18:03 must not read as 6:03 with a suffix that some catalogues translate alike)."""

from datetime import datetime

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format, time_format

MOMENT = datetime(2026, 3, 4, 18, 3)  # 4 March 2026, evening
MONTH_FIRST = ("03/04/2026", "03-04-2026", "03.04.2026", "3/4/2026", "3/4/26", "03/04/26")


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_dates_are_never_month_first_and_times_use_the_24_hour_clock(language):
    with translation.override(language):
        dates = {name: date_format(MOMENT, name) for name in
                 ("DATE_FORMAT", "SHORT_DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATETIME_FORMAT")}
        time = time_format(MOMENT.time(), "TIME_FORMAT")
    for name, text in dates.items():
        assert not any(pattern in text for pattern in MONTH_FIRST), (name, text)
    assert "18:03" in dates["DATETIME_FORMAT"] and "18:03" in dates["SHORT_DATETIME_FORMAT"], dates
    assert time == "18:03"


def test_vietnamese_dates_read_as_inside_a_sentence():
    """Django's Vietnamese format wrote "Ngày 04 tháng 3 năm 2026" in the middle of sentences."""
    with translation.override("vi"):
        assert date_format(MOMENT, "DATE_FORMAT") == "ngày 4 tháng 3 năm 2026"
        assert date_format(MOMENT, "DATETIME_FORMAT") == "18:03, ngày 4 tháng 3 năm 2026"


def test_brazilian_portuguese_writes_the_month_in_lower_case():
    """Django's catalogue capitalised it ("7 de Dezembro de 2026"); locale_vendor/pt_BR has the month names."""
    import datetime

    from django.utils import formats, translation

    with translation.override("pt-br"):
        assert formats.date_format(datetime.date(2026, 12, 7), "DATE_FORMAT") == "7 de dezembro de 2026"
