"""The portal's form renderer builds <select> itself: the markup must be what Django's templates give."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from wsa.forms import FormRenderer


class Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Any"), ("a", "A & B"), ("b", '"quoted" <b>')], required=False)
    grouped = forms.ChoiceField(choices=[("", "—"), ("Europe", [("DEU", "Germany"), ("FRA", "France")]),
                                         ("Asia", [("IND", "India")])])
    several = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y"), ("z", "Z")])
    numbers = forms.TypedChoiceField(choices=[(1, "one"), (2, "two")], coerce=int)


def normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


@pytest.mark.parametrize("data", [
    {},
    {"plain": "a", "grouped": "IND", "several": ["x", "z"], "numbers": "2"},
    {"plain": "<script>", "grouped": "nowhere", "several": ["y"], "numbers": "9"},
])
def test_selects_render_as_with_djangos_templates(data):
    attrs = {"class": "kern-form-input__select"}
    for name in Choices.base_fields:
        ours = Choices(data or None, renderer=FormRenderer())[name].as_widget(attrs=attrs)
        django = Choices(data or None, renderer=DjangoTemplates())[name].as_widget(attrs=attrs)
        assert normalised(ours) == normalised(django)


def test_selected_options_and_escaping():
    html = Choices({"plain": "b", "several": ["x", "y"]}, renderer=FormRenderer())
    assert '<option value="b" selected>&quot;quoted&quot; &lt;b&gt;</option>' in str(html["plain"])
    several = str(html["several"])
    assert " multiple" in several and several.count(" selected") == 2
    assert '<optgroup label="Europe"><option value="DEU">Germany</option>' in str(html["grouped"])


def test_a_select_with_its_own_option_template_is_left_to_the_templates():
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    class WithCustom(forms.Form):
        pick = forms.ChoiceField(choices=[("a", "A")], widget=Custom)

    assert "<option" not in str(WithCustom(renderer=FormRenderer())["pick"])


def test_options_follow_the_language_of_each_request():
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    class Lazy(forms.Form):
        pick = forms.ChoiceField(choices=[("", gettext_lazy("Any")), ("x", "X")], required=False)

    with translation.override("de"):
        german = str(Lazy(renderer=FormRenderer())["pick"])
    with translation.override("en"):
        english = str(Lazy(renderer=FormRenderer())["pick"])
    assert '<option value="" selected>Any</option>' in english
    assert "Any" not in german and '<option value="x">X</option>' in german


def test_a_label_marked_safe_is_not_escaped_twice_and_a_plain_one_always_is():
    from django.utils.safestring import mark_safe

    class Marked(forms.Form):
        pick = forms.ChoiceField(choices=[("a", mark_safe("A &amp; B")), ("b", "A & B")])

    for _ in range(2):  # the second rendering comes from the cache
        html = str(Marked(renderer=FormRenderer())["pick"])
        assert html.count("A &amp; B") == 2 and "&amp;amp;" not in html


def test_a_value_marked_safe_and_the_same_plain_text_are_drawn_apart():
    from django.utils.safestring import mark_safe

    def rendered(value):
        class One(forms.Form):
            pick = forms.ChoiceField(choices=[(value, "X")])

        return str(One(renderer=FormRenderer())["pick"])

    for _ in range(2):
        assert '<option value="a&amp;amp;b">' in rendered("a&amp;b")
        assert '<option value="a&amp;b">' in rendered(mark_safe("a&amp;b"))
