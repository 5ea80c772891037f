"""The portal's form renderer (settings.FORM_RENDERER): Django's templates, except for <select>; and
the one date widget every form uses.

Django renders every <option> through a template of its own; the back office's queue filters carry
about 80 options, and rendering them took a third of the queue page's time. A select whose options
use Django's own option template is built here instead, with the same markup and escaping.
"""

import html

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _escape(value) -> str:
    """conditional_escape without its lazy-string wrapper, which costs more than the escaping itself."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _attrs_html(attrs) -> str:
    """As django/forms/widgets/attrs.html: in their order, False left out, True as a bare name."""
    return "".join(f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
                   for name, value in attrs if value is not False)


def _options_html(options) -> str:
    return "".join(f'<option value="{_escape(option["value"])}"{_attrs_html(option["attrs"].items())}>'
                   f'{_escape(option["label"])}</option>' for option in options)


def select_html(widget: dict) -> str | None:
    """The <select> of a widget context, or None when an option has a template of its own."""
    parts = []
    for group_name, options, _index in widget["optgroups"]:
        if any(option["template_name"] != OPTION_TEMPLATE for option in options):
            return None
        markup = _options_html(options)
        parts.append(f'<optgroup label="{_escape(group_name)}">{markup}</optgroup>' if group_name else markup)
    return mark_safe(f'<select name="{_escape(widget["name"])}"{_attrs_html(widget["attrs"].items())}>'  # noqa: S308
                     f'{"".join(parts)}</select>')  # every part above escaped


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            markup = select_html(context["widget"])
            if markup is not None:
                return markup
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
