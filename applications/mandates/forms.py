"""Forms of the representative portal and of the principals' "Representatives" pages. They validate only."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationKind, Role

from ..employer.forms import DateInput, title_choices
from ..forms import ProvideDocumentForm
from ..lifecycle import CaseState
from ..models import ProcedureLanguage
from .models import MandateScope
from .selectors import DEADLINE_FILTERS

SCOPE_CHOICES = [
    (MandateScope.READ, _("Read only: the representative follows the case but does nothing in it")),
    (MandateScope.ACT, _("Act for me: upload documents, answer requests, write messages and submit")),
]
# The same two scopes as the agency asks for them: in its own voice, not the client's ("Act for me").
AGENCY_SCOPE_CHOICES = [
    (MandateScope.READ, _("Read only: you follow the case but do nothing in it")),
    (MandateScope.ACT, _("Act for the client: upload documents, answer requests, write messages and submit")),
]


class RepresentativeSearchForm(forms.Form):
    q = forms.CharField(label=_("Name of the representative"), max_length=100, required=False,
                        help_text=_("Only representatives checked by the WSA can be found."))


class MandateGrantForm(forms.Form):
    """`representatives`: the organisations to choose from (the search results, or the one posted);
    `cases`: the principal's cases; `applicant`: an applicant (decisions and uploads) or an employer."""

    representative = forms.ChoiceField(label=_("Representative"), widget=forms.RadioSelect)
    scope = forms.ChoiceField(label=_("What may the representative do?"), widget=forms.RadioSelect,
                              choices=SCOPE_CHOICES, initial=MandateScope.READ)
    receives_decisions = forms.BooleanField(
        label=_("Decisions are delivered to the representative too"), required=False,
        help_text=_("The authority may make its decision known to your representative (§ 41 (1) VwVfG)."))
    cases = forms.MultipleChoiceField(label=_("Which cases?"), required=False, widget=forms.CheckboxSelectMultiple,
                                      help_text=_("Choose none for all your cases, also future ones."))
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput,
                                  help_text=_("Leave empty for a mandate until you revoke it."))
    confirm = forms.BooleanField(
        label=_("I authorise this representative to act for me within the scope chosen above (power of attorney, "
                "§ 14 VwVfG). I can revoke this at any time."), required=False)
    power_of_attorney = forms.FileField(
        label=_("Or upload the signed power of attorney"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}))

    def __init__(self, *args, representatives=(), cases=(), applicant: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.representatives = {str(r.public_id): r for r in representatives}
        self.fields["representative"].choices = [
            (key, f"{r.name} ({r.get_kind_display()}, {r.city})" if r.city else f"{r.name} ({r.get_kind_display()})")
            for key, r in self.representatives.items()]
        self.cases = {str(c.public_id): c for c in cases}
        self.fields["cases"].choices = [(key, f"{c.reference} · {c.get_state_display()}")
                                        for key, c in self.cases.items()]
        if not applicant:
            del self.fields["receives_decisions"]
            del self.fields["power_of_attorney"]

    def clean_valid_until(self):
        value = self.cleaned_data.get("valid_until")
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(_("The end of the mandate cannot lie in the past."))
        return value

    def clean(self):
        data = super().clean()
        if not data.get("confirm") and not data.get("power_of_attorney"):
            self.add_error("confirm", _("Confirm the power of attorney or upload it signed."))
        return data

    def grant_kwargs(self) -> dict:
        data = self.cleaned_data
        chosen = [self.cases[key] for key in data.get("cases") or []]
        return {"representative": self.representatives[data["representative"]], "scope": data["scope"],
                "receives_decisions": bool(data.get("receives_decisions")), "valid_until": data.get("valid_until"),
                "cases": chosen or None, "confirmed": bool(data.get("confirm")),
                "power_of_attorney_file": data.get("power_of_attorney")}


class CaseFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("Status"), required=False,
                              choices=[("", _("All"))] + list(CaseState.choices))
    deadline = forms.ChoiceField(label=_("Legal deadline"), required=False, choices=[
        ("", _("Any")), ("overdue", _("Passed")), ("7", _("Within 7 days")), ("30", _("Within 30 days"))])

    def clean_deadline(self):
        value = self.cleaned_data.get("deadline") or ""
        return value if value in DEADLINE_FILTERS else ""


class RepresentativeRegisterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of organisation"), widget=forms.RadioSelect, choices=[
        (kind.value, kind.label) for kind in OrganisationKind if kind in OrganisationKind.representative_kinds()])
    name = forms.CharField(label=_("Name of the organisation"), max_length=200)
    legal_form = forms.CharField(label=_("Legal form"), max_length=50, required=False)
    commercial_register_number = forms.CharField(
        label=_("Register number"), max_length=50, required=False,
        help_text=_("Register court and number, or the bar association for a law firm."))
    street = forms.CharField(label=_("Street and number"), max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    city = forms.CharField(label=_("City"), max_length=100)
    contact_email = forms.EmailField(label=_("Contact e-mail address"))
    contact_phone = forms.CharField(label=_("Contact phone number"), max_length=50, required=False)

    def organisation_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "kind"}


class RepresentativeInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of your colleague"),
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label=_("Role"), widget=forms.RadioSelect, initial=Role.REPRESENTATIVE_MEMBER, choices=[
        (Role.REPRESENTATIVE_MEMBER, _("Member: follows and acts in the clients' cases")),
        (Role.REPRESENTATIVE_OWNER, _("Owner: also manages colleagues")),
    ])


class ClientStartForm(forms.Form):
    given_names = forms.CharField(label=_("Given names of the client"), max_length=150, required=False,
                                  help_text=_("As in the passport, if known."))
    surname = forms.CharField(label=_("Surname of the client"), max_length=100)
    email = forms.EmailField(label=_("E-mail address of the client"),
                             help_text=_("The invitation goes to this address; only this address can accept it."))
    title_code = forms.ChoiceField(label=_("Residence title"), required=False, choices=title_choices)
    procedure_language = forms.ChoiceField(label=_("Language of the procedure"), choices=ProcedureLanguage.choices,
                                           initial=ProcedureLanguage.GERMAN)
    scope = forms.ChoiceField(label=_("What you ask to be allowed to do"), widget=forms.RadioSelect,
                              choices=AGENCY_SCOPE_CHOICES, initial=MandateScope.ACT)
    receives_decisions = forms.BooleanField(label=_("Decisions are delivered to you too"), required=False,
                                            initial=True)
    valid_until = forms.DateField(label=_("Mandate valid until"), required=False, widget=DateInput)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_valid_until(self):
        value = self.cleaned_data.get("valid_until")
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(_("The end of the mandate cannot lie in the past."))
        return value


class ClientAcceptForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I authorise this representative to act for me in this case within the scope shown above "
                "(power of attorney, § 14 VwVfG). I can revoke this at any time."))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Document"), widget=forms.ClearableFileInput(
        attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}))
    document_type = forms.ChoiceField(label=_("What kind of document is it?"),
                                      choices=ProvideDocumentForm.base_fields["document_type"].choices)


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message to the case team"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}))

    def clean_body(self):
        body = (self.cleaned_data.get("body") or "").strip()
        if not body:
            raise forms.ValidationError(_("Please write a message."))
        return body
