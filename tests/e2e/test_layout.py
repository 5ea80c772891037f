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


@pytest.mark.parametrize("width", [1280, 360])
def test_a_question_and_its_answers_read_from_the_right_in_arabic(live_server, page, demo, width):  # noqa: F811
    """KERN floats a fieldset's legend left and spaces a radio's label on the left: in a right-to-left
    page the question stood on the far side of its answers and each answer touched its box."""
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "applicant@demo.wsa.example", "ar")
    page.goto(live_server.url + "/applicant/apply/new/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    legends = page.eval_on_selector_all("fieldset", """sets => sets.filter(s => s.querySelector('legend'))
        .map(s => s.getBoundingClientRect().right - s.querySelector('legend').getBoundingClientRect().right)""")
    assert legends and max(legends) <= 1, legends
    gaps = page.eval_on_selector_all(".kern-form-check", """checks => checks.map(c => {
        const box = c.querySelector('input').getBoundingClientRect();
        const range = document.createRange();
        range.selectNodeContents(c.querySelector('.kern-label'));
        return box.left - range.getBoundingClientRect().right; })""")
    assert gaps and min(gaps) >= 12, gaps


@pytest.mark.parametrize("width", [1280, 360])
def test_a_checkbox_hint_runs_under_its_label_not_one_word_a_line(live_server, page, demo, width):  # noqa: F811
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "employer.owner@demo.wsa.example", "en")
    page.goto(live_server.url + "/employer/cases/new/")
    widths = page.eval_on_selector_all(".kern-form-check:has(> .kern-hint)", """checks => checks.map(c =>
        c.querySelector(':scope > .kern-hint').getBoundingClientRect().width / c.getBoundingClientRect().width)""")
    assert widths and min(widths) >= 0.6, widths
    # A label whose text cites a law ("(§ 81a AufenthG, fee € 411)") reads as one run of text: KERN lays an
    # optional field's label out as flex items, and a bare citation would stand apart with gaps around it.
    gaps = page.eval_on_selector_all(".kern-label:has(.kern-label__optional) bdi", """marks => marks.map(m => {
        const before = document.createRange();
        before.setStart(m.previousSibling, m.previousSibling.length - 1);
        before.setEnd(m.previousSibling, m.previousSibling.length);
        return m.getBoundingClientRect().left - before.getBoundingClientRect().right; })""")
    assert gaps and max(gaps) < 6, gaps


def test_the_agencys_latin_name_stays_on_one_line_in_the_arabic_header(live_server, page):
    """Wrapped at a hyphen, the right-to-left line put the hyphen and the parenthesis on the Latin name's
    left ("(-Work-and-Stay" over "(Agentur"): the Arabic name keeps it whole (non-breaking hyphens)."""
    page.set_viewport_size({"width": 360, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    page.goto(live_server.url + "/")
    lines = page.eval_on_selector(".wsa-brand strong", """brand => {
        const text = brand.firstChild, start = text.data.indexOf("Work");
        const range = document.createRange();
        range.setStart(text, start);
        range.setEnd(text, text.data.indexOf("Agentur") + "Agentur".length);
        return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; }""")
    assert lines == 1


def test_a_reference_in_a_table_stays_on_one_line_and_the_table_shows_it_scrolls(live_server, page, demo):  # noqa: F811
    """At 360 px "WSA-2026-000001" broke at each hyphen, and nothing showed that the table scrolls sideways."""
    page.set_viewport_size({"width": 360, "height": 900})
    sign_in(page, live_server, "applicant@demo.wsa.example", "uk")
    page.goto(live_server.url + "/applicant/")
    link = page.locator(".wsa-table-wrap .kern-table__cell:first-child a").first
    assert link.evaluate("a => a.getClientRects().length") == 1
    assert link.evaluate("a => a.getBoundingClientRect().height") < 2 * float(
        link.evaluate("a => parseFloat(getComputedStyle(a).lineHeight) || 24"))
    wrap = page.locator(".wsa-table-wrap").first
    assert "radial-gradient" in wrap.evaluate("w => getComputedStyle(w).backgroundImage")
    if shots := __import__("os").environ.get("WSA_E2E_SHOTS"):
        page.screenshot(path=f"{shots}/uk-360-applicant-home-table.png", full_page=True)


def test_a_table_s_one_line_message_wraps_and_a_button_in_a_table_keeps_its_words_whole(live_server, page):
    """The first column's "one line" also held an empty table's message (it ran out of view, its link
    unreachable), and a task's button in a table broke mid-word ("antragst|ellende … erschien|en")."""
    page.set_viewport_size({"width": 360, "height": 900})
    page.goto(live_server.url + "/")
    page.evaluate("""() => document.querySelector('main').insertAdjacentHTML('beforeend',
        '<div class="wsa-table-wrap"><table class="kern-table"><tbody>'
        + '<tr class="kern-table__row"><td class="kern-table__cell" colspan="4" id="t-message">No cases yet. Start a '
        + 'case for a new client and follow it here.</td></tr>'
        + '<tr class="kern-table__row"><td class="kern-table__cell">WSA-2026-000001</td><td class="kern-table__cell">'
        + '<button class="kern-btn" id="t-button"><span class="kern-label">Antragstellende Person erschienen'
        + '</span></button></td></tr></tbody></table></div>')""")
    assert page.locator("#t-message").evaluate("c => getComputedStyle(c).whiteSpace") != "nowrap"
    label = page.locator("#t-button .kern-label")
    assert label.evaluate("l => getComputedStyle(l).overflowWrap") == "normal"
