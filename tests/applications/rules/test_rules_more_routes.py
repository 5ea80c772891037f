"""The routes beyond employment that the WSA's key points name: Western Balkans, training, study,
job search, settlement, family. Each verdict with its source (AufenthG / BeschV as in force 2026)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from applications.rules import ELIGIBLE, ELIGIBLE_IF, NOT_ELIGIBLE

from .builders import FIRST_DAY_2026, LAST_DAY_2025, job, reason, result

SPONSOR = {"relationship": "spouse", "sponsor_title": "18g", "sponsor_since": date(2025, 3, 1)}


def joining(**overrides):
    from applications.rules import Joining

    return Joining(**{**SPONSOR, **overrides})


# --- § 19c Abs. 1 AufenthG with § 26 Abs. 2 BeschV ------------------------------------------


@pytest.mark.parametrize(
    ("nationality", "verdict"),
    [("RS", ELIGIBLE), ("AL", ELIGIBLE), ("XK", ELIGIBLE), ("MK", ELIGIBLE), ("HR", NOT_ELIGIBLE),
     ("IN", NOT_ELIGIBLE), (None, NOT_ELIGIBLE)],
)
def test_western_balkans_by_nationality(nationality, verdict):
    # Any employment, qualified or not, at no less than the minimum wage.
    titled = result("19c1", nationality=nationality, qualification="none", job_offer=job("30000.00", isco="9112"))
    assert titled.verdict == verdict
    assert reason(titled, "nationality").source.endswith("BeschV")
    assert titled.ba_approval_required is True


def test_western_balkans_excludes_recent_asylum_benefits():
    titled = result("19c1", nationality="BA", asylum_benefits_last_24_months=True, job_offer=job("30000.00"))
    assert titled.verdict == NOT_ELIGIBLE
    assert reason(titled, "asylum_benefits").source == "§ 26 Abs. 2 S. 4 BeschV"


def test_western_balkans_age_45_at_the_start_of_employment():
    offer = job("40000.00", start_date=date(2026, 6, 1))
    titled = result("19c1", nationality="ME", age=None, date_of_birth=date(1981, 5, 31), job_offer=offer)
    assert reason(titled, "age_45_salary").source == "§ 1 Abs. 2 BeschV"
    assert titled.verdict == ELIGIBLE_IF


def test_western_balkans_below_minimum_wage():
    assert result("19c1", nationality="RS", job_offer=job("20000.00")).verdict == ELIGIBLE_IF


# --- § 16a vocational training, § 17 search for a training place, § 16b studies -----------------


@pytest.mark.parametrize(
    ("place", "german", "means", "verdict", "ba"),
    [
        ("in_company", "B1", "992.00", ELIGIBLE, True),
        ("school", "B2", "992.00", ELIGIBLE, False),
        ("in_company", "A2", "992.00", ELIGIBLE_IF, True),
        ("school", "B1", "991.99", ELIGIBLE_IF, False),
        (None, "B1", "992.00", ELIGIBLE_IF, False),
    ],
)
def test_vocational_training(place, german, means, verdict, ba):
    titled = result("16a", LAST_DAY_2025, training_place=place, german_level=german, monthly_means_eur=Decimal(means))
    assert titled.verdict == verdict
    assert titled.ba_approval_required is ba
    assert titled.portal_application is False


def test_training_pay_counts_towards_the_means():
    titled = result("16a", LAST_DAY_2025, training_place="in_company", german_level="B1",
                    job_offer=job("11904.00", isco="7411"))
    assert reason(titled, "livelihood").met is True


def test_study_means_of_2026_are_provisional_until_entered():
    titled = result("16b", FIRST_DAY_2026, university_admission=True, monthly_means_eur=Decimal("992.00"))
    assert titled.verdict == ELIGIBLE
    assert titled.provisional is True


@pytest.mark.parametrize(
    ("born", "verdict"),
    [(date(1991, 1, 2), ELIGIBLE), (date(1991, 1, 1), NOT_ELIGIBLE)],  # 34 / 35 on 1 January 2026
)
def test_training_place_search_before_the_35th_birthday(born, verdict):
    titled = result("17", FIRST_DAY_2026, age=None, date_of_birth=born, university_entrance_qualification=True,
                    german_level="B1", monthly_means_eur=Decimal("1091.00"))
    assert titled.verdict == verdict
    assert reason(titled, "age_under_35").source == "§ 17 Abs. 1 S. 1 Nr. 1 AufenthG"


def test_training_place_search_needs_the_school_certificate_and_b1():
    titled = result("17", german_level="A2", monthly_means_eur=Decimal("1091.00"))
    assert titled.verdict == NOT_ELIGIBLE
    assert {r.code for r in titled.missing} == {"school_leaving_certificate", "german_level"}


@pytest.mark.parametrize(("admitted", "verdict"), [(True, ELIGIBLE), (False, ELIGIBLE_IF)])
def test_studies_need_admission_and_means(admitted, verdict):
    titled = result("16b", LAST_DAY_2025, university_admission=admitted, monthly_means_eur=Decimal("992.00"))
    assert titled.verdict == verdict


# --- § 20 job search after studies or training in Germany -----------------------------------


@pytest.mark.parametrize(("qualification", "verdict"), [("degree", ELIGIBLE), ("vocational", ELIGIBLE),
                                                        ("recognition", ELIGIBLE), (None, NOT_ELIGIBLE)])
def test_job_search_after_a_german_qualification(qualification, verdict):
    titled = result("20", german_qualification=qualification, monthly_means_eur=Decimal("1091.00"))
    assert titled.verdict == verdict
    assert [step.purpose for step in titled.authority_steps] == ["residence_permit"]
    assert titled.fees == ()


# --- § 18c settlement permit ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("held", "months", "contributions", "german", "trained_here", "verdict"),
    [
        ("18g", 27, 27, "A1", None, ELIGIBLE),  # § 18c Abs. 2 S. 1
        ("18g", 26, 26, "A1", None, ELIGIBLE_IF),
        ("18g", 21, 21, "B1", None, ELIGIBLE),  # § 18c Abs. 2 S. 3
        ("18g", 27, 27, "none", None, ELIGIBLE_IF),
        ("18b", 36, 36, "B1", None, ELIGIBLE),  # § 18c Abs. 1 S. 1
        ("18b", 35, 36, "B1", None, ELIGIBLE_IF),
        ("18a", 24, 24, "B1", "vocational", ELIGIBLE),  # § 18c Abs. 1 S. 2
        ("18a", 24, 24, "B1", None, ELIGIBLE_IF),
        ("18b", 36, 36, "A2", None, ELIGIBLE_IF),
        ("20a", 60, 60, "C1", None, NOT_ELIGIBLE),
        (None, 60, 60, "C1", None, NOT_ELIGIBLE),
    ],
)
def test_settlement_permit(held, months, contributions, german, trained_here, verdict):
    titled = result("18c", current_title=held, months_holding_title=months, pension_contribution_months=contributions,
                    german_level=german, german_qualification=trained_here, job_offer=job("60000.00"))
    assert titled.verdict == verdict


def test_settlement_permit_needs_a_job():
    titled = result("18c", current_title="18g", months_holding_title=30, pension_contribution_months=30,
                    german_level="A1")
    assert [r.code for r in titled.missing] == ["current_job"]


# --- §§ 29, 30, 32 family joining a skilled worker ------------------------------------------


@pytest.mark.parametrize("sponsor_title", ["18a", "18b", "18g", "19c"])
def test_spouse_of_a_skilled_worker_needs_no_german(sponsor_title):
    titled = result("30", german_level="none", joining=joining(sponsor_title=sponsor_title))
    assert titled.verdict == ELIGIBLE
    assert reason(titled, "german_level").source == "§ 30 Abs. 1 S. 3 AufenthG"


def test_spouse_of_a_settlement_permit_holder_needs_a1():
    titled = result("30", german_level="none", joining=joining(sponsor_title="18c"))
    assert titled.verdict == ELIGIBLE_IF
    assert reason(titled, "german_level").source == "§ 30 Abs. 1 S. 1 Nr. 2 AufenthG"
    assert "language_certificate" in {d.code for d in titled.required_documents}


@pytest.mark.parametrize(("born", "verdict"), [(date(2008, 1, 1), ELIGIBLE), (date(2008, 1, 2), NOT_ELIGIBLE)])
def test_both_spouses_must_be_adults(born, verdict):
    titled = result("30", FIRST_DAY_2026, age=None, date_of_birth=born, joining=joining())
    assert titled.verdict == verdict


def test_a_title_without_a_family_right_in_the_engine_says_ask_the_authority():
    titled = result("30", joining=joining(sponsor_title="20a"))
    assert titled.verdict == NOT_ELIGIBLE
    with translation.override("en"):
        assert "ask the foreigners' authority" in str(reason(titled, "sponsor_title").message)


def test_family_titles_need_someone_to_join():
    assert result("30").verdict == NOT_ELIGIBLE
    assert result("32").verdict == NOT_ELIGIBLE
    # A spouse's profile is no child's.
    assert result("32", joining=joining()).verdict == NOT_ELIGIBLE


@pytest.mark.parametrize(
    ("age", "married", "verdict"), [(10, False, ELIGIBLE), (17, False, ELIGIBLE), (18, False, NOT_ELIGIBLE),
                                    (17, True, NOT_ELIGIBLE)],
)
def test_child_joining_a_skilled_worker(age, married, verdict):
    titled = result("32", age=age, married=married, joining=joining(relationship="child", sponsor_title="18b"))
    assert titled.verdict == verdict


def test_a_minor_pays_half_the_visa_fee():
    child = result("32", age=10, joining=joining(relationship="child"))
    assert child.fees_eur == Decimal("87.50")  # visa 37.50 + residence permit 50
    assert result("30", joining=joining()).fees_eur == Decimal("175.00")


# § 29 Abs. 5 AufenthG (as of Sep 2026) waives the living space of Abs. 1 S. 1 Nr. 2 for the spouse
# and minor child of a Blue Card, §§ 18a, 18b, 19c Abs. 2 holder; not for the § 18c Abs. 1/2
# settlement permit (only § 18c Abs. 3 is named).
@pytest.mark.parametrize(("relationship", "age"), [("spouse", 30), ("child", 10)])
@pytest.mark.parametrize("sponsor_title", ["18a", "18b", "18g", "19c"])
def test_no_living_space_proof_for_the_family_of_a_skilled_worker(relationship, age, sponsor_title):
    code = "30" if relationship == "spouse" else "32"
    titled = result(code, age=age, joining=joining(relationship=relationship, sponsor_title=sponsor_title))
    assert titled.verdict == ELIGIBLE
    space = reason(titled, "living_space")
    assert space.met is True
    assert space.source == "§ 29 Abs. 5 AufenthG"


@pytest.mark.parametrize(("relationship", "age"), [("spouse", 30), ("child", 10)])
def test_the_family_of_a_settlement_permit_holder_must_show_living_space(relationship, age):
    code = "30" if relationship == "spouse" else "32"
    titled = result(code, age=age, german_level="A1",
                    joining=joining(relationship=relationship, sponsor_title="18c"))
    assert titled.verdict == ELIGIBLE_IF
    space = reason(titled, "living_space")
    assert space.met is False and space.fixable is True
    assert space.source == "§ 29 Abs. 1 S. 1 Nr. 2 AufenthG"
    with translation.override("en"):
        assert "living space" in str(space.message)


def test_no_living_space_reason_where_the_engine_cannot_judge_the_sponsor():
    titled = result("30", joining=joining(sponsor_title="20a"))
    assert all(r.code != "living_space" for r in titled.reasons)


def test_the_family_in_the_accelerated_procedure_pays_no_second_81a_fee_and_hands_in_no_job_papers():
    from applications.rules import fees, required_documents

    # § 81a Abs. 4 AufenthG: the procedure includes the spouse and minor children; § 47 Abs. 1 Nr. 15
    # AufenthV: its fee is for the procedure, charged on the skilled worker's case.
    assert fees("30", accelerated=True) == fees("30")
    assert fees("32", accelerated=True, minor=True) == fees("32", minor=True)
    assert sum(f.amount_eur for f in fees("18b", accelerated=True)) > sum(f.amount_eur for f in fees("18b"))
    family = {d.code for d in required_documents("30", accelerated=True)}
    assert "power_of_attorney_81a" in family
    assert not family & {"agreement_81a", "employment_contract", "employment_declaration"}
