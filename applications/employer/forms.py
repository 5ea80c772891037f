"""Forms of the employer portal, and the bulk-hiring CSV reader. They validate only; views hand the
cleaned data to services (accounts.services, the employer block of applications.services)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiScope, ConsentScope, RequiredQualification, Role
from wsa.forms import DateInput

from .. import rules
from ..lifecycle import CaseState
from ..models import FEDERAL_STATES, ProcedureLanguage

GERMAN_POSTAL_CODE = re.compile(r"^\d{5}$")
BA_COMPANY_NUMBER = re.compile(r"^\d{8}$")
KLDB_CODE = re.compile(r"^\d{5}$")
ISCO_CODE = re.compile(r"^\d{4}$")
# Court register sections (Registerart): HRA, HRB, GnR (cooperatives), PR (partnerships),
# VR (associations), GsR (registered civil-law partnerships, since 2024).
REGISTER_NUMBER = re.compile(r"\b(HRA|HRB|GnR|PR|VR|GsR)\s?(\d{1,6})\b", re.IGNORECASE)

GERMAN_STATES = [("", _("Please choose")), *FEDERAL_STATES.items()]

# Legal form → the register section it must be entered in (None: no register entry required).
LEGAL_FORMS = [
    ("GmbH", _("GmbH (limited liability company)"), "HRB"),
    ("UG (haftungsbeschränkt)", _("UG (haftungsbeschränkt) (entrepreneurial company)"), "HRB"),
    ("AG", _("AG (public limited company)"), "HRB"),
    ("SE", _("SE (European company)"), "HRB"),
    ("GmbH & Co. KG", _("GmbH & Co. KG (limited partnership with a GmbH as general partner)"), "HRA"),
    ("KG", _("KG (limited partnership)"), "HRA"),
    ("OHG", _("OHG (general partnership)"), "HRA"),
    ("e.K.", _("e.K. (registered merchant)"), "HRA"),
    ("PartG", _("PartG / PartG mbB (partnership of liberal professions)"), "PR"),
    ("eG", _("eG (registered cooperative)"), "GnR"),
    ("e.V.", _("e.V. (registered association)"), "VR"),
    ("GbR", _("GbR (civil-law partnership)"), None),
    ("Einzelunternehmen", _("Sole proprietorship (not registered)"), None),
    ("public", _("Public body or institution"), None),
    ("foreign", _("Foreign legal form with a branch in Germany"), None),
]
LEGAL_FORM_REGISTER = {code: register for code, _label, register in LEGAL_FORMS}


def title_choices(*, blank_label=None):
    choices = [("", blank_label or _("Not decided yet"))]
    for code in rules.APPLICATION_TITLE_CODES:
        entry = rules.title(code)
        choices.append((code, f"{entry.section} – {entry.name}"))
    return choices


class LenientDecimalField(forms.DecimalField):
    """Accepts what people type and spreadsheets export: "55000", "55.000,50", "55,000.50", "€ 55 000"."""

    def to_python(self, value):
        if isinstance(value, str):
            text = value.replace("€", "").replace("EUR", "").replace("\u00a0", "").replace(" ", "").strip()
            if "," in text and "." in text:
                # The separator that comes last is the decimal one.
                if text.rfind(",") > text.rfind("."):
                    text = text.replace(".", "").replace(",", ".")
                else:
                    text = text.replace(",", "")
            elif "," in text:
                text = text.replace(",", ".")
            value = text
        return super().to_python(value)


def _decimal_widget():
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


# --- Organisation -------------------------------------------------------------------------------


class OrganisationRegisterForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200,
                           help_text=_("As entered in the commercial register."))
    legal_form = forms.ChoiceField(label=_("Legal form"),
                                   choices=[("", _("Please choose"))] + [(c, label) for c, label, _r in LEGAL_FORMS])
    commercial_register_number = forms.CharField(
        label=_("Commercial register number"), max_length=50, required=False,
        help_text=_("Register court and number, for example “Amtsgericht Berlin-Charlottenburg HRB 123456 B”. "
                    "Not needed for forms of business without a register entry."))
    ba_company_number = forms.CharField(
        label=_("BA company number (Betriebsnummer)"), max_length=12,
        help_text=_("The eight-digit establishment number the Federal Employment Agency gave your company."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    street = forms.CharField(label=_("Street and number"), max_length=200, widget=forms.TextInput(
        attrs={"autocomplete": "street-address"}))
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, widget=forms.TextInput(
        attrs={"autocomplete": "postal-code", "inputmode": "numeric"}))
    city = forms.CharField(label=_("City"), max_length=100, widget=forms.TextInput(
        attrs={"autocomplete": "address-level2"}))
    contact_email = forms.EmailField(label=_("Contact e-mail address"), widget=forms.EmailInput(
        attrs={"autocomplete": "email"}))
    contact_phone = forms.CharField(label=_("Contact phone number"), max_length=50, required=False,
                                    widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))

    def clean_ba_company_number(self):
        value = re.sub(r"[\s-]", "", self.cleaned_data["ba_company_number"])
        if not BA_COMPANY_NUMBER.match(value):
            raise forms.ValidationError(_("The BA company number has exactly 8 digits."), code="ba_number")
        if value == "0" * 8:
            raise forms.ValidationError(_("Enter the BA company number of your company."), code="ba_number")
        return value

    def clean_postal_code(self):
        value = self.cleaned_data["postal_code"].strip()
        if not GERMAN_POSTAL_CODE.match(value):
            raise forms.ValidationError(_("A German postal code has 5 digits."), code="postal_code")
        return value

    def clean(self):
        data = super().clean()
        legal_form = data.get("legal_form")
        number = " ".join((data.get("commercial_register_number") or "").split())
        data["commercial_register_number"] = number
        register = LEGAL_FORM_REGISTER.get(legal_form)
        if legal_form and register:
            match = REGISTER_NUMBER.search(number)
            if not number:
                self.add_error("commercial_register_number",
                               _("Enter the commercial register number (required for this legal form)."))
            elif match is None:
                self.add_error("commercial_register_number",
                               _("Enter the register section and number, for example HRB 123456."))
            elif match.group(1).upper() != register.upper():
                self.add_error("commercial_register_number", gettext(
                    "A company with this legal form is entered in the register section %(register)s.")
                    % {"register": register})
        return data

    def organisation_fields(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ("name", "legal_form", "commercial_register_number", "ba_company_number",
                                              "street", "postal_code", "city", "contact_email", "contact_phone")}


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of your colleague"),
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label=_("Role"), widget=forms.RadioSelect, initial=Role.EMPLOYER_MEMBER, choices=[
        (Role.EMPLOYER_MEMBER, _("Member: sees and starts cases, writes messages")),
        (Role.EMPLOYER_OWNER, _("Owner: also manages colleagues, API tokens and webhooks")),
    ])


# --- Cases --------------------------------------------------------------------------------------


class EmploymentForm(forms.Form):
    """The BA form "Erklärung zum Beschäftigungsverhältnis": the job the candidate is offered."""

    job_title = forms.CharField(label=_("Job title"), max_length=200)
    occupation_kldb = forms.CharField(
        label=_("Occupation code (KldB 2010)"), max_length=5, required=False,
        help_text=_("Five digits of the German classification of occupations."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    occupation_isco = forms.CharField(
        label=_("Occupation code (ISCO-08)"), max_length=4, required=False,
        help_text=_("Four digits, for example 2512 for software developers. Needed for the eligibility check."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    duties = forms.CharField(label=_("Duties"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    required_qualification = forms.ChoiceField(label=_("Qualification the job requires"),
                                               choices=[("", _("Please choose"))] + RequiredQualification.choices)
    required_qualification_detail = forms.CharField(
        label=_("Required qualification in detail"), max_length=300, required=False,
        help_text=_("For example “Bachelor in computer science or comparable”."))
    annual_gross_salary = LenientDecimalField(
        label=_("Annual gross salary in euros"), max_digits=10, decimal_places=2, min_value=Decimal("1"),
        max_value=Decimal("10000000"), widget=_decimal_widget())
    weekly_hours = LenientDecimalField(
        label=_("Weekly working hours"), max_digits=4, decimal_places=1, min_value=Decimal("1"),
        max_value=Decimal("60"), widget=_decimal_widget())
    start_date = forms.DateField(label=_("Start date"), widget=DateInput(), input_formats=["%Y-%m-%d", "%d.%m.%Y"])
    duration_months = forms.IntegerField(label=_("Duration in months"), min_value=1, max_value=120, required=False,
                                         help_text=_("Leave empty for a permanent contract."))
    workplace_street = forms.CharField(label=_("Workplace: street and number"), max_length=200)
    workplace_postal_code = forms.CharField(label=_("Workplace: postal code"), max_length=10,
                                            widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    workplace_city = forms.CharField(label=_("Workplace: city"), max_length=100)
    workplace_state = forms.ChoiceField(label=_("Workplace: federal state"), choices=GERMAN_STATES)
    collective_agreement = forms.BooleanField(label=_("We are bound by a collective agreement and pay the "
                                                      "collectively agreed wage"), required=False)
    working_conditions = forms.CharField(
        label=_("Working conditions"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example holidays per year, overtime, shift or weekend work, probation period."))

    EMPLOYMENT_FIELDS = ("job_title", "occupation_kldb", "occupation_isco", "duties", "annual_gross_salary",
                         "weekly_hours", "start_date", "duration_months", "collective_agreement", "workplace_street",
                         "workplace_postal_code", "workplace_city", "workplace_state")
    DETAIL_FIELDS = ("required_qualification", "required_qualification_detail", "working_conditions")

    def clean_occupation_kldb(self):
        value = self.cleaned_data["occupation_kldb"].strip()
        if value and not KLDB_CODE.match(value):
            raise forms.ValidationError(_("A KldB 2010 code has 5 digits."), code="kldb")
        return value

    def clean_occupation_isco(self):
        value = self.cleaned_data["occupation_isco"].strip()
        if value and not ISCO_CODE.match(value):
            raise forms.ValidationError(_("An ISCO-08 code has 4 digits."), code="isco")
        return value

    def clean_workplace_postal_code(self):
        value = self.cleaned_data["workplace_postal_code"].strip()
        if not GERMAN_POSTAL_CODE.match(value):
            raise forms.ValidationError(_("A German postal code has 5 digits."), code="postal_code")
        return value

    def clean_start_date(self):
        value = self.cleaned_data["start_date"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The start date cannot be in the past."), code="start_date")
        return value

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("occupation_kldb") and not data.get("occupation_isco"):
            self.add_error("occupation_isco", _("Enter the occupation code (ISCO-08, KldB 2010 or both)."))
        return data

    def employment(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.EMPLOYMENT_FIELDS}

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.DETAIL_FIELDS}


class CandidateInviteAgainForm(forms.Form):
    """A new invitation for a candidate who has not accepted; the address can be corrected (mistyped)."""

    email = forms.EmailField(label=_("Candidate: e-mail address"),
                             help_text=_("The invitation goes to this address; only this address can accept it."))


class CaseStartForm(EmploymentForm):
    given_names = forms.CharField(label=_("Candidate: given names"), max_length=150, required=False,
                                  help_text=_("As in the passport, if known."))
    surname = forms.CharField(label=_("Candidate: surname"), max_length=100)
    email = forms.EmailField(label=_("Candidate: e-mail address"),
                             help_text=_("The invitation goes to this address; only this address can accept it."))
    title_code = forms.ChoiceField(label=_("Residence title"), required=False, choices=title_choices,
                                   help_text=_("The candidate can still choose it in the application."))
    accelerated = forms.BooleanField(
        label=_("Accelerated skilled-worker procedure (§ 81a AufenthG, fee € 411)"), required=False,
        help_text=_("You apply at the foreigners' authority with the candidate's power of attorney; the "
                    "authorities must then decide within short legal deadlines."))
    procedure_language = forms.ChoiceField(label=_("Language of the procedure"), choices=ProcedureLanguage.choices,
                                           initial=ProcedureLanguage.GERMAN)
    employer_reference = forms.CharField(
        label=_("Your reference"), max_length=100, required=False,
        help_text=_("For example your requisition number. Do not enter personal data here."))

    CANDIDATE_FIELDS = ("given_names", "surname", "email")
    DETAIL_FIELDS = EmploymentForm.DETAIL_FIELDS + ("employer_reference",)

    field_order = ["given_names", "surname", "email"]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        if data.get("accelerated") and data.get("title_code"):
            if not rules.title(data["title_code"]).accelerated_allowed:
                self.add_error("accelerated", _("The accelerated procedure is not available for this residence "
                                                "title."))
        return data

    def start_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "given_names": data["given_names"], "surname": data["surname"], "email": data["email"],
            "employment": self.employment(), "details": self.details(), "title_code": data["title_code"],
            "accelerated": data["accelerated"], "procedure_language": data["procedure_language"],
        }


class AcceleratedForm(forms.Form):
    accelerated = forms.BooleanField(label=_("Use the accelerated skilled-worker procedure (§ 81a AufenthG)"),
                                     required=False)


class AcceleratedUploadForm(forms.Form):
    requirement = forms.ChoiceField(label=_("Document"), widget=forms.RadioSelect, choices=[
        ("power_of_attorney_81a", _("Power of attorney signed by the candidate")),
        ("agreement_81a", _("Agreement with the foreigners' authority (§ 81a Abs. 2 AufenthG)")),
    ])
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPEG or PNG."))


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message to the case team"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": _("Please write a message.")})


class DashboardFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        help_text=_("Reference, your reference, or the candidate's name where they shared it."))
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All states"))] + list(CaseState.choices))
    title = forms.ChoiceField(label=_("Residence title"), required=False,
                              choices=lambda: title_choices(blank_label=_("All titles")))


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(label=_("What may the employer see?"), widget=forms.RadioSelect,
                              choices=ConsentScope.choices, initial=ConsentScope.STATUS,
                              help_text=_("You can change or withdraw this at any time."))


# --- HR API -------------------------------------------------------------------------------------


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What the token is for, for example “HR system (production)”."))
    scopes = forms.MultipleChoiceField(label=_("Permissions"), widget=forms.CheckboxSelectMultiple,
                                       choices=ApiScope.choices)
    expires_in_days = forms.TypedChoiceField(
        label=_("Valid for"), coerce=int, initial=365, choices=[
            (30, _("30 days")), (90, _("90 days")), (365, _("1 year")), (0, _("Until revoked")),
        ])

    def expires_at(self):
        days = self.cleaned_data["expires_in_days"]
        return timezone.now() + timedelta(days=days) if days else None


class WebhookForm(forms.Form):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https",
                         help_text=_("We send a POST request with a JSON body to this address."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def clean_url(self):
        from accounts.services import webhook_url_validate

        return webhook_url_validate(self.cleaned_data["url"])


# --- Bulk hiring --------------------------------------------------------------------------------

BULK_REQUIRED_COLUMNS = ("surname", "email", "job_title", "duties", "required_qualification", "annual_gross_salary",
                         "weekly_hours", "start_date", "workplace_street", "workplace_postal_code", "workplace_city",
                         "workplace_state")
BULK_COLUMNS = (
    "given_names", "surname", "email", "job_title", "occupation_kldb", "occupation_isco", "duties",
    "required_qualification", "required_qualification_detail", "annual_gross_salary", "weekly_hours", "start_date",
    "duration_months", "workplace_street", "workplace_postal_code", "workplace_city", "workplace_state",
    "collective_agreement", "working_conditions", "title_code", "accelerated", "procedure_language",
    "employer_reference",
)
BULK_BOOLEAN_COLUMNS = ("collective_agreement", "accelerated")
BULK_MAX_BYTES = 1024 * 1024
_TRUE = {"yes", "y", "ja", "j", "true", "1", "x"}
_FALSE = {"no", "n", "nein", "false", "0", ""}

BULK_COLUMN_HELP = {
    "given_names": _("Given names as in the passport (optional)"),
    "surname": _("Surname as in the passport"),
    "email": _("The candidate's e-mail address; the invitation goes there"),
    "job_title": _("Job title"),
    "occupation_kldb": _("KldB 2010 code, 5 digits (this or ISCO-08 is required)"),
    "occupation_isco": _("ISCO-08 code, 4 digits (this or KldB 2010 is required)"),
    "duties": _("Duties"),
    "required_qualification": _("academic, vocational or none"),
    "required_qualification_detail": _("Required qualification in detail (optional)"),
    "annual_gross_salary": _("Annual gross salary in euros, e.g. 55000 or 55.000,00"),
    "weekly_hours": _("Weekly working hours, e.g. 40"),
    "start_date": _("Start date, YYYY-MM-DD or DD.MM.YYYY"),
    "duration_months": _("Duration in months; empty for a permanent contract"),
    "workplace_street": _("Workplace street and number"),
    "workplace_postal_code": _("Workplace postal code, 5 digits"),
    "workplace_city": _("Workplace city"),
    "workplace_state": _("Federal state code: BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, TH"),
    "collective_agreement": _("yes or no (optional)"),
    "working_conditions": _("Working conditions (optional)"),
    "title_code": _("Residence title: 18a, 18b, 18g, 19c, 20a, 16d1, 16d3 or empty"),
    "accelerated": _("yes or no: accelerated procedure (optional)"),
    "procedure_language": _("de or en (optional, default de)"),
    "employer_reference": _("Your reference (optional, no personal data)"),
}

BULK_TEMPLATE_ROW = {
    "given_names": "Priya", "surname": "Sharma", "email": "priya.sharma@example.org", "job_title": "Software Developer",
    "occupation_kldb": "43412", "occupation_isco": "2512", "duties": "Development of web applications",
    "required_qualification": "academic", "required_qualification_detail": "Bachelor in computer science",
    "annual_gross_salary": "58000", "weekly_hours": "40", "start_date": "", "duration_months": "",
    "workplace_street": "Musterstraße 1", "workplace_postal_code": "10115", "workplace_city": "Berlin",
    "workplace_state": "BE", "collective_agreement": "no", "working_conditions": "30 days of holiday",
    "title_code": "18g", "accelerated": "no", "procedure_language": "en", "employer_reference": "REQ-2026-001",
}


class BulkUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, separated by commas or semicolons, "
                                                            "first line with the column names."))


@dataclass(frozen=True)
class RowError:
    row: int        # line of the file, the header being line 1
    column: str     # column name, or "" for the whole row / file
    message: str

    def __str__(self) -> str:
        if self.column:
            return gettext("Row %(row)d, column “%(column)s”: %(message)s") % {
                "row": self.row, "column": self.column, "message": self.message}
        return gettext("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


def bulk_template_csv() -> str:
    from datetime import date

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=BULK_COLUMNS)
    writer.writeheader()
    row = dict(BULK_TEMPLATE_ROW)
    row["start_date"] = (date.today() + timedelta(days=120)).isoformat()
    writer.writerow(row)
    return out.getvalue()


def _decode(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def parse_bulk_csv(file, *, max_rows: int) -> tuple[list[CaseStartForm], list[RowError]]:
    """Reads and validates every row. Returns (valid forms, errors); the caller creates cases only
    when there is no error at all (all or nothing)."""
    data = file.read(BULK_MAX_BYTES + 1)
    if len(data) > BULK_MAX_BYTES:
        return [], [RowError(1, "", gettext("The file is larger than 1 MB. Please split it."))]
    text = _decode(data)
    if text is None or "\x00" in text:
        return [], [RowError(1, "", gettext("The file is not a CSV text file. Please save it as CSV (UTF-8)."))]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], [RowError(1, "", gettext("The file is empty."))]
    except csv.Error as exc:
        return [], [RowError(1, "", gettext("The file cannot be read as CSV: %(error)s") % {"error": exc})]
    errors: list[RowError] = []
    unknown = [h for h in header if h not in BULK_COLUMNS]
    for name in unknown:
        errors.append(RowError(1, name, gettext("Unknown column. Use the column names of the template.")))
    for name in BULK_REQUIRED_COLUMNS:
        if name not in header:
            errors.append(RowError(1, name, gettext("This column is missing.")))
    if len(set(header)) != len(header):
        errors.append(RowError(1, "", gettext("A column name appears twice.")))
    if errors:
        return [], errors
    forms_: list[CaseStartForm] = []
    seen_emails: dict[str, int] = {}
    row_number, data_rows = 1, 0
    try:
        for values in reader:
            row_number += 1
            if not any(v.strip() for v in values):
                continue
            data_rows += 1
            if data_rows > max_rows:
                errors.append(RowError(row_number, "", gettext("Too many rows: at most %(max)d per file.")
                                       % {"max": max_rows}))
                break
            if len(values) != len(header):
                errors.append(RowError(row_number, "", gettext("The row has %(found)d values, the header %(expected)d.")
                                       % {"found": len(values), "expected": len(header)}))
                continue
            row = {name: value.strip() for name, value in zip(header, values, strict=True)}
            row_errors = []
            for name in BULK_BOOLEAN_COLUMNS:
                raw = row.get(name, "").lower()
                if raw in _TRUE:
                    row[name] = "on"
                elif raw in _FALSE:
                    row[name] = ""
                else:
                    row_errors.append(RowError(row_number, name, gettext("Enter yes or no.")))
            row.setdefault("procedure_language", ProcedureLanguage.GERMAN)
            row["procedure_language"] = row["procedure_language"].lower() or ProcedureLanguage.GERMAN
            row["workplace_state"] = row.get("workplace_state", "").upper()
            row["required_qualification"] = row.get("required_qualification", "").lower()
            form = CaseStartForm(data=row)
            if not form.is_valid():
                for name, messages in form.errors.items():
                    for message in messages:
                        row_errors.append(RowError(row_number, "" if name == "__all__" else name, str(message)))
            email = row.get("email", "").lower()
            if email and email in seen_emails:
                row_errors.append(RowError(row_number, "email", gettext(
                    "The same e-mail address is already in row %(row)d.") % {"row": seen_emails[email]}))
            elif email:
                seen_emails[email] = row_number
            if row_errors:
                errors.extend(row_errors)
            else:
                forms_.append(form)
    except csv.Error as exc:
        errors.append(RowError(row_number, "", gettext("The file cannot be read as CSV: %(error)s") % {"error": exc}))
    if not forms_ and not errors:
        errors.append(RowError(2, "", gettext("The file has no candidates.")))
    return forms_, errors
