"""One line of an address, as the organisation, employment and address pages show it."""

import pytest

from accounts.templatetags.wsa import address_line


@pytest.mark.parametrize(("parts", "line"), [
    (("Hauptstr. 1", "10115", "Berlin"), "Hauptstr. 1, 10115 Berlin"),
    (("", "", "Hà Nội"), "Hà Nội"),
    (("Hauptstr. 1", "", ""), "Hauptstr. 1"),
    (("  ", None, " Berlin "), "Berlin"),
    (("", "", ""), "—"),
    ((None, None, None), "—"),
])
def test_parts_left_empty_leave_no_comma(parts, line):
    assert address_line(*parts) == line
