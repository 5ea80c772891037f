"""The walk guard itself: it must catch an English source string left on a translated page, and pass a
page that is translated, or marks its foreign words with their own `lang`."""

import pytest
from django.utils.translation import gettext, override

from tests.e2e.walk_guard import WalkGuard, leaked_source_strings, untranslated

pytestmark = pytest.mark.e2e

SOURCE = "Save and continue"  # a msgid of locale/*/django.po shown on every wizard step


def translated(language):
    with override(language):
        return gettext(SOURCE)


def show(page, language, body):
    page.set_content(f'<!doctype html><html lang="{language}"><head><title>t</title></head>'
                     f'<body><main><h1>{translated(language)}</h1>{body}</main></body></html>')


@pytest.mark.parametrize("language", ["de", "ar"])
def test_the_catalogue_gives_the_guard_its_english_sources(language):
    assert SOURCE in leaked_source_strings(language)
    assert translated(language) != SOURCE
    # Names kept in every language, and strings too short to tell, are never taken for a leak.
    assert untranslated(["Webhooks", "PDF", "OK"], language) == []
    assert leaked_source_strings("en") == frozenset()


@pytest.mark.parametrize("language", ["de", "ar"])
def test_a_page_with_an_english_source_string_fails(page, language):
    guard = WalkGuard(page, language=language, axe=False)
    show(page, language, f"<form><button type=submit>{SOURCE}</button></form>")
    with pytest.raises(AssertionError, match="untranslated English") as failure:
        guard.check("leaked")
    assert SOURCE in str(failure.value)


@pytest.mark.parametrize("language", ["de", "ar"])
def test_a_leaked_label_is_caught_in_an_attribute_too(page, language):
    guard = WalkGuard(page, language=language, axe=False)
    show(page, language, f'<a href="/next/" aria-label="{SOURCE}">→</a>')
    with pytest.raises(AssertionError, match="untranslated English"):
        guard.check("leaked label")


@pytest.mark.parametrize("language", ["de", "ar"])
def test_a_translated_page_passes(page, language):
    guard = WalkGuard(page, language=language)
    # The language picker names each language in itself and says so with `lang`.
    show(page, language, f'<form><button type=submit>{translated(language)}</button>'
                         f'<p lang="en">{SOURCE}</p></form>')
    guard.check("translated")


def test_axe_violations_fail_the_check(page):
    guard = WalkGuard(page, language="en")
    page.set_content('<!doctype html><html lang="en"><head><title>t</title></head>'
                     '<body><main><h1>Photo</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                     '</main></body></html>')
    with pytest.raises(AssertionError, match="image-alt"):
        guard.check("image without a text alternative")


def test_a_citation_left_to_flip_in_arabic_fails_and_an_isolated_one_passes(page):
    guard = WalkGuard(page, language="ar", axe=False)
    page.set_content('<!doctype html><html lang="ar" dir="rtl"><head><title>t</title></head><body><main>'
                     '<p>البطاقة الزرقاء (<bdi dir="ltr">§ 18g AufenthG</bdi>)</p></main></body></html>')
    guard.check("isolated")
    page.set_content('<!doctype html><html lang="ar" dir="rtl"><head><title>t</title></head><body><main>'
                     '<p>البطاقة الزرقاء (§ 18g AufenthG)</p></main></body></html>')
    with pytest.raises(AssertionError, match="citations not isolated"):
        guard.check("mirrored")


def test_a_citation_typed_into_a_right_to_left_field_fails(page):
    guard = WalkGuard(page, language="ar", axe=False)
    form = ('<!doctype html><html lang="ar" dir="rtl"><head><title>t</title></head><body><main><label>الأساس'
            '<input name="legal_basis" value="§ 18g Abs. 1 AufenthG"{}></label></main></body></html>')
    page.set_content(form.format(' dir="ltr"'))
    guard.check("left to right")
    page.set_content(form.format(""))
    with pytest.raises(AssertionError, match="legal_basis"):
        guard.check("right to left")
