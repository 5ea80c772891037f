"""How an error summary names a field: "label – error", without the label's own closing punctuation."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from accounts.templatetags.wsa import summary_label


@pytest.mark.parametrize(("label", "shown"), [
    ("Surname of the client", "Surname of the client"),
    ("I declare that … (§ 95 AufenthG).", "I declare that … (§ 95 AufenthG)"),
    ("Same employer and job?", "Same employer and job?"),
    ("Reason: ", "Reason"),
    (gettext_lazy("Job title"), "Job title"),
])
def test_the_label_loses_only_its_closing_full_stop_or_colon(label, shown):
    with translation.override("en"):
        assert summary_label(label) == shown


@pytest.mark.parametrize(("language", "text"), [("fr", "Statut\u00a0:"), ("de", "Status:"), ("ar", "الحالة:")])
def test_a_label_s_colon_follows_the_page_s_language(language, text):
    """French sets a no-break space before a colon (at 360 px a bare ":" started a line)."""
    from django.template import Context, Template

    with translation.override(language):
        rendered = Template('{% load i18n wsa %}{% translate "Status" %}{% colon %}').render(Context())
    assert rendered == text


def test_a_reference_in_a_heading_is_kept_on_one_line():
    from django.template import Context, Template

    with translation.override("en"):
        html = Template('{% load i18n wsa %}<h1>{% blocktranslate with reference=ref|unbroken %}Application '
                        '{{ reference }}{% endblocktranslate %}</h1>').render(Context({"ref": "WSA-2026-000030<"}))
    assert html == '<h1>Application <span class="wsa-nowrap">WSA-2026-000030&lt;</span></h1>'
