"""The portal's form renderer (settings.FORM_RENDERER): Django's templates, except for <select>; and
the one date widget every form uses.

Django renders every <option> through a template of its own; the back office's queue filters carry
about 80 options, and rendering them took a third of the queue page's time. A select whose options
use Django's own option template is built here instead, with the same markup and escaping.
"""

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs_html(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: in their order, False left out, True as a bare name."""
    return mark_safe("".join(  # noqa: S308 - every part comes from format_html
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items() if value is not False
    ))


def _options_html(options) -> str:
    return format_html_join("", '<option value="{}"{}>{}</option>',
                            ((option["value"], _attrs_html(option["attrs"]), option["label"]) for option in options))


def select_html(widget: dict) -> str | None:
    """The <select> of a widget context, or None when an option has a template of its own."""
    parts = []
    for group_name, options, _index in widget["optgroups"]:
        if any(option["template_name"] != OPTION_TEMPLATE for option in options):
            return None
        html = _options_html(options)
        parts.append(format_html('<optgroup label="{}">{}</optgroup>', group_name, html) if group_name else html)
    return format_html('<select name="{}"{}>{}</select>', widget["name"], _attrs_html(widget["attrs"]),
                       mark_safe("".join(parts)))  # noqa: S308 - the parts were built by format_html


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            html = select_html(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request=request)


class DateInput(forms.DateInput):
    """The browser's own date picker: it shows the date in the reader's locale and always submits
    ISO 8601, so no form names a format of its own. The value is rendered as ISO 8601 too: a
    localised value ("05.12.2026") would leave the picker empty when a form comes back with errors."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CitationInput(forms.TextInput):
    """A field that holds a citation of German law ("§ 18g Abs. 1 AufenthG"): written left to right in
    every language, or in a right-to-left page its "§" moves to the far end as it is typed."""

    def __init__(self, attrs=None):
        super().__init__({"dir": "ltr", **(attrs or {})})
