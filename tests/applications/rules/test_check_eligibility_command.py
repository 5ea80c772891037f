"""manage.py check_eligibility FILE.json | -"""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

# The command reads the approved yearly figures (applications.figures.rule_figures).
pytestmark = pytest.mark.django_db

PROFILE = {
    "on_date": "2026-01-01",
    "age": 32,
    "qualification": "academic",
    "recognition": "none",
    "degree_comparable": True,
    "job_offer": {
        "annual_gross_salary_eur": 50700,
        "occupation_isco": "2512",
        "shortage_occupation": True,
        "hours_per_week": 40,
        "start_date": "2026-04-01",
    },
    "german_level": "A2",
    "english_level": "C1",
    "years_experience": 4,
    "months_in_germany_last_5_years": 0,
    "spouse_eligible": False,
    "monthly_means_eur": 1200,
    "it_specialist": True,
}


def run(tmp_path: Path, data) -> dict:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    out = io.StringIO()
    call_command("check_eligibility", str(path), stdout=out)
    return json.loads(out.getvalue())


def test_prints_every_title_as_json(tmp_path):
    output = run(tmp_path, PROFILE)
    assert output["on_date"] == "2026-01-01"
    titles = {t["code"]: t for t in output["titles"]}
    assert list(titles) == [
        "18a", "18b", "18g", "19c", "20a", "16d1", "16d3", "19c1", "16a", "17", "16b", "20", "18c", "30", "32"
    ]
    blue_card = titles["18g"]
    assert blue_card["verdict"] == "eligible"
    assert blue_card["points"] is None
    assert blue_card["fees_eur"] == "175.00"
    assert {"passport", "employment_contract", "anabin_or_zab"} <= {d["code"] for d in blue_card["required_documents"]}
    assert "visa" in {a["purpose"] for a in blue_card["authorities"]}
    salary = next(r for r in blue_card["reasons"] if r["code"] == "blue_card_salary")
    assert salary["source"] == "§ 18g Abs. 1 S. 1 AufenthG"
    assert salary["message"].startswith("Salary €50,700.00")
    assert titles["18a"]["verdict"] == "not_eligible"


def test_year_change_in_the_input(tmp_path):
    on_2025 = run(
        tmp_path,
        {
            **PROFILE,
            "on_date": "2025-12-31",
            "job_offer": {
                **PROFILE["job_offer"],
                "shortage_occupation": False,
                "occupation_isco": "2411",
                "annual_gross_salary_eur": 48300,
            },
        },
    )
    on_2026 = run(
        tmp_path,
        {
            **PROFILE,
            "job_offer": {
                **PROFILE["job_offer"],
                "shortage_occupation": False,
                "occupation_isco": "2411",
                "annual_gross_salary_eur": 48300,
            },
        },
    )
    assert on_2025["titles"][2]["verdict"] == "eligible"
    assert on_2026["titles"][2]["verdict"] == "eligible_if"


def test_reads_standard_input(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(PROFILE)))
    out = io.StringIO()
    call_command("check_eligibility", "-", stdout=out)
    assert json.loads(out.getvalue())["titles"][2]["code"] == "18g"


def test_on_date_defaults_to_today(tmp_path, monkeypatch):
    from datetime import date

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda: date(2025, 7, 1))
    data = {key: value for key, value in PROFILE.items() if key != "on_date"}
    assert run(tmp_path, data)["on_date"] == "2025-07-01"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**PROFILE, "favourite_colour": "blue"}, "favourite_colour"),
        ({**PROFILE, "age": "thirty"}, "age"),
        ({**PROFILE, "german_level": "Z9"}, "german_level"),
        (
            {**PROFILE, "job_offer": {**PROFILE["job_offer"], "annual_gross_salary_eur": "lots"}},
            "job_offer.annual_gross_salary_eur",
        ),
        ({**PROFILE, "job_offer": {**PROFILE["job_offer"], "start": "2026-01-01"}}, "job_offer.start"),
        ({key: value for key, value in PROFILE.items() if key != "it_specialist"}, "it_specialist"),
        ({**PROFILE, "on_date": "31.12.2025"}, "on_date"),
        ({**PROFILE, "on_date": "2023-12-31"}, "on_date"),
    ],
)
def test_bad_input_names_the_field_with_exit_code_2(tmp_path, data, field):
    with pytest.raises(CommandError) as error:
        run(tmp_path, data)
    assert error.value.returncode == 2
    assert f"{field}:" in str(error.value)


@pytest.mark.parametrize(
    ("text", "message"), [("{not json", "invalid JSON at line 1"), ("[1, 2]", "must be an object")]
)
def test_malformed_json(tmp_path, text, message):
    with pytest.raises(CommandError) as error:
        run(tmp_path, text)
    assert error.value.returncode == 2
    assert message in str(error.value)


def test_missing_file(tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("check_eligibility", str(tmp_path / "nope.json"))
    assert error.value.returncode == 2
    assert "cannot read" in str(error.value)


def test_process_exit_code_and_stderr(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**PROFILE, "qualification": "phd"}), encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "manage.py", "check_eligibility", str(path)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 2
    assert "qualification: must be one of: academic, vocational, none" in completed.stderr
    assert completed.stdout == ""


def test_process_reads_stdin(tmp_path):
    completed = subprocess.run(
        [sys.executable, "manage.py", "check_eligibility", "-"],
        cwd=settings.BASE_DIR,
        input=json.dumps(PROFILE),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["titles"][2]["verdict"] == "eligible"


def _run_process(arguments, stdin_bytes):
    return subprocess.run(
        [sys.executable, "manage.py", "check_eligibility", *arguments],
        cwd=settings.BASE_DIR,
        input=stdin_bytes,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("stdin_bytes", "message"),
    [
        (b'{"age": 30, \xff}', b"not UTF-8"),
        (b'{"monthly_means_eur": 1e400}', b"monthly_means_eur"),
        (b'{"age": ' + b"9" * 5000 + b"}", b"number is too long"),
        (b"[" * 100000, b"invalid JSON"),
    ],
)
def test_process_bad_bytes_end_in_one_line_and_exit_2(stdin_bytes, message):
    completed = _run_process(["-"], stdin_bytes)
    assert completed.returncode == 2, completed.stderr
    assert message in completed.stderr
    assert b"Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["1e400", 10**27, "9" * 5000])
def test_overflowing_amounts_are_a_field_error(tmp_path, value):
    with pytest.raises(CommandError) as error:
        run(tmp_path, {**PROFILE, "monthly_means_eur": value})
    assert error.value.returncode == 2
    assert "monthly_means_eur:" in str(error.value)


def test_unknown_language_is_an_error(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("check_eligibility", str(path), "--language", "xx")
    assert error.value.returncode == 2
    assert "--language" in str(error.value)


@pytest.mark.parametrize(("language", "amount"), [("en", "€50,700.00"), ("de", "50.700,00 €"), ("pt_BR", "50.700,00")])
def test_euro_amounts_follow_the_language(tmp_path, language, amount):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE), encoding="utf-8")
    out = io.StringIO()
    call_command("check_eligibility", str(path), "--language", language, stdout=out)
    blue_card = next(t for t in json.loads(out.getvalue())["titles"] if t["code"] == "18g")
    assert amount in json.dumps([r["message"] for r in blue_card["reasons"]], ensure_ascii=False)
