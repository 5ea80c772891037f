"""``{% queue_row case status %}`` and ``{% office_task_row task label %}``: one row of the back-office
queue and of an office's task list. Built in Python: a landing page draws 75 of them, and Django's
template engine spent more time on those rows (a URL, a badge and a date each) than the page's queries."""

from functools import lru_cache
from uuid import UUID

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, gettext_noop, ngettext

from ..rules.catalogue import UnknownTitle
from ..rules.catalogue import title as catalogue_title
from .badges import date_element, deadline_badge, state_badge
from .countries import country_name

register = template.Library()

_ANY_CASE = UUID(int=0)
_LABELLED_CELL = '<td class="kern-table__cell" data-label="{}">{}</td>'


@lru_cache(maxsize=16)
def _case_url_pattern(script_prefix: str) -> str:
    return reverse("backoffice:case_detail", args=[_ANY_CASE])


def case_detail_url(public_id) -> str:
    """The case file's address, resolved once per script prefix rather than once per row."""
    return _case_url_pattern(get_script_prefix()).replace(str(_ANY_CASE), str(public_id))


@lru_cache(maxsize=64)
def title_section(code: str) -> str:
    """A residence title as its section of the law ("§ 18g AufenthG"), as caseworkers name it; never the
    portal's bare code. A code the catalogue does not know is shown as it is."""
    try:
        return str(catalogue_title(code).section)
    except UnknownTitle:
        return code


def _case_link(case) -> str:
    return format_html('<a class="kern-link" href="{}">{}</a>', case_detail_url(case.public_id), case.reference)


# The queue's columns, as its header names them: each cell carries its column's name (data-label), so that on a
# phone the rows stack with the name before each value (wsa-stacked-table), as the office's task list does.
QUEUE_COLUMNS = (gettext_noop("Reference"), gettext_noop("Applicant"), gettext_noop("Nationality"),
                 gettext_noop("Residence title"), gettext_noop("Status"), gettext_noop("Submitted"),
                 gettext_noop("Deadline"), gettext_noop("Assigned to"))


@lru_cache(maxsize=16)
def _queue_row_format(language: str) -> str:
    """The row's markup with the column names of `language` (the active one) written in: once per language,
    not eight translations per row."""
    cells = "".join(_LABELLED_CELL.replace("{}", str(conditional_escape(gettext(name))).replace("{", "{{")
                                           .replace("}", "}}"), 1) for name in QUEUE_COLUMNS)
    return '<tr class="kern-table__row">' + cells + "</tr>"


@register.simple_tag
def queue_row(case, status: str = "") -> str:
    """Reference (to the case file), applicant, nationality, title, state, submitted, deadline, assignee."""
    assignment = getattr(case, "assignment", None)
    assignee = (assignment.user.get_full_name() if assignment is not None
                else format_html('<span class="kern-body--small">{}</span>', gettext("nobody")))
    return format_html(
        _queue_row_format(get_language()), _case_link(case), str(case.person),
        country_name(case.person.nationality) if case.person.nationality else "",
        format_html('<bdi dir="ltr">{}</bdi>', title_section(case.title_code)) if case.title_code else "",
        state_badge(case), date_element(case.submitted_at) if case.submitted_at else "—",
        deadline_badge(case.deadline_at, status), assignee)


_BUTTON = ('<button class="kern-btn kern-btn--secondary" type="submit"><span class="kern-label">{}</span>'
           "</button>")
_BUTTON_QUIET = ('<button class="kern-btn kern-btn--tertiary" type="submit"><span class="kern-label">{}</span>'
                 "</button>")
_CSRF = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'


@register.simple_tag(takes_context=True)
def office_task_row(context, task, label) -> str:
    """Reference, the task (with the form that does it where it is one click), the office, the deadline."""
    office = task.office_name
    if task.people > 1:
        # As {% blocktranslate %}: the values escaped, the translator's sentence as written.
        people = ngettext("%(people)s person", "%(people)s persons", task.people) % {"people": task.people}
        work = format_html('<a class="kern-link" href="{}">{}</a> ({})',
                           reverse("backoffice:family_permits", args=[task.case.public_id]), label,
                           mark_safe(people))  # noqa: S308 - a number in the translator's words
    else:
        work = format_html("{}", label)
    if task.booking:
        work += format_html('<div class="wsa-task-buttons"><form method="post" action="{}">{}' + _BUTTON + "</form>"
                            '<form method="post" action="{}">{}' + _BUTTON_QUIET + "</form></div>",
                            reverse("authorities:appointment_attendance", args=[task.booking]), _csrf_input(context),
                            gettext("The applicant attended"),
                            reverse("authorities:appointment_missed", args=[task.booking]), _csrf_input(context),
                            gettext("Nobody came"))
    if task.request:
        work += format_html(
            '<p class="kern-body--small">{}</p><form method="post" action="{}">{}'
            '<input type="hidden" name="next" value="home">' + _BUTTON + "</form>",
            gettext("Ask the applicant in the case file (request documents), or send the request again once the "
                    "file has what is missing."),
            reverse("backoffice:step_resend", args=[task.case.public_id, task.request]), _csrf_input(context),
            mark_safe(gettext("Send again to %(office)s")  # noqa: S308 - as {% blocktranslate %}
                      % {"office": conditional_escape(office)}))
    # Each cell names its column (data-label): on a phone the rows stack and the labels stand before the values.
    return format_html('<tr class="kern-table__row">' + _LABELLED_CELL * 4 + "</tr>",
                       gettext("Reference"), _case_link(task.case), gettext("Task"), work,
                       gettext("Office"), office,
                       gettext("Deadline"), _task_deadline(task))


def _task_deadline(task) -> str:
    """The task's deadline; an attendance is recorded on the appointment's day (its time is in the task's own
    words), and where the law sets none the cell says so, as the case file's steps do."""
    if task.booking:
        return gettext("on the day of the appointment")
    return deadline_badge(task.due_at)


def _csrf_input(context) -> str:
    """As {% csrf_token %}, and like it only where a row has a form (reading the token sets the cookie)."""
    csrf_value = str(context.get("csrf_token") or "")
    return format_html(_CSRF, csrf_value) if csrf_value and csrf_value != "NOTPROVIDED" else ""
