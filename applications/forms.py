"""Forms of the applicant portal. They validate only; views hand the cleaned data to services."""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentType
from wsa.forms import DateInput

from . import rules
from .models import Employment, LanguageLevel, Person, ProcedureLanguage, Qualification, WorkExperience

COUNTRY_CODE = re.compile(r"^[A-Za-z]{3}$")
ISCO_CODE = re.compile(r"^\d{1,4}$")
GERMAN_POSTAL_CODE = re.compile(r"^\d{5}$")
GERMAN_STATES = [
    ("", _("Please choose")), ("BW", "Baden-Württemberg"), ("BY", "Bayern"), ("BE", "Berlin"),
    ("BB", "Brandenburg"), ("HB", "Bremen"), ("HH", "Hamburg"), ("HE", "Hessen"),
    ("MV", "Mecklenburg-Vorpommern"), ("NI", "Niedersachsen"), ("NW", "Nordrhein-Westfalen"),
    ("RP", "Rheinland-Pfalz"), ("SL", "Saarland"), ("SN", "Sachsen"), ("ST", "Sachsen-Anhalt"),
    ("SH", "Schleswig-Holstein"), ("TH", "Thüringen"),
]


def _date_field(label, *, required=False, help_text=""):
    return forms.DateField(label=label, required=required, widget=DateInput(), help_text=help_text,
                           input_formats=["%Y-%m-%d", "%d.%m.%Y"])


def _country(value: str) -> str:
    value = (value or "").strip().upper()
    if value and not COUNTRY_CODE.match(value):
        raise forms.ValidationError(_("Enter the three-letter country code, for example IND or BRA."))
    return value


class CountryField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("Three letters as in your passport, for example IND, BRA, VNM."))
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocapitalize": "characters", "spellcheck": "false", "size": "4",
                                  "maxlength": "3"})

    def clean(self, value):
        return _country(super().clean(value))


# --- The once-only profile --------------------------------------------------------------------

class PersonalForm(forms.ModelForm):
    """Name, birth and passport, exactly as printed in the passport."""

    nationality = CountryField(label=_("Nationality"))
    passport_issuing_state = CountryField(label=_("Issuing state of the passport"), required=False)

    class Meta:
        model = Person
        fields = ["surname", "given_names", "birth_date", "birth_place", "sex", "nationality", "passport_number",
                  "passport_issuing_state", "passport_expiry"]
        widgets = {"birth_date": DateInput(), "passport_expiry": DateInput()}
        help_texts = {
            "surname": _("Exactly as in the machine-readable zone of your passport."),
            "given_names": _("All given names, as in your passport. Leave empty if your passport shows none."),
        }

    # Needed before an application can be submitted; optional when only the profile is edited.
    application_fields = ("birth_date", "nationality", "passport_number", "passport_expiry")

    def __init__(self, *args, for_application: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["surname"].required = True
        for name in ("birth_date", "passport_expiry"):
            self.fields[name].input_formats = ["%Y-%m-%d", "%d.%m.%Y"]
        self.fields["nationality"].required = for_application
        if for_application:
            for name in self.application_fields:
                self.fields[name].required = True
        self.fields["passport_number"].widget.attrs.update({"autocapitalize": "characters", "spellcheck": "false"})
        self.fields["surname"].widget.attrs.update({"autocomplete": "family-name"})
        self.fields["given_names"].widget.attrs.update({"autocomplete": "given-name"})
        self.fields["birth_date"].widget.attrs.update({"autocomplete": "bday"})

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        today = timezone.localdate()
        if value and not (today - timedelta(days=120 * 366) < value <= today - timedelta(days=15 * 365)):
            raise forms.ValidationError(_("Enter your real date of birth; you must be at least 15 years old."))
        return value

    def clean_passport_number(self):
        value = (self.cleaned_data.get("passport_number") or "").strip().upper().replace(" ", "")
        if value and not re.fullmatch(r"[A-Z0-9]{5,20}", value):
            raise forms.ValidationError(_("Enter the passport number with letters and digits only."))
        return value

    def clean_passport_expiry(self):
        value = self.cleaned_data.get("passport_expiry")
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("Your passport has expired. You need a valid passport to apply."))
        return value


class ContactForm(forms.ModelForm):
    country_of_residence = CountryField(label=_("Country where you live"))

    class Meta:
        model = Person
        fields = ["email", "phone", "street", "postal_code", "city", "country_of_residence"]
        help_texts = {"phone": _("With country code, for example +91 98765 43210.")}

    def __init__(self, *args, for_application: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country_of_residence"].required = for_application
        self.fields["city"].required = for_application
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["phone"].widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
        self.fields["street"].widget.attrs.update({"autocomplete": "street-address"})
        self.fields["postal_code"].widget.attrs.update({"autocomplete": "postal-code"})
        self.fields["city"].widget.attrs.update({"autocomplete": "address-level2"})

    def clean_phone(self):
        value = (self.cleaned_data.get("phone") or "").strip()
        if value and not re.fullmatch(r"\+?[0-9 ()/-]{6,30}", value):
            raise forms.ValidationError(_("Enter a phone number with digits, spaces and an optional + only."))
        return value


class QualificationForm(forms.ModelForm):
    country = CountryField(label=_("Country where you obtained it"), required=False)

    class Meta:
        model = Qualification
        fields = ["kind", "title", "institution", "country", "completed_on", "recognition", "comparable"]
        widgets = {"kind": forms.RadioSelect, "recognition": forms.RadioSelect, "completed_on": DateInput()}
        help_texts = {
            "title": _("For example: Bachelor of Technology in Computer Science."),
            "comparable": _("Tick this if anabin lists your university as H+ and your degree as 'entspricht', "
                            "or if you have a ZAB Statement of Comparability."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Qualification.Kind.choices
        self.fields["recognition"].choices = Qualification.Recognition.choices
        self.fields["completed_on"].input_formats = ["%Y-%m-%d", "%d.%m.%Y"]

    def clean_completed_on(self):
        value = self.cleaned_data.get("completed_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


LEVEL_CHOICES = [("none", _("No knowledge"))] + [(v, label) for v, label in LanguageLevel.choices if v != "none"]


class LanguagesForm(forms.Form):
    german_level = forms.ChoiceField(label=_("Your German level"), choices=LEVEL_CHOICES,
                                     help_text=_("Levels of the Common European Framework, A1 to C2."))
    german_certificate = forms.CharField(label=_("German certificate"), max_length=100, required=False,
                                         help_text=_("For example: Goethe-Zertifikat B1, telc Deutsch B2."))
    english_level = forms.ChoiceField(label=_("Your English level"), choices=LEVEL_CHOICES)
    english_certificate = forms.CharField(label=_("English certificate"), max_length=100, required=False,
                                          help_text=_("For example: IELTS 7.0, TOEFL iBT 95."))

    @classmethod
    def initial_for(cls, person) -> dict:
        initial = {"german_level": "none", "english_level": "none"}
        if person is not None and person.pk:
            for skill in person.languages.all():
                initial[f"{skill.language}_level"] = skill.level
                initial[f"{skill.language}_certificate"] = skill.certificate
        return initial

    def levels(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {
            "de": (data["german_level"], data.get("german_certificate", "")),
            "en": (data["english_level"], data.get("english_certificate", "")),
        }


class WorkExperienceForm(forms.ModelForm):
    class Meta:
        model = WorkExperience
        fields = ["employer", "job_title", "occupation_isco", "started_on", "ended_on"]
        widgets = {"started_on": DateInput(), "ended_on": DateInput()}
        help_texts = {"ended_on": _("Leave empty if you still work there."),
                      "occupation_isco": _("Up to four digits, for example 2512 for software developers.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("started_on", "ended_on"):
            self.fields[name].input_formats = ["%Y-%m-%d", "%d.%m.%Y"]
        self.fields["occupation_isco"].widget.attrs.update({"inputmode": "numeric"})

    def clean_occupation_isco(self):
        value = (self.cleaned_data.get("occupation_isco") or "").strip()
        if value and not ISCO_CODE.match(value):
            raise forms.ValidationError(_("Enter one to four digits."))
        return value

    def clean(self):
        data = super().clean()
        started, ended = data.get("started_on"), data.get("ended_on")
        today = timezone.localdate()
        if started and started > today:
            self.add_error("started_on", _("The date cannot be in the future."))
        if started and ended and ended < started:
            self.add_error("ended_on", _("The end date must be after the start date."))
        return data


# --- The application wizard -------------------------------------------------------------------

class TitleForm(forms.Form):
    title_code = forms.ChoiceField(label=_("Which residence title do you apply for?"), widget=forms.RadioSelect)
    procedure_language = forms.ChoiceField(
        label=_("In which language should we write to you?"), widget=forms.RadioSelect,
        choices=ProcedureLanguage.choices,
        help_text=_("Decisions are always issued in German; with English you also receive an English version."),
    )
    accelerated = forms.BooleanField(
        label=_("My employer applies for the accelerated skilled-worker procedure (§ 81a AufenthG)"),
        required=False,
        help_text=_("Only with an employer who holds your power of attorney; the fee is 411 euros."),
    )

    def __init__(self, *args, has_employer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_employer = has_employer
        self.fields["title_code"].choices = [
            (code, f"{rules.title(code).name} ({rules.title(code).section})") for code in rules.APPLICATION_TITLE_CODES
        ]
        if not has_employer:
            # § 81a is the employer's application; without an employer on the case it cannot be chosen.
            del self.fields["accelerated"]

    def clean(self):
        data = super().clean()
        code = data.get("title_code")
        if data.get("accelerated") and code and not rules.title(code).accelerated_allowed:
            self.add_error("accelerated", _("The accelerated procedure is not available for this residence title."))
        return data


class EmploymentForm(forms.ModelForm):
    workplace_state = forms.ChoiceField(label=_("Federal state of the workplace"), choices=GERMAN_STATES,
                                        required=False)

    class Meta:
        model = Employment
        fields = ["job_title", "occupation_isco", "duties", "annual_gross_salary", "weekly_hours", "start_date",
                  "duration_months", "collective_agreement", "workplace_street", "workplace_postal_code",
                  "workplace_city", "workplace_state"]
        widgets = {"start_date": DateInput(), "duties": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "annual_gross_salary": _("Before tax, as in the contract or offer. Example: 52000"),
            "occupation_isco": _("Up to four digits, for example 2512 for software developers."),
        }

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.job_required = required
        self.fields["start_date"].input_formats = ["%Y-%m-%d", "%d.%m.%Y"]
        for name in ("annual_gross_salary", "weekly_hours"):
            self.fields[name].localize = True
            self.fields[name].widget = forms.TextInput(attrs={"inputmode": "decimal"})
            self.fields[name].widget.is_localized = True
        self.fields["duration_months"].widget = forms.TextInput(attrs={"inputmode": "numeric"})
        self.fields["occupation_isco"].widget.attrs.update({"inputmode": "numeric"})
        self.fields["workplace_postal_code"].widget.attrs.update({"inputmode": "numeric"})
        if not required:
            self.empty_permitted = True
            self.use_required_attribute = False

    def clean_occupation_isco(self):
        value = (self.cleaned_data.get("occupation_isco") or "").strip()
        if value and not ISCO_CODE.match(value):
            raise forms.ValidationError(_("Enter one to four digits."))
        return value

    def clean_annual_gross_salary(self):
        value = self.cleaned_data.get("annual_gross_salary")
        if value is not None and value <= 0:
            raise forms.ValidationError(_("Enter the salary in euros, more than 0."))
        return value

    def clean_weekly_hours(self):
        value = self.cleaned_data.get("weekly_hours")
        if value is not None and not 0 < value <= 60:
            raise forms.ValidationError(_("Enter the weekly hours, more than 0 and at most 60."))
        return value

    def clean_workplace_postal_code(self):
        value = (self.cleaned_data.get("workplace_postal_code") or "").strip()
        if value and not GERMAN_POSTAL_CODE.match(value):
            raise forms.ValidationError(_("Enter a German postal code of five digits."))
        return value

    def clean_start_date(self):
        value = self.cleaned_data.get("start_date")
        if value and value < timezone.localdate() - timedelta(days=365):
            raise forms.ValidationError(_("The start date lies too far in the past."))
        return value


class DeclarationForm(forms.Form):
    declaration = forms.BooleanField(
        label=_("I declare that the information I have given is correct and complete. I know that false "
                "information can lead to the refusal or withdrawal of the residence title (§ 95 AufenthG)."),
        error_messages={"required": _("Please confirm the declaration to submit your application.")},
    )


# --- Documents ------------------------------------------------------------------------------

class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; the upload service checks each (empty, size, type)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_empty_file", True)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,"
                                                                          "image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        items = list(data) if isinstance(data, list | tuple) else ([data] if data else [])
        if not items:
            single(None, initial)  # "This field is required."
            return []
        return [single(item, initial) for item in items]


UPLOAD_HELP = _("PDF, JPEG or PNG, at most %(size)s each. You can choose several files.")
TYPE_CHOICES = [(v, label) for v, label in DocumentType.choices if v != DocumentType.UNKNOWN]


class DocumentUploadForm(forms.Form):
    document_type = forms.ChoiceField(label=_("What kind of document is it?"), choices=TYPE_CHOICES)
    files = MultipleFileField(label=_("Files"))

    def __init__(self, *args, max_size_label: str = "10 MB", with_type: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = UPLOAD_HELP % {"size": max_size_label}
        if not with_type:
            del self.fields["document_type"]


class DocumentReplaceForm(forms.Form):
    file = forms.FileField(label=_("New file"), allow_empty_file=True, widget=forms.ClearableFileInput(
        attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}))


class ProvideDocumentForm(forms.Form):
    file = forms.FileField(label=_("Document"), allow_empty_file=True, widget=forms.ClearableFileInput(
        attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}))
    document_type = forms.ChoiceField(label=_("What kind of document is it?"), choices=TYPE_CHOICES,
                                      initial=DocumentType.OTHER)
    note = forms.CharField(label=_("Note to your case team"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


# --- Case pages -------------------------------------------------------------------------------

class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("Your case team answers in the portal. Please do not send passwords."))

    def clean_body(self):
        body = (self.cleaned_data.get("body") or "").strip()
        if not body:
            raise forms.ValidationError(_("Please write a message."))
        return body


class EntryReportForm(forms.Form):
    entry_date = _date_field(_("Date of entry into Germany"), required=True)
    street = forms.CharField(label=_("Street and number"), max_length=200,
                             widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    postal_code = forms.CharField(label=_("Postal code"), max_length=5,
                                  widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                                "autocomplete": "postal-code"}))
    city = forms.CharField(label=_("City"), max_length=100,
                           widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))

    def clean_entry_date(self):
        value = self.cleaned_data["entry_date"]
        today = timezone.localdate()
        if value > today:
            raise forms.ValidationError(_("The date of entry cannot be in the future."))
        if value < today - timedelta(days=365):
            raise forms.ValidationError(_("The date of entry lies more than a year in the past."))
        return value

    def clean_postal_code(self):
        value = self.cleaned_data["postal_code"].strip()
        if not GERMAN_POSTAL_CODE.match(value):
            raise forms.ValidationError(_("Enter a German postal code of five digits."))
        return value


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why do you withdraw? (helps us improve)"), required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label=_("Yes, I withdraw this application. This cannot be undone."),
                                 error_messages={"required": _("Please confirm that you want to withdraw.")})


class AccountDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, delete my account and my data now. I know that this cannot be undone."),
        error_messages={"required": _("Please confirm that you want your account deleted.")},
    )

