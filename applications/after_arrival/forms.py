from django import forms
from django.utils.translation import gettext_lazy as _

from wsa.forms import DateInput

from ..forms import GERMAN_STATES, DeclarationForm

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ExtensionForm(forms.Form):
    """Once-only: the profile and the title already hold everything; only what may have changed. Nothing
    answered in advance: the submit files the application and issues the certificate at once, so an
    answer the person did not give, or a click without the declaration, must not file it."""

    same_employment = forms.ChoiceField(
        label=_("Do you still work for the same employer in the same job?"), choices=YES_NO,
        widget=forms.RadioSelect,
        help_text=_("If not, the foreigners' authority will ask you for the new employment contract."))
    address_changed = forms.BooleanField(label=_("My address has changed"), required=False)
    street = forms.CharField(label=_("New street and number"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("New postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("New city"), max_length=100, required=False)
    # The application's declaration (§ 95 AufenthG), as at the first application.
    declaration = DeclarationForm.base_fields["declaration"]

    def clean(self):
        data = super().clean()
        if data.get("address_changed"):
            for name in ("street", "postal_code", "city"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("Please enter your new address."))
        return data

    def address(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("address_changed"):
            return None
        return {name: data[name].strip() for name in ("street", "postal_code", "city")}


class JobChangeForm(forms.Form):
    employer_name = forms.CharField(label=_("New employer"), max_length=200)
    job_title = forms.CharField(label=_("New job title"), max_length=200)
    starts_on = forms.DateField(label=_("Start of the new job"), widget=DateInput())


class PensionMonthsForm(forms.Form):
    pension_months = forms.IntegerField(
        label=_("Months of contributions to the statutory pension insurance"), min_value=0, max_value=600,
        required=False,
        help_text=_("See your pension insurance record (Versicherungsverlauf). The portal has no access to it."))


class EmploymentEndForm(forms.Form):
    ended_on = forms.DateField(label=_("Last day of the employment"), widget=DateInput())
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))


class PurposeChangeForm(forms.Form):
    """Once-only: the profile and the current title hold the person; only the new purpose and, for work,
    the job offer are asked."""

    target = forms.ChoiceField(label=_("New residence title"), widget=forms.RadioSelect)
    employer_name = forms.CharField(label=_("Employer of the job offer"), max_length=200, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    annual_gross_salary = forms.DecimalField(label=_("Annual gross salary (EUR)"), min_value=0, max_digits=10,
                                             decimal_places=2, required=False)
    weekly_hours = forms.DecimalField(label=_("Weekly working hours"), min_value=1, max_value=60, max_digits=4,
                                      decimal_places=1, required=False)
    start_date = forms.DateField(label=_("Start of the job"), widget=DateInput(), required=False)
    duration_months = forms.IntegerField(label=_("Duration of the contract in months (empty: permanent)"),
                                         min_value=1, max_value=120, required=False)
    workplace_city = forms.CharField(label=_("City of the workplace"), max_length=100, required=False)
    workplace_state = forms.ChoiceField(label=_("Federal state of the workplace"), choices=GERMAN_STATES,
                                        required=False)
    declaration = DeclarationForm.base_fields["declaration"]

    JOB_REQUIRED = ("employer_name", "job_title", "annual_gross_salary", "weekly_hours", "workplace_state")

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = list(choices)
        for name in self.JOB_REQUIRED:  # not "optional": every title but the job search (§ 20 AufenthG) needs them
            self.fields[name].required_for = _("required for work")

    def clean(self):
        data = super().clean()
        if data.get("target") and data["target"] != "20":
            for name in self.JOB_REQUIRED:
                if data.get(name) in (None, ""):
                    self.add_error(name, _("Please fill in the details of your job offer."))
        return data

    def job(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in (
            "job_title", "annual_gross_salary", "weekly_hours", "start_date", "duration_months",
            "workplace_city", "workplace_state")}


class AddressChangeForm(forms.Form):
    street = forms.CharField(label=_("New street and number"), max_length=200)
    postal_code = forms.CharField(label=_("New postal code"), max_length=20)
    city = forms.CharField(label=_("New city"), max_length=100)
    state = forms.ChoiceField(label=_("Federal state"), choices=GERMAN_STATES)
    moved_on = forms.DateField(label=_("Moved in on"), widget=DateInput())

    def clean(self):
        data = super().clean()
        for name in ("street", "postal_code", "city"):
            if name in data and not data[name].strip():
                self.add_error(name, _("Please enter your new address."))
        return data
