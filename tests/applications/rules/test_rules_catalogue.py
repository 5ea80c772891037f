"""Catalogue: titles, documents (DOMAIN.md 2), authority steps and deadlines (1.4), fees (1.5)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils.functional import Promise

from applications.rules import (
    STEP_PURPOSES,
    TITLE_CODES,
    UnknownTitle,
    authority_steps,
    fees,
    required_documents,
    title,
)
from applications.rules.catalogue import APPLICATION_TITLE_CODES, DOCUMENT_CONDITIONS, DOCUMENT_LABELS, Deadline


def codes(documents, mandatory=None):
    return {d.code for d in documents if mandatory is None or d.mandatory is mandatory}


def test_titles():
    assert TITLE_CODES == (
        "18a", "18b", "18g", "19c", "20a", "16d1", "16d3", "19c1", "16a", "17", "16b", "20", "18c", "30", "32"
    )
    assert APPLICATION_TITLE_CODES == ("18a", "18b", "18g", "19c", "20a", "16d1", "16d3", "19c1")
    for code in TITLE_CODES:
        entry = title(code)
        assert isinstance(entry.name, Promise)
        assert isinstance(entry.validity, Promise)
        assert "§" in entry.section


def test_unknown_title():
    with pytest.raises(UnknownTitle):
        title("99z")


def test_document_codes_named_in_the_issue_exist():
    assert {
        "passport",
        "photo",
        "employment_contract",
        "employment_declaration",
        "degree_certificate",
        "recognition_notice",
        "anabin_or_zab",
        "zab_state_recognition",
        "cv",
        "language_certificate",
        "financial_means",
        "health_insurance",
        "experience_proof",
        "power_of_attorney_81a",
    } <= set(DOCUMENT_LABELS)
    assert all(isinstance(label, Promise) for label in DOCUMENT_LABELS.values())


@pytest.mark.parametrize("code", TITLE_CODES)
def test_every_document_has_a_label_and_known_condition(code):
    for document in required_documents(code, accelerated=True):
        assert document.code in DOCUMENT_LABELS
        assert document.condition is None or document.condition in DOCUMENT_CONDITIONS
        if code in ("18a", "18b", "18g", "19c", "20a", "16d1", "16d3"):
            assert {"passport", "photo", "cv", "degree_certificate"} <= codes(required_documents(code), mandatory=True)
        assert {"passport", "photo"} <= codes(required_documents(code), mandatory=True)


@pytest.mark.parametrize(
    ("code", "required", "not_required"),
    [
        # DOMAIN.md 2: ● required, – not needed
        (
            "18a",
            {"employment_contract", "employment_declaration", "recognition_notice", "health_insurance"},
            {"anabin_or_zab", "zab_state_recognition", "financial_means", "language_certificate"},
        ),
        (
            "18b",
            {"employment_contract", "employment_declaration", "anabin_or_zab"},
            {"recognition_notice", "financial_means", "language_certificate"},
        ),
        (
            "18g",
            {"employment_contract", "anabin_or_zab"},
            {"employment_declaration", "recognition_notice", "financial_means"},
        ),
        (
            "19c",
            {"employment_contract", "employment_declaration", "zab_state_recognition", "experience_proof"},
            {"recognition_notice", "anabin_or_zab", "licence_to_practise"},
        ),
        (
            "20a",
            {"zab_state_recognition", "language_certificate", "financial_means", "health_insurance"},
            {"employment_contract", "employment_declaration"},
        ),
        (
            "16d1",
            {"deficit_notice", "language_certificate", "financial_means", "qualification_plan"},
            {"recognition_notice", "employment_contract"},
        ),
        (
            "16d3",
            {"employment_contract", "employment_declaration", "zab_state_recognition", "language_certificate"},
            {"recognition_notice", "financial_means"},
        ),
    ],
)
def test_documents_by_title(code, required, not_required):
    mandatory = codes(required_documents(code), mandatory=True)
    assert required <= mandatory
    assert not (not_required & mandatory)


@pytest.mark.parametrize(
    ("code", "document", "condition"),
    [
        ("18g", "employment_declaration", "reduced_threshold"),
        ("18g", "experience_proof", "it_route"),
        ("18a", "licence_to_practise", "regulated_profession"),
        ("18b", "pension_provision", "age_45"),
        ("20a", "recognition_notice", "recognition_obtained"),
        ("16d1", "employment_contract", "job_offer"),
    ],
)
def test_conditional_documents(code, document, condition):
    by_code = {d.code: d for d in required_documents(code)}
    assert by_code[document].condition == condition
    assert isinstance(by_code[document].condition_label, Promise)


def test_accelerated_procedure_adds_the_employer_documents():
    regular = required_documents("18g")
    accelerated = required_documents("18g", accelerated=True)
    assert {"power_of_attorney_81a", "agreement_81a"} <= codes(accelerated, mandatory=True)
    assert not {"power_of_attorney_81a", "agreement_81a"} & codes(regular)
    # DOMAIN.md 2, column 81a: the employment declaration is always needed there.
    assert "employment_declaration" in codes(accelerated, mandatory=True)
    assert accelerated[-1].stage == "after_entry"


def test_accelerated_procedure_does_not_apply_to_the_chancenkarte():
    assert required_documents("20a", accelerated=True) == required_documents("20a")
    assert fees("20a", accelerated=True) == fees("20a")


def deadline_of(steps, purpose):
    return next(step for step in steps if step.purpose == purpose)


def test_regular_steps_for_18a_with_recognition_outstanding():
    steps = authority_steps("18a", accelerated=False, recognition=True)
    assert [s.purpose for s in steps] == ["recognition", "visa", "ba_approval", "register_check", "residence_permit"]
    recognition = deadline_of(steps, "recognition").deadline
    assert (recognition.amount, recognition.unit, recognition.source) == (3, "months", "§ 6 Abs. 3 BQFG")
    assert recognition.deemed_approval is False
    ba = deadline_of(steps, "ba_approval")
    assert (ba.deadline.amount, ba.deadline.unit, ba.deadline.source) == (2, "weeks", "§ 36 Abs. 2 S. 1 BeschV")
    assert ba.deemed_approval is True
    assert ba.during == "visa"
    assert deadline_of(steps, "visa").deadlines == ()


def test_accelerated_steps_for_18a():
    steps = authority_steps("18a", accelerated=True, recognition=True)
    assert [s.purpose for s in steps] == [
        "recognition",
        "ba_approval",
        "pre_approval_81a",
        "visa",
        "register_check",
        "residence_permit",
    ]
    recognition = deadline_of(steps, "recognition").deadline
    assert (recognition.amount, recognition.unit, recognition.source) == (2, "months", "§ 14a BQFG")
    ba = deadline_of(steps, "ba_approval")
    assert (ba.deadline.amount, ba.deadline.unit, ba.deadline.source) == (1, "weeks", "§ 36 Abs. 2 S. 2 BeschV")
    assert ba.deemed_approval is True
    visa = deadline_of(steps, "visa")
    assert [(d.kind, d.amount, d.unit, d.source) for d in visa.deadlines] == [
        ("appointment", 3, "weeks", "§ 31a AufenthV"),
        ("decision", 3, "weeks", "§ 31a AufenthV"),
    ]
    assert visa.deemed_approval is False
    assert visa.authority == "mission"
    assert deadline_of(steps, "pre_approval_81a").authority == "abh"


@pytest.mark.parametrize(
    ("recognition", "has_step"), [("full", False), ("partial", True), ("pending", True), (False, False)]
)
def test_recognition_argument_accepts_profile_values(recognition, has_step):
    steps = authority_steps("18a", accelerated=False, recognition=recognition)
    assert ("recognition" in [s.purpose for s in steps]) is has_step


@pytest.mark.parametrize("code", ["19c", "20a", "16d1", "16d3"])
def test_titles_without_a_recognition_step(code):
    assert "recognition" not in [s.purpose for s in authority_steps(code, accelerated=False, recognition=True)]


@pytest.mark.parametrize(
    ("code", "kwargs", "ba"),
    [
        ("18a", {}, True),
        ("18b", {}, True),
        ("18g", {}, False),
        ("18g", {"reduced_threshold": True}, True),
        ("19c", {}, True),
        ("20a", {}, False),
        ("16d1", {}, False),
        ("16d1", {"in_company_measure": True}, True),
        ("16d3", {}, True),
    ],
)
def test_ba_approval_per_title(code, kwargs, ba):
    steps = authority_steps(code, accelerated=False, recognition=False, **kwargs)
    assert ("ba_approval" in [s.purpose for s in steps]) is ba


@pytest.mark.parametrize("code", TITLE_CODES)
@pytest.mark.parametrize("accelerated", [False, True])
def test_purposes_are_from_the_fixed_list(code, accelerated):
    for step in authority_steps(code, accelerated=accelerated, recognition=True):
        assert step.purpose in STEP_PURPOSES
        assert isinstance(step.label, Promise)
        assert isinstance(step.authority_label, Promise)
        assert "§" in step.source


@pytest.mark.parametrize(
    ("code", "accelerated", "total"),
    [
        ("18a", False, "175.00"),  # visa 75 + residence permit 100
        ("18a", True, "586.00"),  # + § 81a 411
        ("18g", False, "175.00"),
        ("19c", True, "586.00"),
        ("20a", False, "75.00"),  # the card is the visa
        ("16d1", False, "175.00"),
        ("16d3", True, "586.00"),
    ],
)
def test_fees(code, accelerated, total):
    assert sum(fee.amount_eur for fee in fees(code, accelerated=accelerated)) == Decimal(total)


def test_fee_sources():
    by_code = {fee.code: fee for fee in fees("18a", accelerated=True)}
    assert by_code["national_visa"].amount_eur == Decimal("75.00")
    assert by_code["accelerated_procedure"].source == "§ 47 Abs. 1 Nr. 15 AufenthV"
    assert by_code["residence_permit"].source == "§ 45 Nr. 1 AufenthV"


@pytest.mark.parametrize(
    ("deadline", "start", "due"),
    [
        (Deadline(1, "weeks", "x"), date(2026, 1, 1), date(2026, 1, 8)),
        (Deadline(2, "weeks", "x"), date(2025, 12, 25), date(2026, 1, 8)),
        (Deadline(2, "months", "x"), date(2026, 1, 15), date(2026, 3, 15)),
        (Deadline(1, "months", "x"), date(2026, 1, 31), date(2026, 2, 28)),  # § 188 Abs. 3 BGB
        (Deadline(2, "months", "x"), date(2023, 12, 31), date(2024, 2, 29)),
        (Deadline(3, "months", "x"), date(2025, 11, 30), date(2026, 2, 28)),
    ],
)
def test_deadline_due_date(deadline, start, due):
    assert deadline.due(start) == due
    assert deadline.as_timedelta(start) == due - start


def test_deadline_nominal_days():
    assert Deadline(1, "weeks", "x").nominal_days == 7
    assert Deadline(2, "months", "x").nominal_days == 60
    assert Deadline(1, "weeks", "x").as_timedelta(date(2026, 1, 1)) == timedelta(weeks=1)
