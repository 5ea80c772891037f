"""The public title finder: four short question pages whose answers become a rules Profile.

The answers live in the session (key ANSWERS_SESSION_KEY) so that "start an application" can carry
them over into the wizard.
"""

import re
from datetime import date
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import DateInput
from .rules import ELIGIBLE, ELIGIBLE_IF, FAMILY_SPONSOR_TITLES, Profile, ProfileError, title
from .rules.occupations import MINOR_GROUPS
from .rules.profile import LANGUAGE_LEVELS

ANSWERS_SESSION_KEY = "title_finder_answers"

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
LEVEL_CHOICES = [("none", _("No knowledge"))] + [(level, level) for level in LANGUAGE_LEVELS if level != "none"]


class QualificationStep(forms.Form):
    title = _("Your qualification")
    qualification = forms.ChoiceField(
        label=_("What is your highest qualification?"), widget=forms.RadioSelect,
        choices=[("academic", _("A university degree")),
                 ("vocational", _("A vocational qualification of at least two years")),
                 ("none", _("Neither"))],
    )
    recognition = forms.ChoiceField(
        label=_("Is your qualification recognised in Germany?"), widget=forms.RadioSelect,
        choices=[("full", _("Yes, fully recognised (equivalence notice)")),
                 ("partial", _("Partially recognised (deficit notice)")),
                 ("pending", _("I have applied for recognition")),
                 ("none", _("No, or I do not know"))],
    )
    degree_comparable = forms.BooleanField(
        label=_("My degree is listed as comparable in anabin (H+) or I have a ZAB Statement of Comparability"),
        required=False,
    )
    graduation_date = forms.DateField(
        label=_("When did you obtain your degree?"), required=False, widget=DateInput(),
        help_text=_("The date on your degree certificate. Leave empty without a degree."),
    )
    it_specialist = forms.BooleanField(label=_("I work as an IT specialist"), required=False)
    regulated_profession = forms.BooleanField(
        label=_("My profession is regulated in Germany (e.g. nurse, doctor, engineer with title)"), required=False,
    )
    licence_to_practise = forms.BooleanField(label=_("I already have a German licence to practise"), required=False)


class JobStep(forms.Form):
    title = _("Your job offer")
    has_job_offer = forms.ChoiceField(label=_("Do you have a job offer from an employer in Germany?"),
                                      widget=forms.RadioSelect, choices=YES_NO)
    annual_gross_salary_eur = forms.DecimalField(
        label=_("Annual gross salary in euros"), min_value=0, max_digits=10, decimal_places=2, required=False,
        help_text=_("As in the contract or offer, before tax. Example: 52000"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    occupation_isco = forms.CharField(
        label=_("Occupation"), required=False, max_length=200,
        help_text=_("Start typing the occupation and choose it from the list, or enter its ISCO-08 code "
                    "(for example 2512 for software developers)."),
        widget=forms.TextInput(attrs={"list": "isco-occupations", "autocomplete": "off"}),
    )
    hours_per_week = forms.DecimalField(label=_("Working hours per week"), min_value=1, max_value=168,
                                        required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    start_date = forms.DateField(label=_("Planned start date"), required=False, widget=DateInput())
    contract_months = forms.IntegerField(
        label=_("Contract term in months"), min_value=1, max_value=600, required=False,
        help_text=_("Leave empty for an open-ended contract."),
    )
    collective_agreement = forms.BooleanField(
        label=_("The employer is bound by a collective agreement and pays the agreed wage"), required=False,
    )
    accelerated_procedure = forms.BooleanField(
        label=_("My employer will use the accelerated skilled-worker procedure (§ 81a AufenthG)"), required=False,
    )

    def clean_occupation_isco(self):
        return occupation_code(self.cleaned_data.get("occupation_isco", ""))

    def clean(self):
        data = super().clean()
        if data.get("has_job_offer") == "yes":
            for name in ("annual_gross_salary_eur", "occupation_isco", "hours_per_week", "start_date"):
                if data.get(name) in (None, ""):
                    self.add_error(name, _("Please answer this question, because you have a job offer."))
        return data


class LanguageStep(forms.Form):
    title = _("Your languages")
    german_level = forms.ChoiceField(label=_("Your German level"), choices=LEVEL_CHOICES,
                                     help_text=_("Levels of the Common European Framework, A1 to C2."))
    english_level = forms.ChoiceField(label=_("Your English level"), choices=LEVEL_CHOICES)


class AboutStep(forms.Form):
    title = _("About you")
    date_of_birth = forms.DateField(label=_("Your date of birth"), widget=DateInput())
    years_experience = forms.DecimalField(
        label=_("Years of professional experience in your field"), min_value=0, max_value=80, decimal_places=1,
        help_text=_("Count the last seven years."), widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    months_in_germany_last_5_years = forms.IntegerField(
        label=_("Months of legal stay in Germany in the last five years (not as a tourist)"),
        min_value=0, max_value=60, initial=0,
    )
    monthly_means_eur = forms.DecimalField(
        label=_("Money available per month for your living costs, in euros"), min_value=0, max_value=999999,
        max_digits=8, decimal_places=2,
        help_text=_("For example from a blocked account. Only needed without a job offer."), initial=0,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    spouse_eligible = forms.BooleanField(
        label=_("My spouse or partner also meets the criteria and applies together with me"), required=False,
    )
    shortage_occupation_qualification = forms.BooleanField(
        label=_("My qualification is in a shortage occupation in Germany"), required=False,
    )
    adequate_pension_provision = forms.BooleanField(
        label=_("I can prove adequate provision for old age (relevant from age 45)"), required=False,
    )

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        today = date.today()
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if not 16 <= age <= 100:
            raise forms.ValidationError(_("Please check the date: the finder is for people aged 16 to 100."))
        return born


WESTERN_BALKANS_CHOICES = [
    ("", _("Another country")),
    ("AL", _("Albania")),
    ("BA", _("Bosnia and Herzegovina")),
    ("XK", _("Kosovo")),
    ("ME", _("Montenegro")),
    ("MK", _("North Macedonia")),
    ("RS", _("Serbia")),
]


class SituationStep(forms.Form):
    title = _("Training, studies and family")
    nationality = forms.ChoiceField(
        label=_("Your nationality"), choices=WESTERN_BALKANS_CHOICES, required=False,
        help_text=_("Nationals of the Western Balkans states listed have an extra route to any job."),
    )
    training_place = forms.ChoiceField(
        label=_("Do you have a place for a vocational training in Germany?"), required=False,
        choices=[("", _("No")), ("in_company", _("Yes, a training contract with a company")),
                 ("school", _("Yes, a place at a vocational school"))],
    )
    university_admission = forms.BooleanField(label=_("A German university has admitted me"), required=False)
    university_entrance_qualification = forms.BooleanField(
        label=_("My school-leaving certificate gives access to university"), required=False,
    )
    german_qualification = forms.ChoiceField(
        label=_("Have you completed studies or training in Germany?"), required=False,
        choices=[("", _("No")), ("degree", _("Yes, studies")), ("vocational", _("Yes, a vocational training")),
                 ("recognition", _("Yes, a recognition measure"))],
    )
    joining_relationship = forms.ChoiceField(
        label=_("Do you want to join a family member who lives in Germany?"), required=False,
        choices=[("", _("No")), ("spouse", _("Yes, my spouse")), ("child", _("Yes, my parent (I am under 18)"))],
    )
    joining_sponsor_title = forms.ChoiceField(
        label=_("Which residence title does your family member hold?"), required=False,
        choices=[("", _("Choose the title"))] + [(code, code) for code in FAMILY_SPONSOR_TITLES],
    )
    joining_sponsor_since = forms.DateField(
        label=_("Since when does your family member hold it?"), required=False, widget=DateInput(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["joining_sponsor_title"].choices = [("", _("Choose the title"))] + [
            (code, f"{title(code).name} ({title(code).section})") for code in FAMILY_SPONSOR_TITLES
        ]

    def clean(self):
        data = super().clean()
        if data.get("joining_relationship"):
            for name in ("joining_sponsor_title", "joining_sponsor_since"):
                if not data.get(name):
                    self.add_error(name, _("Please answer this question, because you want to join a family member."))
        return data


STEPS = [("qualification", QualificationStep), ("job", JobStep), ("languages", LanguageStep),
         ("about", AboutStep), ("situation", SituationStep)]
STEP_NAMES = [name for name, _form in STEPS]


def step_form(name: str):
    return dict(STEPS)[name]


def answers_to_profile(answers: dict) -> Profile:
    """Turns the stored answers (strings, as posted) into a validated rules Profile."""
    job_offer = None
    if answers.get("has_job_offer") == "yes":
        job_offer = {
            "annual_gross_salary_eur": answers.get("annual_gross_salary_eur"),
            "occupation_isco": answers.get("occupation_isco"),
            "hours_per_week": answers.get("hours_per_week"),
            "start_date": answers.get("start_date"),
            "collective_agreement": bool(answers.get("collective_agreement")),
        }
        if answers.get("contract_months") not in (None, ""):
            job_offer["contract_months"] = answers["contract_months"]
    data = {
        "date_of_birth": answers.get("date_of_birth"),
        "qualification": answers.get("qualification"),
        "recognition": answers.get("recognition"),
        "degree_comparable": bool(answers.get("degree_comparable")),
        "job_offer": job_offer,
        "german_level": answers.get("german_level"),
        "english_level": answers.get("english_level"),
        "years_experience": answers.get("years_experience"),
        "months_in_germany_last_5_years": answers.get("months_in_germany_last_5_years"),
        "spouse_eligible": bool(answers.get("spouse_eligible")),
        "monthly_means_eur": answers.get("monthly_means_eur"),
        "it_specialist": bool(answers.get("it_specialist")),
        "accelerated_procedure": bool(answers.get("accelerated_procedure")) and job_offer is not None,
        "regulated_profession": bool(answers.get("regulated_profession")),
        "licence_to_practise": bool(answers.get("licence_to_practise")),
        "adequate_pension_provision": bool(answers.get("adequate_pension_provision")),
        "shortage_occupation_qualification": bool(answers.get("shortage_occupation_qualification")),
    }
    if answers.get("graduation_date") not in (None, ""):
        data["graduation_date"] = answers["graduation_date"]
    for name in ("nationality", "training_place", "german_qualification"):
        if answers.get(name):
            data[name] = answers[name]
    data["university_admission"] = bool(answers.get("university_admission"))
    data["university_entrance_qualification"] = bool(answers.get("university_entrance_qualification"))
    if answers.get("joining_relationship"):
        data["joining"] = {
            "relationship": answers["joining_relationship"],
            "sponsor_title": answers.get("joining_sponsor_title"),
            "sponsor_since": answers.get("joining_sponsor_since"),
        }
    return Profile.from_dict(data)


def occupation_code(answer: str) -> str:
    """The ISCO-08 code of an occupation answer: "251 Software and applications developers…" or "2512"."""
    answer = (answer or "").strip()
    if not answer:
        return ""
    match = re.match(r"^(\d{1,4})(?:\s|$)", answer)
    if match:
        return match.group(1)
    lowered = answer.casefold()
    for code, name in MINOR_GROUPS:
        if str(name).casefold() == lowered:
            return code
    raise forms.ValidationError(
        _("Choose an occupation from the list, or enter its ISCO-08 code of one to four digits.")
    )


def occupation_options() -> list[str]:
    """The choices of the occupation list, in the active language."""
    return [f"{code} {name}" for code, name in MINOR_GROUPS]


# The order in which titles are recommended when several fit: the settlement permit first, then the
# titles with the most rights (the Blue Card: no BA approval at the standard salary, family joins
# without German, settlement after 21–27 months), then the other employment routes, then the rest.
RECOMMENDATION_ORDER = ("18c", "18g", "18b", "18a", "19c", "19c1", "30", "32", "16d3", "16d1", "16b", "16a",
                        "20", "20a", "17")
RECOMMENDATION_REASONS = {
    "18c": _("A settlement permit is unlimited and lets you take any work."),
    "18g": _("The EU Blue Card gives the most rights: your family joins without German and you can settle after "
             "21 to 27 months."),
    "18b": _("As a skilled worker with a degree you may take any qualified job."),
    "18a": _("As a skilled worker with a recognised vocational qualification you may take any qualified job."),
    "19c": _("Your professional experience counts without a German recognition of your qualification."),
    "19c1": _("As a national of a Western Balkans state you may take any job offered to you."),
    "30": _("As the spouse of a skilled worker you can join without proving German."),
    "32": _("As the child of a skilled worker you can join your parent."),
    "16d3": _("You can start working and complete the recognition in Germany."),
    "16d1": _("You can complete the measure the recognition body named and then work as a skilled worker."),
    "16b": _("You can study in Germany and work alongside."),
    "16a": _("You can train in Germany and become a skilled worker."),
    "20": _("You can look for a job in Germany after your studies or training here."),
    "20a": _("With the Opportunity Card you can come to look for a job and work part-time meanwhile."),
    "17": _("You can come to look for a training place."),
}


def recommendation(evaluation):
    """(title result, why) of the route to recommend first, or None when no title fits yet."""
    for verdict in (ELIGIBLE, ELIGIBLE_IF):
        for code in RECOMMENDATION_ORDER:
            result = evaluation.title(code)
            if result.verdict == verdict:
                return result, RECOMMENDATION_REASONS[code]
    return None


def json_safe(cleaned_data: dict) -> dict:
    """Cleaned answers in a form the session can store and the forms and the Profile parser read back."""
    safe = {}
    for name, value in cleaned_data.items():
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, date):
            value = value.isoformat()
        safe[name] = value
    return safe


def first_unanswered_step(answers: dict) -> str | None:
    for name, form_class in STEPS:
        if not form_class(data=answers).is_valid():
            return name
    return None


__all__ = ["ANSWERS_SESSION_KEY", "STEPS", "STEP_NAMES", "ProfileError", "answers_to_profile",
           "first_unanswered_step", "json_safe", "step_form"]
