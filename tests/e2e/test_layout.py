"""What a person sees before doing anything: no idle progress bars, nothing wider than a phone."""

import pytest

from .test_accessibility import demo, sign_in  # noqa: F401 - the demo fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 360])
def test_upload_slots_show_no_progress_until_something_is_uploaded(live_server, page, demo, width):  # noqa: F811
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "applicant@demo.wsa.example", "en")
    for path in ("/applicant/documents/", f"/applicant/cases/{demo['applicant_case'].public_id}/"):
        page.goto(live_server.url + path)
        bars = page.locator("[data-upload-progress]")
        assert all(not bars.nth(i).is_visible() for i in range(bars.count())), path
        assert page.get_by_text("Uploading …").filter(visible=True).count() == 0, path


@pytest.mark.parametrize("width", [1280, 360])
def test_cards_keep_their_content_off_the_border(live_server, page, demo, width):  # noqa: F811
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "applicant@demo.wsa.example", "en")
    paddings = []
    for path in ("/applicant/", f"/applicant/cases/{demo['applicant_case'].public_id}/", "/applicant/household/"):
        page.goto(live_server.url + path)
        paddings += page.eval_on_selector_all(
            ".kern-card.wsa-card", "cards => cards.map(c => parseFloat(getComputedStyle(c).paddingInlineStart))")
    assert paddings and min(paddings) >= 12, paddings
