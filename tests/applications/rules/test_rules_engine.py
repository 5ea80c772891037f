"""evaluate(): all titles, verdict logic, timeline, JSON shape, translations."""

import json
from datetime import date

from django.utils import translation
from django.utils.functional import Promise

from applications.rules import (
    ELIGIBLE,
    ELIGIBLE_IF,
    NOT_ELIGIBLE,
    TITLE_CODES,
    Reason,
    UnknownTitle,
    evaluate,
    evaluate_title,
)
from applications.rules.engine import verdict

from .builders import FIRST_DAY_2026, job, profile, result


def test_evaluate_returns_every_title_in_catalogue_order():
    evaluation = evaluate(profile(), FIRST_DAY_2026)
    assert tuple(r.code for r in evaluation.titles) == TITLE_CODES
    assert evaluation.on_date == FIRST_DAY_2026


def test_evaluate_title_and_unknown_code():
    assert evaluate_title("18b", profile(), FIRST_DAY_2026).code == "18b"
    try:
        evaluate(profile(), FIRST_DAY_2026).title("99x")
    except UnknownTitle:
        pass
    else:
        raise AssertionError("UnknownTitle expected")


def reasons(*flags):
    return [Reason(f"r{i}", "m", "§ 1", met=met, fixable=fixable) for i, (met, fixable) in enumerate(flags)]


def test_verdict_rules():
    assert verdict(reasons((True, True), (True, False))) == ELIGIBLE
    assert verdict(reasons((True, True), (False, True))) == ELIGIBLE_IF
    assert verdict(reasons((False, True), (False, False))) == NOT_ELIGIBLE
    assert verdict([]) == ELIGIBLE


def test_missing_lists_the_unmet_reasons():
    blue_card = result("18g")
    assert blue_card.missing == tuple(r for r in blue_card.reasons if not r.met)


def test_every_reason_cites_its_source_and_is_translatable():
    evaluation = evaluate(
        profile(age=50, regulated_profession=True, job_offer=job("45000", isco="2512")), FIRST_DAY_2026
    )
    for title_result in evaluation.titles:
        for reason in title_result.reasons:
            assert "§" in reason.source, reason
            assert reason.source.endswith(("AufenthG", "BeschV")), reason
            assert isinstance(reason.message, Promise), reason


def test_timeline_of_the_accelerated_procedure():
    skilled = result(
        "18a",
        qualification="vocational",
        recognition="pending",
        job_offer=job("40000"),
        accelerated_procedure=True,
    )
    assert skilled.accelerated is True
    assert [(e.purpose, e.earliest_start, e.legal_due) for e in skilled.timeline] == [
        ("recognition", date(2026, 1, 1), date(2026, 3, 1)),  # 2 months, § 14a BQFG
        ("ba_approval", date(2026, 3, 1), date(2026, 3, 8)),  # 1 week, § 36 Abs. 2 S. 2 BeschV
        ("pre_approval_81a", date(2026, 3, 8), None),
        ("visa", date(2026, 3, 8), date(2026, 4, 19)),  # appointment 3 weeks + decision 3 weeks
        ("register_check", date(2026, 3, 8), None),
        ("residence_permit", date(2026, 4, 19), None),
    ]
    assert skilled.fees_eur == 586


def test_timeline_of_the_regular_procedure():
    skilled = result("18a", qualification="vocational", recognition="pending", job_offer=job("40000"))
    assert skilled.accelerated is False
    assert [(e.purpose, e.earliest_start, e.legal_due) for e in skilled.timeline] == [
        ("recognition", date(2026, 1, 1), date(2026, 4, 1)),  # 3 months, § 6 Abs. 3 BQFG
        ("visa", date(2026, 4, 1), None),
        ("ba_approval", date(2026, 4, 1), date(2026, 4, 15)),  # 2 weeks inside the visa procedure
        ("register_check", date(2026, 4, 1), None),
        ("residence_permit", date(2026, 4, 1), None),
    ]
    assert skilled.fees_eur == 175


def test_accelerated_procedure_needs_an_employer():
    assert result("18b", accelerated_procedure=True).accelerated is False
    assert result("18b", accelerated_procedure=True, job_offer=job("40000")).accelerated is True


def test_to_dict_shape_and_json():
    evaluation = evaluate(profile(job_offer=job("50700.00")), FIRST_DAY_2026)
    with translation.override("en"):
        data = json.loads(json.dumps(evaluation.to_dict()))
    assert data["on_date"] == "2026-01-01"
    assert [t["code"] for t in data["titles"]] == list(TITLE_CODES)
    blue_card = data["titles"][2]
    assert set(blue_card) == {
        "code",
        "name",
        "section",
        "verdict",
        "reasons",
        "missing",
        "points",
        "ba_approval_required",
        "accelerated",
        "required_documents",
        "authorities",
        "fees",
        "fees_eur",
        "timeline",
        "validity",
        "provisional",
        "portal_application",
    }
    assert blue_card["name"] == "EU Blue Card"
    assert blue_card["verdict"] == "eligible"
    assert blue_card["points"] is None
    assert blue_card["fees_eur"] == "175.00"
    salary = next(r for r in blue_card["reasons"] if r["code"] == "blue_card_salary")
    assert salary == {
        "code": "blue_card_salary",
        "met": True,
        "fixable": True,
        "source": "§ 18g Abs. 1 S. 1 AufenthG",
        "message": "Salary €50,700.00 meets the Blue Card threshold of €50,700.00 (2026).",
    }
    assert {"code": "passport", "label": "Valid passport with two blank pages", "stage": "visa"} in blue_card[
        "required_documents"
    ]
    visa = next(a for a in blue_card["authorities"] if a["purpose"] == "visa")
    assert visa["authority"] == "mission"
    chancenkarte = data["titles"][4]
    assert chancenkarte["code"] == "20a"


def test_points_in_json():
    evaluation = evaluate(
        profile(qualification="vocational", degree_comparable=False, recognition="partial", age=30), FIRST_DAY_2026
    )
    points = evaluation.to_dict()["titles"][4]["points"]
    assert points["total"] == 8  # partial recognition 4 + 3 years' experience 2 + age 30 2
    assert points["minimum"] == 6
    assert {item["criterion"]: item["points"] for item in points["breakdown"]}["partial_recognition"] == 4


def test_messages_are_lazy_until_rendered():
    # The msgid is English; an unknown language falls back to it, so the message is a lazy
    # string resolved when rendered, not when evaluated.
    blue_card = result("18g")
    with translation.override("en"):
        english = str(blue_card.missing[0].message)
    assert english == "A concrete job offer or employment contract is needed."
