from django import forms
from django.utils.translation import gettext_lazy as _

from wsa.forms import DateInput

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ExtensionForm(forms.Form):
    """Once-only: the profile and the title already hold everything; only what may have changed."""

    same_employment = forms.ChoiceField(
        label=_("Do you still work for the same employer in the same job?"), choices=YES_NO,
        widget=forms.RadioSelect, initial="yes",
        help_text=_("If not, the foreigners' authority will ask you for the new employment contract."))
    address_changed = forms.BooleanField(label=_("My address has changed"), required=False)
    street = forms.CharField(label=_("New street and number"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("New postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("New city"), max_length=100, required=False)

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
