"""The pure rules of the change of purpose (applications.rules.purpose_change) at their boundaries."""

from datetime import date, timedelta

import pytest
from django.utils import translation

from applications.rules.purpose_change import Qualifications, switch_start, switch_targets

TODAY = date(2026, 12, 6)


def verdicts(code, **qualifications):
    with translation.override("en"):
        return {v.code: v for v in switch_targets(current_code=code, qualifications=Qualifications(**qualifications))}


@pytest.mark.parametrize("code,kind", [("16b", "residence_permit"), ("16a", "residence_permit"),
                                       ("20", "residence_permit"), ("16b", "national_visa")])
def test_studies_training_and_job_search_titles_may_switch(code, kind):
    start = switch_start(code=code, kind=kind, ended=False, valid_until=TODAY, today=TODAY)  # last day counts
    assert start.allowed and "§ 81 Abs. 4 S. 1 AufenthG" in start.source


@pytest.mark.parametrize("code,kind", [("18g", "eu_blue_card"), ("18b", "residence_permit"),
                                       ("18c", "settlement_permit"), ("16d1", "residence_permit"),
                                       ("16b", "settlement_permit")])
def test_other_titles_do_not_switch_through_the_portal(code, kind):
    start = switch_start(code=code, kind=kind, ended=False, valid_until=TODAY + timedelta(days=300), today=TODAY)
    assert not start.allowed and start.source == "§§ 16a, 16b, 20 AufenthG"


def test_after_expiry_or_an_end_no_switch():
    expired = switch_start(code="16b", kind="residence_permit", ended=False,
                           valid_until=TODAY - timedelta(days=1), today=TODAY)
    ended = switch_start(code="16b", kind="residence_permit", ended=True, valid_until=TODAY, today=TODAY)
    assert not expired.allowed and not ended.allowed
    assert expired.source == "§ 81 Abs. 4 AufenthG"


def test_a_graduate_of_a_german_university_may_take_a_skilled_job_the_blue_card_or_look_for_work():
    got = verdicts("16b", german_degree=True)
    assert got["18b"].ok and got["18g"].ok and got["20"].ok
    assert not got["18a"].ok  # a degree is no vocational training (§ 18 Abs. 3 Nr. 1)
    assert got["20"].source == "§ 20 Abs. 1 Nr. 1, Abs. 2 AufenthG"
    assert "18 months" in got["20"].text


def test_a_student_with_a_recognised_foreign_degree_may_switch_before_finishing_but_not_to_job_search():
    got = verdicts("16b", foreign_degree_recognised=True)
    assert got["18b"].ok and got["18g"].ok
    assert not got["20"].ok  # § 20 Abs. 1 Nr. 1 needs studies completed in Germany


def test_a_student_without_a_qualification_cannot_switch_yet():
    got = verdicts("16b")
    assert not any(v.ok for v in got.values())
    assert "anabin" in got["18b"].text


def test_after_german_vocational_training():
    got = verdicts("16a", german_training=True)
    assert got["18a"].ok and got["20"].ok and not got["18b"].ok
    assert got["20"].source == "§ 20 Abs. 1 Nr. 3, Abs. 2 AufenthG"
    assert not verdicts("16a", german_degree=True)["20"].ok  # training, not studies, counts after § 16a


def test_a_job_seeker_takes_a_job_but_cannot_look_for_work_again():
    got = verdicts("20", german_degree=True, german_training=True)
    assert got["18a"].ok and got["18b"].ok and got["18g"].ok
    assert not got["20"].ok and got["20"].source == "§ 20 Abs. 2 S. 4 AufenthG"


def test_ba_approval_per_target():
    got = verdicts("16b", german_degree=True)
    assert got["18a"].ba == "yes" and got["18b"].ba == "yes"  # no BeschV exemption for German graduates
    assert got["18g"].ba == "if_lower_salary" and got["20"].ba == "no"
    assert "no exemption for graduates of German universities" in got["18b"].ba_text
