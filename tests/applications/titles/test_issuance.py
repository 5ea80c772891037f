"""Issuance: granting the visa issues the national visa as a title, issuing the permit a residence
permit (an EU Blue Card for § 18g) that replaces it; the dates from the decision, else the law's."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from applications import services
from applications.models import Decision, ResidenceTitle, TitleEnd, TitleKind, WorkPermission
from applications.rules import title_terms
from applications.titles import issuance
from authorities.models import AuthorityRequest
from tests.procedure import offices_done, permit_fee_paid, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def visa_case(make_case, add_request):
    def make(**kwargs):
        case = make_case("visa_decision", **kwargs)
        add_request(case, "visa", purpose="visa")
        offices_done(case)
        return case

    return make


def grant_visa(case, staff, **dates):
    return services.decision_create(case=case, actor=staff, kind=Decision.Kind.VISA, outcome="granted",
                                    legal_basis=dates.pop("legal_basis", ""), conditions=dates.pop("conditions", ""),
                                    **dates)


def issue_permit(case, staff, add_request, **dates):
    walk(case, "report_entry")
    AuthorityRequest.objects.filter(case=case, purpose="residence_permit").delete()
    add_request(case, "abh", purpose="residence_permit")
    permit_fee_paid(case)
    return services.decision_create(case=case, actor=staff, kind=Decision.Kind.RESIDENCE_PERMIT, outcome="granted",
                                    **dates)


def test_granting_the_visa_issues_a_national_visa_with_the_decisions_dates(visa_case, make_staff, offices):
    case = visa_case()
    grant_visa(case, make_staff("visa"), valid_from=date(2027, 3, 1), valid_until=date(2027, 8, 31),
               legal_basis="§ 6 Abs. 3 i. V. m. § 18g Abs. 1 AufenthG",
               conditions="Beschäftigung nur als Softwareentwickler.")

    title = ResidenceTitle.objects.get(case=case)
    assert title.kind == TitleKind.NATIONAL_VISA and title.holder == case.person
    assert (title.valid_from, title.valid_until) == (date(2027, 3, 1), date(2027, 8, 31))
    assert title.title_code == "18g" and title.legal_basis == "§ 6 Abs. 3 i. V. m. § 18g Abs. 1 AufenthG"
    assert title.conditions == "Beschäftigung nur als Softwareentwickler."
    assert title.work_permission == WorkPermission.AS_CONDITIONED
    assert title.employer == offices["employer"] and title.occupation == "Software Developer"
    assert title.issued_by == offices["visa"].authority
    assert title.ended_at is None and title.replaces is None


def test_a_visa_without_dates_gets_the_cautious_default_and_the_catalogues_section(visa_case, make_staff):
    case = visa_case()
    grant_visa(case, make_staff("visa"))

    title = ResidenceTitle.objects.get(case=case)
    today = timezone.localdate()
    assert title.valid_from == today
    assert title.valid_until == title_terms.add_months(today, 3) - timedelta(days=1)
    assert title.legal_basis == "§ 6 Abs. 3 AufenthG i. V. m. § 18g AufenthG"


@pytest.mark.parametrize(("months", "expected"), [(6, 6), (18, 12)])
def test_the_missions_term_is_used_but_never_beyond_one_year(visa_case, make_staff, months, expected):
    case = visa_case()
    AuthorityRequest.objects.filter(case=case, purpose="visa").update(conditions={"valid_months": months})
    grant_visa(case, make_staff("visa"))

    title = ResidenceTitle.objects.get(case=case)
    assert title.valid_until == title_terms.term_end(title.valid_from, expected)


def test_a_rejected_visa_issues_no_title(visa_case, make_staff):
    case = visa_case()
    services.decision_create(case=case, actor=make_staff("visa"), kind=Decision.Kind.VISA, outcome="rejected",
                             reasons="Die Voraussetzungen liegen nicht vor.")
    assert not ResidenceTitle.objects.filter(case=case).exists()


def test_the_blue_card_replaces_the_visa(visa_case, make_staff, add_request, offices):
    case = visa_case()
    grant_visa(case, make_staff("visa"), valid_from=date(2027, 3, 1), valid_until=date(2027, 8, 31))
    issue_permit(case, make_staff("abh"), add_request, valid_from=date(2027, 4, 15), valid_until=date(2031, 4, 14))

    visa = ResidenceTitle.objects.get(case=case, kind=TitleKind.NATIONAL_VISA)
    card = ResidenceTitle.objects.get(case=case, kind=TitleKind.EU_BLUE_CARD)
    assert card.replaces == visa and visa.replaced_by == card
    assert visa.end_reason == TitleEnd.REPLACED and visa.ended_at is not None
    assert (card.valid_from, card.valid_until) == (date(2027, 4, 15), date(2031, 4, 14))
    assert card.issued_by == offices["abh"].authority and card.ended_at is None
    assert card.legal_basis == "§ 18g AufenthG"


def test_the_permits_term_follows_the_contract_plus_six_months(visa_case, make_staff, add_request):
    case = visa_case()  # the fixture's contract runs 36 months
    grant_visa(case, make_staff("visa"))
    issue_permit(case, make_staff("abh"), add_request)

    card = ResidenceTitle.objects.get(case=case, kind=TitleKind.EU_BLUE_CARD)
    assert card.valid_until == title_terms.term_end(timezone.localdate(), 42)


def test_a_permanent_contract_gives_four_years_and_a_shorter_ba_approval_less(visa_case, make_staff, add_request):
    case = visa_case(title="18a")
    case.employment.duration_months = None
    case.employment.save()
    grant_visa(case, make_staff("visa"))
    issue_permit(case, make_staff("abh"), add_request)
    permit = ResidenceTitle.objects.get(case=case, kind=TitleKind.RESIDENCE_PERMIT)
    assert permit.valid_until == title_terms.term_end(timezone.localdate(), 48)

    assert title_terms.permit_term_months(title_code="18a", contract_months=None, approval_months=12) == 18
    assert title_terms.permit_term_months(title_code="18b", contract_months=60, approval_months=None) == 48
    assert title_terms.permit_term_months(title_code="20a") == 12


def test_issuance_is_written_once_per_case(visa_case, make_staff):
    case = visa_case()
    grant_visa(case, make_staff("visa"))
    again = issuance.title_issue_visa(case=case)
    assert ResidenceTitle.objects.filter(case=case).count() == 1 and again.case == case


def test_months_end_on_the_last_day_of_a_shorter_month():
    assert title_terms.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert title_terms.term_end(date(2027, 3, 1), 12) == date(2028, 2, 29)
