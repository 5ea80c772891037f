"""Forms of the appointment booking (applicant portal) and of the visa office's slot calendar (back office)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wsa.forms import DateInput

from . import appointments


class BookingForm(forms.Form):
    """One radio button per free slot (rendered grouped by day by the template) and the booking it
    replaces, so that a form sent twice is recognised."""

    slot = forms.UUIDField(label=_("Appointment"), error_messages={
        "required": _("Please choose an appointment."),
        "invalid": _("Please choose one of the listed appointments."),
    })
    replaces = forms.UUIDField(required=False, widget=forms.HiddenInput)


class BookingCancelForm(forms.Form):
    booking = forms.UUIDField(widget=forms.HiddenInput)


def _times(value: str) -> list:
    moments = []
    for part in value.replace(";", ",").replace(" ", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            moments.append(datetime.strptime(part, "%H:%M").time())
        except ValueError as exc:
            raise forms.ValidationError(gettext("“%(value)s” is not a time such as 09:30.") % {"value": part}) from exc
    if not moments:
        raise forms.ValidationError(gettext("Please enter at least one time."))
    return sorted(set(moments))


class SlotPublishForm(forms.Form):
    office = forms.TypedChoiceField(label=_("Visa office"), coerce=int)
    first_day = forms.DateField(label=_("From"), widget=DateInput())
    last_day = forms.DateField(label=_("Until"), widget=DateInput(),
                               help_text=_("At most three months at once."))
    weekdays = forms.TypedMultipleChoiceField(label=_("Weekdays"), coerce=int, widget=forms.CheckboxSelectMultiple,
                                              choices=sorted(WEEKDAYS.items()))
    times = forms.CharField(label=_("Start times each day"), max_length=500,
                            help_text=_("Separated by commas, for example 09:00, 09:30, 10:00, in the office's "
                                        "local time."))
    minutes = forms.IntegerField(label=_("Length of a slot (minutes)"), min_value=5, max_value=240, initial=30)
    capacity = forms.IntegerField(label=_("Applicants per slot"), min_value=1, max_value=50, initial=1)

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = [(office.pk, office.name) for office in offices]
        if len(offices) == 1:
            self.fields["office"].initial = offices[0].pk
            self.fields["office"].widget = forms.HiddenInput()
        self.offices = {office.pk: office for office in offices}

    def clean_times(self):
        return _times(self.cleaned_data["times"])

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and first < timezone.localdate():
            self.add_error("first_day", gettext("The first day must not be in the past."))
        if first and last:
            if last < first:
                self.add_error("last_day", gettext("The last day must not be before the first day."))
            elif (last - first).days >= appointments.SLOTS_PUBLISH_MAX_DAYS:
                self.add_error("last_day", gettext("Please publish at most three months at once."))
        if not self.errors and data.get("times") and data.get("weekdays"):
            count = len(appointments.appointment_slots_plan(first_day=first, last_day=last, weekdays=data["weekdays"],
                                                        times=data["times"]))
            if count == 0:
                self.add_error("weekdays", gettext("None of the chosen weekdays falls between the two days."))
            elif count > appointments.SLOTS_PUBLISH_MAX:
                self.add_error(None, gettext("That would be %(count)d slots; please publish at most %(max)d at "
                                             "once.") % {"count": count, "max": appointments.SLOTS_PUBLISH_MAX})
        if data.get("times") and data.get("minutes"):
            length = timedelta(minutes=data["minutes"])
            starts = [datetime.combine(timezone.localdate(), moment) for moment in data["times"]]
            if any(later - earlier < length for earlier, later in zip(starts, starts[1:], strict=False)):
                self.add_error("times", gettext("The slots of one day must not overlap: leave at least the slot "
                                                "length between two start times."))
        return data

    @property
    def chosen_office(self):
        return self.offices[self.cleaned_data["office"]]


class SlotCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (kept with the slot, for the office)"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
