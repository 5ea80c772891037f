from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

register = template.Library()


@register.filter
def widget_type(bound_field) -> str:
    return bound_field.field.widget.__class__.__name__.lower().removesuffix("input").removesuffix("widget")


@register.filter
def with_attrs(bound_field, css_class: str):
    """Renders a field with the KERN class and aria-describedby pointing at its hint and error."""
    described_by = []
    if bound_field.help_text:
        described_by.append(f"{bound_field.auto_id}-hint")
    if bound_field.errors:
        described_by.append(f"{bound_field.auto_id}-error")
    attrs = {"class": f"{css_class} {css_class}--error" if bound_field.errors else css_class}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def error_anchor(bound_field) -> str:
    """The id an error summary links to: a radio or checkbox group has no id of its own (Django gives
    its label none), so the link goes to the group's first option, which is what takes focus."""
    if bound_field.id_for_label:
        return bound_field.id_for_label
    subwidgets = bound_field.subwidgets
    if subwidgets:
        return subwidgets[0].id_for_label
    return bound_field.auto_id


@register.simple_tag
def address_line(street, postal_code, city) -> str:
    """An address on one line ("Hauptstr. 1, 10115 Berlin") without the commas of parts left empty; a dash
    when none is known."""
    place = " ".join(part.strip() for part in (postal_code or "", city or "") if part.strip())
    return ", ".join(part for part in ((street or "").strip(), place) if part) or "—"


@register.filter
def summary_label(label) -> str:
    """A field's label as an error summary names it before the error: without its own closing full stop
    or colon (a declaration ends with one), so that "label – error" reads as one line."""
    return str(label).rstrip().rstrip(".:").rstrip()


@register.simple_tag
def colon() -> str:
    """The colon after a label, as the page's language sets it: French puts a no-break space before it (which
    also keeps it from starting a line on a phone)."""
    return "\u00a0:" if (get_language() or "").startswith("fr") else ":"


@register.filter
def unbroken(value):
    """A reference kept on one line ("WSA-2026-000030" broke at its hyphens in a heading on a phone)."""
    return format_html('<span class="wsa-nowrap">{}</span>', value)
