"""Every date field of the portal is the browser's own date picker, and no page names a format of its
own next to it: the picker shows the reader's locale, a hint saying "YYYY-MM-DD" would contradict it."""

import re
from datetime import date
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.urls import get_resolver
from django.utils import translation

from applications.forms import PersonalForm
from wsa.forms import DateInput

# A date format spelled out for a person: YYYY-MM-DD, DD.MM.YYYY, MM/DD/YYYY, TT.MM.JJJJ ...
FORMAT_HINT = re.compile(r"\b(YYYY|JJJJ|AAAA|MM/DD|DD/MM|DD\.MM|TT\.MM)\b", re.IGNORECASE)


def _form_classes():
    assert get_resolver().url_patterns  # imports every view, hence every form of the portal
    seen, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return [cls for cls in seen if cls.__module__.split(".")[0] in ("applications", "authorities", "accounts",
                                                                     "documents", "wsa")]


def _date_fields():
    for cls in _form_classes():
        for name, field in getattr(cls, "base_fields", {}).items():
            if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
                yield f"{cls.__module__}.{cls.__name__}.{name}", field


def test_the_portal_has_date_fields_to_check():
    assert len(list(_date_fields())) >= 15


def test_every_date_field_is_the_browsers_date_picker_with_an_iso_value():
    other = [name for name, field in _date_fields() if not isinstance(field.widget, DateInput)]
    assert other == []
    with translation.override("de"):  # a German reader: the value stays ISO, the picker shows 05.12.2026
        rendered = str(PersonalForm(initial={"birth_date": date(2026, 12, 5)})["birth_date"])
    assert 'type="date"' in rendered and 'value="2026-12-05"' in rendered


def test_no_date_field_has_a_hint_naming_a_format():
    hinted = [name for name, field in _date_fields() if FORMAT_HINT.search(str(field.help_text or ""))]
    assert hinted == []


def test_no_template_names_a_date_format():
    hinted = []
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(folder).rglob("*.html"):
            if FORMAT_HINT.search(path.read_text(encoding="utf-8")):
                hinted.append(str(path))
    assert hinted == []


def test_the_picker_submits_iso_and_a_typed_german_date_is_understood_too():
    """Browsers without a picker show a text box: the ISO date and the German one both mean 5 December."""
    form = PersonalForm()
    for typed in ("2026-12-05", "05.12.2026"):
        assert form.fields["birth_date"].clean(typed) == date(2026, 12, 5), typed
    for wrong in ("12/05/2026", "5th of December"):
        with pytest.raises(forms.ValidationError):
            form.fields["birth_date"].clean(wrong)
