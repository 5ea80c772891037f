"""Catalogue of residence titles: documents, authority steps, legal deadlines, fees, validity.

Pure data plus small look-ups; the eligibility conditions live in ``engine.py``.

Title codes: ``18a``, ``18b``, ``18g``, ``19c`` (§ 19c Abs. 2 AufenthG with § 6 BeschV only),
``20a``, and two codes for § 16d AufenthG because its two routes differ in conditions, documents,
BA approval and validity: ``16d1`` (recognition measure after a deficit notice, § 16d Abs. 1) and
``16d3`` (recognition partnership, § 16d Abs. 3). The § 81a AufenthG accelerated procedure is not a
title but an option on the titles that allow it (``Title.accelerated_allowed``).

Sources: shared/DOMAIN.md 1.2 (titles), 1.4 (§ 81a), 1.5 (fees), 2 (documents).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# --- Documents -------------------------------------------------------------------------------

DOCUMENT_LABELS: dict[str, Promise] = {
    "passport": _("Valid passport with two blank pages"),
    "photo": _("Two biometric passport photos"),
    "visa_application_form": _("Visa application form (Auslandsportal / VIDEX)"),
    "employment_contract": _("Employment contract or binding job offer"),
    "employment_declaration": _("Declaration of employment (Erklärung zum Beschäftigungsverhältnis)"),
    "degree_certificate": _("Degree or vocational certificates with transcripts"),
    "recognition_notice": _("Recognition notice (Gleichwertigkeitsbescheid)"),
    "deficit_notice": _("Deficit notice from the recognition body (Defizitbescheid)"),
    "anabin_or_zab": _("anabin printout (H+, degree 'entspricht') or ZAB Statement of Comparability"),
    "zab_state_recognition": _("Proof that the qualification is state-recognised in the country of origin (ZAB)"),
    "licence_to_practise": _("Licence to practise (Berufsausübungserlaubnis)"),
    "experience_proof": _("Proof of professional experience (employer references)"),
    "cv": _("Curriculum vitae"),
    "language_certificate": _("Language certificate"),
    "financial_means": _("Proof of financial means (blocked account or formal obligation)"),
    "health_insurance": _("Health insurance (travel insurance until the job starts)"),
    "pension_provision": _("Proof of adequate pension provision (applicants aged 45 or over)"),
    "qualification_plan": _("Qualification plan of the training provider"),
    "training_suitability_proof": _("Proof that the employer is suitable to train"),
    "recognition_partnership_agreement": _("Written recognition-partnership agreement with the employer"),
    "power_of_attorney_81a": _("Power of attorney for the employer (accelerated procedure)"),
    "agreement_81a": _("Agreement between employer and foreigners' authority (§ 81a)"),
    "ba_pre_approval": _("BA or foreigners' authority pre-approval"),
    "registration_certificate": _("Registration certificate (Meldebescheinigung)"),
    "rental_contract": _("Rental contract"),
    "training_contract": _("Training contract, or confirmation of a place in a school-based training"),
    "university_admission": _("Admission letter of a German university"),
    "school_leaving_certificate": _("School-leaving certificate giving access to higher education"),
    "german_qualification_certificate": _("Certificate of the degree or training completed in Germany"),
    "pension_record": _("Pension insurance record (Versicherungsverlauf)"),
    "residence_title_copy": _("Copy of the current residence title"),
    "marriage_certificate": _("Marriage certificate"),
    "birth_certificate": _("Birth certificate"),
    "sponsor_residence_title": _("Copy of the residence title of the family member in Germany"),
}

# When a document marked "○ if applicable" in DOMAIN.md section 2 is needed. The engine decides
# each condition from the profile; a condition it cannot decide (``pre_approval_obtained``) is
# left to the applicant.
DOCUMENT_CONDITIONS: dict[str, Promise] = {
    "regulated_profession": _("if the profession is regulated in Germany"),
    "reduced_threshold": _("if the reduced Blue Card salary threshold applies"),
    "it_route": _("for IT specialists without a degree"),
    "age_45": _("if the applicant is 45 or older"),
    "recognition_obtained": _("if the qualification has been fully or partially recognised"),
    "academic_degree": _("for academic degrees"),
    "job_offer": _("if there is a job offer"),
    "experience_points": _("if professional experience is claimed for points"),
    "pre_approval_obtained": _("if a pre-approval has already been obtained"),
    "german_language_needed": _("if German is needed for the title"),
}

VISA_STAGE = "visa"
AFTER_ENTRY_STAGE = "after_entry"


@dataclass(frozen=True)
class DocumentRequirement:
    code: str
    condition: str | None = None  # None: always required (● in DOMAIN.md 2)
    stage: str = VISA_STAGE

    @property
    def label(self) -> Promise:
        return DOCUMENT_LABELS[self.code]

    @property
    def mandatory(self) -> bool:
        return self.condition is None

    @property
    def condition_label(self) -> Promise | None:
        return DOCUMENT_CONDITIONS[self.condition] if self.condition else None


def _always(*codes: str) -> tuple[DocumentRequirement, ...]:
    return tuple(DocumentRequirement(code) for code in codes)


def _when(condition: str, *codes: str) -> tuple[DocumentRequirement, ...]:
    return tuple(DocumentRequirement(code, condition) for code in codes)


_IDENTITY = _always("passport", "photo", "visa_application_form", "cv")
_AFTER_ENTRY = tuple(
    DocumentRequirement(code, stage=AFTER_ENTRY_STAGE) for code in ("registration_certificate", "rental_contract")
)
_PRE_APPROVAL = _when("pre_approval_obtained", "ba_pre_approval")

# § 81a AufenthG: what the employer hands the foreigners' authority (DOMAIN.md 2, column "81a").
# Contract and declaration become mandatory even where the title alone marks them "○".
_ACCELERATED_EXTRA = _always("power_of_attorney_81a", "agreement_81a", "employment_contract", "employment_declaration")
# A spouse or child included in the procedure (§ 81a Abs. 4 AufenthG) gives the employer a power of
# attorney too (§ 81a Abs. 1: the employer acts "in Vollmacht"); the agreement and the employment papers
# are the skilled worker's case's.
_ACCELERATED_FAMILY_EXTRA = _always("power_of_attorney_81a")

# --- Legal deadlines -------------------------------------------------------------------------

DECISION = "decision"
APPOINTMENT = "appointment"


@dataclass(frozen=True)
class Deadline:
    """A statutory period, counted from the day the step's request is complete.

    ``deemed_approval``: silence until the end of the period counts as approval
    (Zustimmungsfiktion), so the case may go on without an answer.
    ``from_appointment``: the application is complete only when made in person at the appointment,
    so the period runs from the attended appointment, not from the request's delivery.
    """

    amount: int
    unit: str  # "weeks" | "months"
    source: str
    deemed_approval: bool = False
    kind: str = DECISION
    from_appointment: bool = False

    def due(self, start: date) -> date:
        """Last day of the period (§ 188 Abs. 2 and 3 BGB: same weekday / day of month, or the
        month's last day when that month is shorter)."""
        if self.unit == "weeks":
            return start + timedelta(weeks=self.amount)
        month_index = start.month - 1 + self.amount
        year, month = start.year + month_index // 12, month_index % 12 + 1
        return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))

    def as_timedelta(self, start: date) -> timedelta:
        """Exact length from ``start``; a month period depends on the start date."""
        return self.due(start) - start

    @property
    def nominal_days(self) -> int:
        """Rough length for sorting and display only (a month counted as 30 days)."""
        return self.amount * (7 if self.unit == "weeks" else 30)


# Recognition: § 6 Abs. 3 BQFG, three months from the complete application (DOMAIN.md 3, step 1).
RECOGNITION_REGULAR = Deadline(3, "months", "§ 6 Abs. 3 BQFG")
# Recognition inside § 81a: two months (§ 14a BQFG; DOMAIN.md 1.4 step 2).
RECOGNITION_ACCELERATED = Deadline(2, "months", "§ 14a BQFG")
# BA approval: deemed granted after two weeks of silence (§ 36 Abs. 2 S. 1 BeschV) ...
BA_REGULAR = Deadline(2, "weeks", "§ 36 Abs. 2 S. 1 BeschV", deemed_approval=True)
# ... and after one week inside § 81a (§ 36 Abs. 2 S. 2 BeschV; DOMAIN.md 1.4 step 3).
BA_ACCELERATED = Deadline(1, "weeks", "§ 36 Abs. 2 S. 2 BeschV", deemed_approval=True)
# Mission abroad after a § 81a pre-approval: appointment within three weeks (§ 31a Abs. 1 AufenthV),
# decision normally within three weeks "ab Stellung des vollständigen Visumantrags" (§ 31a Abs. 2
# AufenthV), i.e. from the attended appointment (DOMAIN.md 1.4 step 5).
VISA_APPOINTMENT_ACCELERATED = Deadline(3, "weeks", "§ 31a AufenthV", kind=APPOINTMENT)
VISA_DECISION_ACCELERATED = Deadline(3, "weeks", "§ 31a AufenthV", from_appointment=True)

# --- Authority steps -------------------------------------------------------------------------

STEP_PURPOSES = ("recognition", "ba_approval", "pre_approval_81a", "visa", "residence_permit", "register_check")

STEP_LABELS: dict[str, Promise] = {
    "recognition": _("Recognition of the qualification or statement of comparability"),
    "ba_approval": _("Approval of the Federal Employment Agency (BA)"),
    "pre_approval_81a": _("Pre-approval of the foreigners' authority (accelerated procedure)"),
    "visa": _("National visa at the mission abroad"),
    "residence_permit": _("Residence permit at the local foreigners' authority"),
    "register_check": _("Register and security checks (AZR, SIS, visa warning file)"),
}

AUTHORITY_LABELS: dict[str, Promise] = {
    "recognition_body": _("Recognition body or ZAB"),
    "ba": _("Federal Employment Agency (BA)"),
    "abh": _("Foreigners' authority (Ausländerbehörde)"),
    "mission": _("Mission abroad / Federal Foreign Office for Foreign Affairs (BfAA)"),
    "bva": _("Federal Office of Administration (BVA)"),
}

# Which authority acts on each step, and its legal basis.
_STEP_AUTHORITY: dict[str, tuple[str, str]] = {
    "recognition": ("recognition_body", "§ 18 Abs. 2 Nr. 4 AufenthG"),
    "ba_approval": ("ba", "§ 39 AufenthG"),
    "pre_approval_81a": ("abh", "§ 81a Abs. 3 AufenthG, § 31 Abs. 3 AufenthV"),
    "visa": ("mission", "§ 6 Abs. 3 AufenthG"),
    "register_check": ("bva", "§ 73 AufenthG"),
    "residence_permit": ("abh", "§ 71 Abs. 1 AufenthG"),
}


@dataclass(frozen=True)
class AuthorityStep:
    purpose: str
    deadlines: tuple[Deadline, ...] = ()
    # "visa": runs inside the visa procedure (the mission asks the BA / BVA), not before it.
    during: str | None = None

    @property
    def authority(self) -> str:
        return _STEP_AUTHORITY[self.purpose][0]

    @property
    def source(self) -> str:
        return _STEP_AUTHORITY[self.purpose][1]

    @property
    def label(self) -> Promise:
        return STEP_LABELS[self.purpose]

    @property
    def authority_label(self) -> Promise:
        return AUTHORITY_LABELS[self.authority]

    @property
    def deadline(self) -> Deadline | None:
        """The decision deadline, if the law sets one."""
        return next((d for d in self.deadlines if d.kind == DECISION), None)

    @property
    def deemed_approval(self) -> bool:
        return any(d.deemed_approval for d in self.deadlines)


# --- Fees ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fee:
    code: str
    label: Promise
    amount_eur: Decimal
    source: str


# National (D) visa: EUR 75 (DOMAIN.md 1.5 [V]). The reduced fee for minors (EUR 37.50 [M]) is
# not modelled: none of these titles is for minors.
FEE_NATIONAL_VISA = Fee("national_visa", _("National visa"), Decimal("75.00"), "§ 46 Abs. 2 Nr. 1 AufenthV")
# § 81a accelerated procedure: EUR 411, paid by the employer, not refunded on refusal (DOMAIN.md 1.4).
FEE_ACCELERATED = Fee(
    "accelerated_procedure", _("Accelerated skilled-worker procedure"), Decimal("411.00"), "§ 47 Abs. 1 Nr. 15 AufenthV"
)
# National visa for a minor: half the fee (§ 46 Abs. 2 Nr. 1, § 50 Abs. 1 AufenthV; DOMAIN.md 8.2).
FEE_NATIONAL_VISA_MINOR = Fee("national_visa", _("National visa (minor)"), Decimal("37.50"), "§ 50 Abs. 1 AufenthV")
# Residence permit / Blue Card, first issuance: EUR 100 whether valid up to one year or longer
# (§ 45 Nr. 1 lit. a and b AufenthV; DOMAIN.md 1.5 [V]).
FEE_RESIDENCE_PERMIT = Fee(
    "residence_permit", _("Residence permit, first issuance"), Decimal("100.00"), "§ 45 Nr. 1 AufenthV"
)
# The EU Blue Card is a residence title of its own (§ 4 Abs. 1 S. 2 Nr. 2a AufenthG) with the same fee (§ 45 Nr. 1
# AufenthV names it beside the residence permit): its fee is named as what it pays for.
BLUE_CARD_CODE = "18g"
FEE_BLUE_CARD = Fee("residence_permit", _("EU Blue Card, first issuance"), Decimal("100.00"), "§ 45 Nr. 1 AufenthV")

# For a minor: half, EUR 50 (§ 50 Abs. 1 S. 1 AufenthV halves the fees of § 45; DOMAIN.md 8.2).
FEE_RESIDENCE_PERMIT_MINOR = Fee(
    "residence_permit", _("Residence permit, first issuance (minor)"), Decimal("50.00"),
    "§ 45 Nr. 1, § 50 Abs. 1 AufenthV"
)

# --- Titles ----------------------------------------------------------------------------------

# When the BA must approve the employment (§ 39 AufenthG).
BA_ALWAYS = "always"
BA_NEVER = "never"
BA_IF_REDUCED_THRESHOLD = "reduced_threshold"  # § 18g: only below the standard threshold
BA_IF_IN_COMPANY = "in_company_measure"  # § 16d Abs. 1: only for mainly in-company measures


# § 18 Abs. 4 AufenthG (2026 text; until then plus 3 months): titles under §§ 18a, 18b, 18g and
# 19c run four years, or the shorter term of the employment or of the BA approval plus six months.
EMPLOYMENT_VALIDITY = _(
    "4 years, or the shorter term of the employment contract or of the Federal Employment Agency's "
    "approval plus 6 months (at most 4 years)"
)


@dataclass(frozen=True)
class Title:
    code: str
    name: Promise
    section: str
    ba_approval: str
    ba_approval_source: str
    # § 81a Abs. 1 AufenthG names §§ 16a, 16d, 18a, 18b, 18c Abs. 3, 18g; § 81a Abs. 5 extends it
    # to other qualified employment (§ 19c Abs. 2 with § 6 BeschV).
    accelerated_allowed: bool
    # A German recognition / comparability procedure can be due before the visa.
    recognition_step: bool
    # False where the visa itself is the title for its whole first term (Chancenkarte, § 20a).
    residence_permit_after_entry: bool
    validity: Promise
    max_validity_months: int | None
    documents: tuple[DocumentRequirement, ...]
    # False for titles applied for in Germany (§ 18c settlement, § 20 job search): no visa step.
    visa_needed: bool = True
    # Whether the portal takes the application; the finder points elsewhere for the others.
    portal_application: bool = True


TITLES: dict[str, Title] = {
    title.code: title
    for title in (
        Title(
            code="18a",
            name=_("Skilled worker with vocational training"),
            section="§ 18a AufenthG",
            # Working-conditions check, no labour-market priority check (DOMAIN.md 1.2 [V]).
            ba_approval=BA_ALWAYS,
            ba_approval_source="§ 39 Abs. 2 AufenthG",
            accelerated_allowed=True,
            recognition_step=True,
            residence_permit_after_entry=True,
            # § 18 Abs. 4 S. 1 AufenthG: four years, or the contract term if shorter.
            validity=EMPLOYMENT_VALIDITY,
            max_validity_months=48,
            documents=_IDENTITY
            + _always(
                "employment_contract",
                "employment_declaration",
                "degree_certificate",
                "recognition_notice",
                "health_insurance",
            )
            + _when("regulated_profession", "licence_to_practise")
            + _when("age_45", "pension_provision")
            + _PRE_APPROVAL
            + _AFTER_ENTRY,
        ),
        Title(
            code="18b",
            name=_("Skilled worker with academic training"),
            section="§ 18b Abs. 1 AufenthG",
            ba_approval=BA_ALWAYS,
            ba_approval_source="§ 39 Abs. 2 AufenthG",
            accelerated_allowed=True,
            recognition_step=True,
            residence_permit_after_entry=True,
            validity=EMPLOYMENT_VALIDITY,
            max_validity_months=48,
            documents=_IDENTITY
            + _always(
                "employment_contract",
                "employment_declaration",
                "degree_certificate",
                "anabin_or_zab",
                "health_insurance",
            )
            + _when("regulated_profession", "licence_to_practise")
            + _when("age_45", "pension_provision")
            + _PRE_APPROVAL
            + _AFTER_ENTRY,
        ),
        Title(
            code="18g",
            name=_("EU Blue Card"),
            section="§ 18g AufenthG",
            # No approval at the standard threshold; approval below it (DOMAIN.md 1.2).
            ba_approval=BA_IF_REDUCED_THRESHOLD,
            ba_approval_source="§ 18g Abs. 1 S. 2 AufenthG",
            accelerated_allowed=True,
            recognition_step=True,
            residence_permit_after_entry=True,
            # § 18 Abs. 4 S. 2 AufenthG: contract term plus three months, at most four years.
            validity=EMPLOYMENT_VALIDITY,
            max_validity_months=48,
            documents=_IDENTITY
            + _always("employment_contract", "degree_certificate", "anabin_or_zab", "health_insurance")
            + _when("reduced_threshold", "employment_declaration")
            + _when("it_route", "experience_proof")
            + _when("regulated_profession", "licence_to_practise")
            + _PRE_APPROVAL
            + _AFTER_ENTRY,
        ),
        Title(
            code="19c",
            name=_("Employment based on professional experience"),
            section="§ 19c Abs. 2 AufenthG i. V. m. § 6 BeschV",
            ba_approval=BA_ALWAYS,
            ba_approval_source="§ 39 AufenthG, § 6 BeschV",
            accelerated_allowed=True,
            # No German recognition needed (DOMAIN.md 1.2).
            recognition_step=False,
            residence_permit_after_entry=True,
            validity=EMPLOYMENT_VALIDITY,
            max_validity_months=48,
            documents=_IDENTITY
            + _always(
                "employment_contract",
                "employment_declaration",
                "degree_certificate",
                "zab_state_recognition",
                "experience_proof",
                "health_insurance",
            )
            + _PRE_APPROVAL
            + _AFTER_ENTRY,
        ),
        Title(
            code="20a",
            name=_("Opportunity Card (Chancenkarte)"),
            section="§ 20a AufenthG",
            # Job search: no BA approval; part-time work and trial work come with the title.
            ba_approval=BA_NEVER,
            ba_approval_source="§ 20a Abs. 2 AufenthG",
            accelerated_allowed=False,
            recognition_step=False,
            # The card is issued as a national visa for up to a year (§ 20a Abs. 5 S. 1 AufenthG).
            residence_permit_after_entry=False,
            validity=_("Up to 1 year; part-time work up to 20 hours a week, trial work up to 2 weeks per employer"),
            max_validity_months=12,
            documents=_IDENTITY
            + _always(
                "degree_certificate",
                "zab_state_recognition",
                "language_certificate",
                "financial_means",
                "health_insurance",
            )
            + _when("recognition_obtained", "recognition_notice")
            + _when("academic_degree", "anabin_or_zab")
            + _when("experience_points", "experience_proof"),
        ),
        Title(
            code="16d1",
            name=_("Recognition measure after a deficit notice"),
            section="§ 16d Abs. 1 AufenthG",
            ba_approval=BA_IF_IN_COMPANY,
            ba_approval_source="§ 16d Abs. 1 S. 2 Nr. 3 AufenthG",
            accelerated_allowed=True,
            # The recognition body has already issued the deficit notice.
            recognition_step=False,
            residence_permit_after_entry=True,
            validity=_("24 months, extendable by 12 months, at most 3 years"),
            max_validity_months=36,
            documents=_IDENTITY
            + _always(
                "degree_certificate",
                "deficit_notice",
                "language_certificate",
                "financial_means",
                "health_insurance",
                "qualification_plan",
                "training_suitability_proof",
            )
            + _when("job_offer", "employment_contract", "employment_declaration")
            + _PRE_APPROVAL
            + _AFTER_ENTRY,
        ),
        Title(
            code="16d3",
            name=_("Recognition partnership"),
            section="§ 16d Abs. 3 AufenthG",
            ba_approval=BA_ALWAYS,
            ba_approval_source="§ 16d Abs. 3 AufenthG, § 39 AufenthG",
            accelerated_allowed=True,
            # Recognition starts after entry, inside the partnership.
            recognition_step=False,
            residence_permit_after_entry=True,
            validity=_("1 year, extendable to at most 3 years while recognition is pursued"),
            max_validity_months=36,
            documents=_IDENTITY
            + _always(
                "employment_contract",
                "employment_declaration",
                "degree_certificate",
                "zab_state_recognition",
                "language_certificate",
                "health_insurance",
                "qualification_plan",
                "training_suitability_proof",
                "recognition_partnership_agreement",
            )
            + _when("regulated_profession", "licence_to_practise")
            + _PRE_APPROVAL
            + _AFTER_ENTRY,
        ),
        Title(
            code="19c1",
            name=_("Western Balkans regulation"),
            section="§ 19c Abs. 1 AufenthG i. V. m. § 26 Abs. 2 BeschV",
            # § 26 Abs. 2 S. 1 BeschV: approval with a labour-market priority check, any employment.
            ba_approval=BA_ALWAYS,
            ba_approval_source="§ 26 Abs. 2 BeschV",
            accelerated_allowed=False,
            recognition_step=False,
            residence_permit_after_entry=True,
            validity=_("Set by the foreigners' authority in line with the Federal Employment Agency's approval"),
            max_validity_months=48,
            documents=_IDENTITY
            + _always("employment_contract", "employment_declaration", "health_insurance")
            + _when("regulated_profession", "licence_to_practise")
            + _when("age_45", "pension_provision")
            + _AFTER_ENTRY,
        ),
        Title(
            code="16a",
            name=_("Vocational training"),
            section="§ 16a AufenthG",
            # § 8 Abs. 1 BeschV: approval for in-company training; school-based training needs none.
            ba_approval=BA_IF_IN_COMPANY,
            ba_approval_source="§ 16a Abs. 1 AufenthG, § 8 Abs. 1 BeschV",
            accelerated_allowed=True,
            recognition_step=False,
            residence_permit_after_entry=True,
            validity=_("For the length of the training; side jobs up to 20 hours a week"),
            max_validity_months=None,
            documents=_IDENTITY
            + _always("training_contract", "language_certificate", "financial_means", "health_insurance")
            + _AFTER_ENTRY,
            portal_application=False,
        ),
        Title(
            code="17",
            name=_("Search for a training place"),
            section="§ 17 Abs. 1 AufenthG",
            ba_approval=BA_NEVER,
            ba_approval_source="§ 17 Abs. 3 AufenthG",
            accelerated_allowed=False,
            recognition_step=False,
            residence_permit_after_entry=True,
            validity=_("Up to 9 months; work up to 20 hours a week and trial work up to 2 weeks"),
            max_validity_months=9,
            documents=_IDENTITY
            + _always("school_leaving_certificate", "language_certificate", "financial_means", "health_insurance")
            + _AFTER_ENTRY,
            portal_application=False,
        ),
        Title(
            code="16b",
            name=_("Studies"),
            section="§ 16b Abs. 1 AufenthG",
            ba_approval=BA_NEVER,
            ba_approval_source="§ 16b Abs. 3 AufenthG",
            accelerated_allowed=False,
            recognition_step=False,
            residence_permit_after_entry=True,
            validity=_("At least 1 year and as a rule 2 years, for the length of the studies"),
            max_validity_months=None,
            documents=_IDENTITY + _always("university_admission", "financial_means", "health_insurance") + _AFTER_ENTRY,
            portal_application=False,
        ),
        Title(
            code="20",
            name=_("Job search after studies or training in Germany"),
            section="§ 20 AufenthG",
            ba_approval=BA_NEVER,
            ba_approval_source="§ 20 AufenthG",
            accelerated_allowed=False,
            recognition_step=False,
            residence_permit_after_entry=True,
            validity=_("Up to 18 months to find a job that fits the qualification; any work is allowed meanwhile"),
            max_validity_months=18,
            documents=_always("passport", "photo", "residence_title_copy", "german_qualification_certificate",
                              "financial_means", "health_insurance"),
            visa_needed=False,
            portal_application=False,
        ),
        Title(
            code="18c",
            name=_("Settlement permit for skilled workers"),
            section="§ 18c Abs. 1 und 2 AufenthG",
            ba_approval=BA_NEVER,
            ba_approval_source="§ 18c Abs. 1 AufenthG",
            accelerated_allowed=False,
            recognition_step=False,
            residence_permit_after_entry=True,
            validity=_("Unlimited; any work is allowed"),
            max_validity_months=None,
            documents=_always("passport", "photo", "residence_title_copy", "employment_contract", "pension_record",
                              "language_certificate", "rental_contract"),
            visa_needed=False,
            portal_application=False,
        ),
        Title(
            code="30",
            name=_("Spouse joining a skilled worker"),
            section="§ 30 AufenthG",
            ba_approval=BA_NEVER,
            ba_approval_source="§ 4a Abs. 1 AufenthG",
            accelerated_allowed=True,
            recognition_step=False,
            residence_permit_after_entry=True,
            validity=_("Not beyond the residence title of the family member in Germany; any work is allowed"),
            max_validity_months=None,
            documents=_IDENTITY
            + _always("marriage_certificate", "sponsor_residence_title", "health_insurance")
            + _when("german_language_needed", "language_certificate")
            + _AFTER_ENTRY,
            portal_application=False,
        ),
        Title(
            code="32",
            name=_("Child joining a skilled worker"),
            section="§ 32 AufenthG",
            ba_approval=BA_NEVER,
            ba_approval_source="§ 4a Abs. 1 AufenthG",
            accelerated_allowed=True,
            recognition_step=False,
            residence_permit_after_entry=True,
            validity=_("Not beyond the residence title of the parent in Germany"),
            max_validity_months=None,
            documents=_IDENTITY + _always("birth_certificate", "sponsor_residence_title", "health_insurance")
            + _AFTER_ENTRY,
            portal_application=False,
        ),
    )
}

TITLE_CODES = tuple(TITLES)
# The titles the portal's application wizard takes; the finder answers every title.
APPLICATION_TITLE_CODES = tuple(code for code, entry in TITLES.items() if entry.portal_application)
# The titles of skilled workers (Fachkräfte) whose family members get the relaxations of §§ 29, 30,
# 32 AufenthG ("SL" titles, DOMAIN.md 8.2), as far as the portal's codes name them.
SKILLED_SPONSOR_TITLES = ("18a", "18b", "18g", "19c")
# The sponsor titles for which § 29 Abs. 5 AufenthG (as of Sep 2026) waives the proof of sufficient
# living space of § 29 Abs. 1 S. 1 Nr. 2 for the spouse and the minor unmarried child: the EU Blue
# Card (18g), §§ 18a, 18b, 18c Abs. 3 (not the settlement permit of § 18c Abs. 1 and 2, the portal's
# "18c"), 18d, 18f, 19c Abs. 1 (some jobs), 19c Abs. 2 (the portal's "19c"), 19c Abs. 4 S. 1, 21.
LIVING_SPACE_WAIVED_SPONSOR_TITLES = ("18a", "18b", "18g", "19c")
# The titles of family members joining (§ 30 spouse, § 32 child AufenthG).
FAMILY_TITLE_CODES = ("30", "32")
# Titles that allow a spouse or child to join (§ 29 Abs. 1, § 30 Abs. 1 S. 1 Nr. 3, § 32 AufenthG):
# the skilled titles and the settlement permit. For other titles the law is conditional; the
# engine answers no and says so.
FAMILY_SPONSOR_TITLES = SKILLED_SPONSOR_TITLES + ("18c",)


class UnknownTitle(KeyError):
    pass


def title(code: str) -> Title:
    try:
        return TITLES[code]
    except KeyError:
        raise UnknownTitle(code) from None


def required_documents(code: str, accelerated: bool = False) -> tuple[DocumentRequirement, ...]:
    """Every document the title can need; ``mandatory`` tells ● from ○ (DOMAIN.md 2)."""
    entry = title(code)
    documents = entry.documents
    if accelerated and entry.accelerated_allowed:
        documents = _merge(documents, _ACCELERATED_FAMILY_EXTRA if code in FAMILY_TITLE_CODES else _ACCELERATED_EXTRA)
    return documents


def _merge(
    documents: tuple[DocumentRequirement, ...], extra: tuple[DocumentRequirement, ...]
) -> tuple[DocumentRequirement, ...]:
    """Add ``extra``; a document mandatory in ``extra`` becomes mandatory where it was conditional.
    Visa-stage documents stay ahead of after-entry ones."""
    merged = {document.code: document for document in documents}
    for document in extra:
        current = merged.get(document.code)
        if current is None:
            merged[document.code] = document
        elif document.mandatory:
            merged[document.code] = replace(current, condition=None)
    return tuple(sorted(merged.values(), key=lambda document: document.stage == AFTER_ENTRY_STAGE))


def ba_approval_needed(code: str, *, reduced_threshold: bool = False, in_company_measure: bool = False) -> bool:
    rule = title(code).ba_approval
    return (
        rule == BA_ALWAYS
        or (rule == BA_IF_REDUCED_THRESHOLD and reduced_threshold)
        or (rule == BA_IF_IN_COMPANY and in_company_measure)
    )


def authority_steps(
    code: str,
    *,
    accelerated: bool = False,
    recognition: bool | str = False,
    reduced_threshold: bool = False,
    in_company_measure: bool = False,
    extension: bool = False,
    extension_ba: bool = True,
    ba_on_file: bool = False,
) -> tuple[AuthorityStep, ...]:
    """The authority steps of a title, in order, each with its legal deadlines.

    ``ba_on_file``: the BA's approval is already on file — its pre-approval (§ 36 Abs. 3 BeschV) or its
    global approval for the occupation (§ 39 Abs. 2a AufenthG) —, so the BA is not asked again.

    ``extension``: the holder extends a title of this code in Germany (§ 81 Abs. 4 AufenthG): the
    foreigners' authority decides, with the BA first only where ``extension_ba`` (see
    ``rules.after_arrival.extension_ba_needed``: § 9 Abs. 1, § 35 BeschV) and the title needs it.

    ``recognition``: whether a recognition or comparability procedure is still to run; True/False,
    or a ``Profile.recognition`` value (anything but ``"full"`` means it is still to run). It is
    ignored for titles that need no German recognition before the visa.
    ``accelerated`` only has effect where the title allows § 81a AufenthG.
    """
    entry = title(code)
    accelerated = accelerated and entry.accelerated_allowed
    if isinstance(recognition, str):
        recognition = recognition != "full"
    steps: list[AuthorityStep] = []
    if ba_on_file:
        extension_ba = False
    if extension:
        if extension_ba and ba_approval_needed(code, reduced_threshold=reduced_threshold,
                                               in_company_measure=in_company_measure):
            steps.append(AuthorityStep("ba_approval", (BA_REGULAR,)))
        steps.append(AuthorityStep("residence_permit"))
        return tuple(steps)
    if not entry.visa_needed:
        # Applied for in Germany: the foreigners' authority decides.
        return (AuthorityStep("residence_permit"),)
    if entry.recognition_step and recognition:
        steps.append(AuthorityStep("recognition", (RECOGNITION_ACCELERATED if accelerated else RECOGNITION_REGULAR,)))
    needs_ba = not ba_on_file and ba_approval_needed(code, reduced_threshold=reduced_threshold,
                                                     in_company_measure=in_company_measure)
    if accelerated:
        # § 81a: the foreigners' authority obtains the BA approval before it issues the
        # pre-approval; the mission then owes an appointment and a decision (§ 31a AufenthV).
        if needs_ba:
            steps.append(AuthorityStep("ba_approval", (BA_ACCELERATED,)))
        steps.append(AuthorityStep("pre_approval_81a"))
        steps.append(AuthorityStep("visa", (VISA_APPOINTMENT_ACCELERATED, VISA_DECISION_ACCELERATED)))
    else:
        # Regular route: the mission asks the BA during the visa procedure; the law sets the
        # mission no deadline.
        steps.append(AuthorityStep("visa"))
        if needs_ba:
            steps.append(AuthorityStep("ba_approval", (BA_REGULAR,), during="visa"))
    steps.append(AuthorityStep("register_check", during="visa"))
    if entry.residence_permit_after_entry:
        steps.append(AuthorityStep("residence_permit"))
    return tuple(steps)


def fees(code: str, *, accelerated: bool = False, minor: bool = False) -> tuple[Fee, ...]:
    entry = title(code)
    if not entry.visa_needed:
        # The fee of a title applied for in Germany depends on the title held (§§ 44–45 AufenthV);
        # the foreigners' authority states it.
        return ()
    items = [FEE_NATIONAL_VISA_MINOR if minor else FEE_NATIONAL_VISA]
    # The § 81a fee (§ 47 Abs. 1 Nr. 15 AufenthV) is for the procedure, which includes the spouse and
    # minor children applying with the skilled worker (§ 81a Abs. 4 AufenthG): charged once, to the
    # skilled worker's case, never again for the family.
    if accelerated and entry.accelerated_allowed and code not in FAMILY_TITLE_CODES:
        items.append(FEE_ACCELERATED)
    if entry.residence_permit_after_entry:
        items.append(FEE_RESIDENCE_PERMIT_MINOR if minor else FEE_BLUE_CARD if code == BLUE_CARD_CODE
                     else FEE_RESIDENCE_PERMIT)
    return tuple(items)
