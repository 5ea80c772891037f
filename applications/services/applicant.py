"""The applicant portal: the once-only profile (with qualifications, work experience, languages and
what the passport fills in), the draft's options and the report of entry into Germany."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext

from documents.checks import countries

from .. import status_poll
from ..lifecycle import CaseState
from ..models import Case, LanguageSkill, Person, Qualification, WorkExperience
from .cases import case_transition


class CaseNotEditable(Exception):
    """A submitted application is not changed through the wizard any more."""

    def __init__(self):
        super().__init__(gettext("This application has been submitted and can no longer be changed."))


PERSON_EDITABLE_FIELDS = frozenset({
    "surname", "given_names", "birth_date", "birth_place", "sex", "nationality", "passport_number",
    "passport_issuing_state", "passport_expiry", "email", "phone", "street", "postal_code", "city",
    "country_of_residence",
})


def person_ensure(*, user) -> Person:
    """The applicant's once-only profile, created empty on first use."""
    person = Person.objects.filter(user=user).first()
    if person is not None:
        return person
    try:
        with transaction.atomic():
            return Person.objects.create(user=user, surname="", email=user.email)
    except IntegrityError:  # created by a parallel request
        return Person.objects.get(user=user)


@transaction.atomic
def person_update(*, person: Person, actor=None, **fields) -> Person:
    """Changes profile fields; the open drafts that reuse the profile see the change at once."""
    unknown = set(fields) - PERSON_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not a profile field: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
            if name in {"surname", "given_names"}:
                value = " ".join(value.split())
            if name in {"nationality", "passport_issuing_state", "country_of_residence", "passport_number"}:
                value = value.upper()
        setattr(person, name, value)
    person.save()
    _bump_drafts(person)
    return person


def _bump_drafts(person: Person) -> None:
    drafts = Case.objects.filter(person=person, state=CaseState.DRAFT)
    status_poll.forget(*drafts.values_list("public_id", flat=True))
    drafts.update(version=F("version") + 1)


@transaction.atomic
def qualification_save(*, person: Person, qualification: Qualification | None = None, **fields) -> Qualification:
    qualification = qualification or Qualification(person=person)
    if qualification.person_id != person.pk:
        raise ValueError("The qualification belongs to another person.")
    for name, value in fields.items():
        setattr(qualification, name, value.strip() if isinstance(value, str) else value)
    qualification.country = (qualification.country or "").upper()
    qualification.save()
    _bump_drafts(person)
    return qualification


@transaction.atomic
def qualification_delete(*, qualification: Qualification) -> None:
    person = qualification.person
    qualification.delete()
    _bump_drafts(person)


@transaction.atomic
def work_experience_save(*, person: Person, experience: WorkExperience | None = None, **fields) -> WorkExperience:
    experience = experience or WorkExperience(person=person)
    if experience.person_id != person.pk:
        raise ValueError("The work experience belongs to another person.")
    for name, value in fields.items():
        setattr(experience, name, value.strip() if isinstance(value, str) else value)
    experience.save()
    _bump_drafts(person)
    return experience


@transaction.atomic
def work_experience_delete(*, experience: WorkExperience) -> None:
    person = experience.person
    experience.delete()
    _bump_drafts(person)


@transaction.atomic
def language_skills_set(*, person: Person, levels: dict[str, tuple[str, str]]) -> None:
    """``levels``: language code → (CEFR level or "none", certificate). "none" without a
    certificate removes the entry."""
    for language, (level, certificate) in levels.items():
        if (not level or level == "none") and not certificate:
            LanguageSkill.objects.filter(person=person, language=language).delete()
            continue
        LanguageSkill.objects.update_or_create(
            person=person, language=language,
            defaults={"level": level or "none", "certificate": (certificate or "").strip()},
        )
    _bump_drafts(person)


# Passport (MRZ) fields as the checks extract them → profile fields.
PASSPORT_PREFILL_FIELDS = {
    "surname": "surname",
    "given_names": "given_names",
    "birth_date": "birth_date",
    "sex": "sex",
    "nationality": "nationality",
    "passport_number": "passport_number",
    "issuing_state": "passport_issuing_state",
    "expiry_date": "passport_expiry",
}


def passport_prefill_values(extracted: dict) -> dict:
    """Profile values read from a passport's extracted fields (only those that are usable)."""
    values = {}
    for source, target in PASSPORT_PREFILL_FIELDS.items():
        raw = extracted.get(source)
        if source == "passport_number" and not raw:
            raw = extracted.get("document_number")
        if raw in (None, ""):
            continue
        if target in {"birth_date", "passport_expiry"}:
            try:
                raw = date.fromisoformat(str(raw)[:10])
            except ValueError:
                continue
        elif target == "sex":
            raw = {"F": "F", "M": "M"}.get(str(raw).upper(), "X")
        elif target in {"nationality", "passport_issuing_state"}:
            raw = countries.to_iso(str(raw))[:3]
        else:
            raw = " ".join(str(raw).replace("<", " ").split())[:150]
        values[target] = raw
    return values


@transaction.atomic
def person_prefill_from_passport(*, person: Person, document, actor=None) -> list[str]:
    """Copies the data read from the passport's machine-readable zone into the profile.
    Returns the names of the fields that changed."""
    if document.owner_id != person.pk:
        raise ValueError("The passport belongs to another person.")
    values = passport_prefill_values(document.extracted or {})
    changed = {name: value for name, value in values.items() if getattr(person, name) != value}
    if changed:
        person_update(person=person, actor=actor, **changed)
    return sorted(changed)


@transaction.atomic
def case_draft_update(*, case: Case, actor=None, **fields) -> Case:
    """Changes title, procedure language or § 81a option of a draft; refused once submitted."""
    allowed = {"title_code", "procedure_language", "accelerated"}
    if set(fields) - allowed:
        raise ValueError("Only title, procedure language and the accelerated option can be changed.")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.state != CaseState.DRAFT:
        raise CaseNotEditable()
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.version = F("version") + 1
    locked.save(update_fields=[*fields, "version", "updated_at"])
    status_poll.forget(locked.public_id)
    locked.refresh_from_db()
    case.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return case


@transaction.atomic
def case_report_entry(*, case: Case, actor, entry_date: date, street: str, postal_code: str, city: str) -> Case:
    """The applicant has entered Germany: keeps the German address on the profile and moves the
    case to "entered". All or nothing."""
    person = Person.objects.select_for_update().get(pk=case.person_id)
    address = {"street": street.strip(), "postal_code": postal_code.strip(), "city": city.strip()}
    person_update(person=person, actor=actor, country_of_residence="DEU", **address)
    return case_transition(
        case=case, transition="report_entry", actor=actor,
        payload={"entry_date": entry_date.isoformat(), "address": {**address, "country": "DEU"}},
    )
