"""ICAO 9303 check digits, parsing and OCR clean-up on text (no images)."""

from datetime import date

import pytest

from documents.checks import mrz
from documents.testing.mrz_lines import build_td3

from .conftest import GOLDEN

TD1_SPECIMEN = (  # ICAO 9303 Part 5, Utopia identity card
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)


@pytest.mark.parametrize(("data", "digit"), [
    ("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("ZE184226B<<<<<", "1"),
    ("L898902C36" + "7408122" + "1204159ZE184226B<<<<<1", "0"), ("<<<<", "0"), ("D23145890", "7"),
])
def test_check_digit_matches_the_icao_specimen(data, digit):
    assert mrz.check_digit(data) == digit


def test_char_values():
    assert [mrz.char_value(c) for c in "<09AZ"] == [0, 0, 9, 10, 35]
    with pytest.raises(ValueError):
        mrz.char_value("a")


def test_golden_td3_parses_valid():
    m = mrz.parse(GOLDEN, today=date(2025, 1, 1))
    assert m.valid and m.format == "TD3"
    assert (m.surname, m.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert m.document_number == "L898902C3"
    assert (m.issuing_state, m.nationality, m.sex) == ("UTO", "UTO", "F")
    assert m.birth_date == date(1974, 8, 12)
    assert m.expiry_date == date(2012, 4, 15)
    assert m.optional_data == "ZE184226B"
    assert not m.name_truncated


def test_build_td3_reproduces_the_golden_lines():
    lines = build_td3(surname="ERIKSSON", given_names="ANNA MARIA", number="L898902C3",
                          nationality="UTO", birth="740812", sex="F", expiry="120415", optional="ZE184226B")
    assert lines == GOLDEN


def test_td1_specimen_parses_valid():
    m = mrz.parse(TD1_SPECIMEN)
    assert m.valid and m.format == "TD1"
    assert (m.document_number, m.surname, m.given_names) == ("D23145890", "ERIKSSON", "ANNA MARIA")
    assert m.fields()["document_type"] == "id_card"


@pytest.mark.parametrize(("pos", "check"), [(9, "document_number"), (19, "birth_date"),
                                            (27, "expiry_date"), (42, "optional_data"), (43, "composite")])
def test_each_wrong_check_digit_is_flagged(pos, check):
    line2 = GOLDEN[1][:pos] + str((int(GOLDEN[1][pos]) + 3) % 10) + GOLDEN[1][pos + 1:]
    m = mrz.parse((GOLDEN[0], line2))
    assert not m.valid
    assert m.checks[check] is False


def test_wrong_check_digit_read_from_a_sure_grid_is_not_corrected():
    line2 = GOLDEN[1][:19] + "3" + GOLDEN[1][20:]  # birth date check 2 -> 3
    m = mrz.read([GOLDEN[0], line2], alternatives={})
    assert not m.valid and m.checks["birth_date"] is False


def test_positional_cleanup_fixes_letters_in_digit_slots_and_back():
    noisy = ["P<UT0ERIKSSON<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<", "L898902C36UT07408I22F12O4159ZE184226B<<<<<10"]
    m = mrz.read(noisy)
    assert m.valid
    assert m.lines == GOLDEN


def test_letters_read_for_fillers_after_the_names_are_dropped():
    m = mrz.read(["P<UTOERIKSSON<<ANNA<MARIA<<<<<K<<<KK<<<<<<<<", GOLDEN[1]])
    assert m.valid and m.lines[0] == GOLDEN[0]


def test_miscounted_filler_run_is_repaired_by_the_checks():
    m = mrz.read([GOLDEN[0][:-3], GOLDEN[1].replace("B<<<<<10", "B<<<<10")])
    assert m.valid and m.lines == GOLDEN
    assert any("filler" in c for c in m.corrections)


def test_unique_lookalike_substitution_is_accepted_and_reported():
    m = mrz.read([GOLDEN[0], GOLDEN[1][:43] + "8"])  # composite 0 read as 8
    assert m.valid and m.lines == GOLDEN
    assert m.corrections


def test_ambiguous_substitution_is_refused():
    # Document number S0B5O1I2Z read with 5 for S: several look-alike swaps make the check fit,
    # so none is taken and the MRZ stays invalid rather than possibly wrong.
    line2 = "50B5O1I2Z2UTO7408122F3004157<<<<<<<<<<<<<<<2"
    m = mrz.read([GOLDEN[0], line2])
    assert m is not None and not m.valid


def test_uncertain_cells_settle_only_when_one_reading_fits():
    line2 = GOLDEN[1][:15] + "?" + GOLDEN[1][16:]  # birth date digit unreadable
    m = mrz.read([GOLDEN[0], line2], alternatives={(1, 15): "0123456789"})
    assert m.valid and m.lines == GOLDEN
    both_fit = {(1, 0): "LI"}  # the name line is not covered by any check digit
    m = mrz.read([GOLDEN[0].replace("ERIKSSON", "ERLKSSON"), GOLDEN[1]], alternatives={(0, 7): "LI"} | both_fit)
    # The check digits hold, but the name cell stays open: the page must settle it (``viz``).
    assert m.valid and not m.name_certain
    assert m.name_alternatives == ((2, "LI"),)
    assert sorted(mrz.name_candidates(m)) == [GOLDEN[0][5:].replace("ERIKSSON", e) for e in ("ERIKSSON", "ERLKSSON")]


def test_country_code_settles_an_uncertain_cell():
    m = mrz.read([GOLDEN[0], GOLDEN[1]], alternatives={(0, 2): "UV", (1, 10): "UO"})
    assert m.valid and m.issuing_state == "UTO"


def test_unknown_country_code_makes_the_mrz_invalid():
    line1 = GOLDEN[0].replace("P<UTO", "P<QQQ")
    m = mrz.parse((line1, GOLDEN[1]))
    assert all(m.checks.values()) and not m.valid
    assert ("mrz_unreadable", "issuing_state", "QQQ") in m.problems


def test_invalid_date_is_a_problem_even_when_the_check_digit_fits():
    birth = "741312"  # month 13
    line2 = GOLDEN[1][:13] + birth + mrz.check_digit(birth) + GOLDEN[1][20:43]
    line2 += mrz.check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    m = mrz.parse((GOLDEN[0], line2))
    assert m.checks["birth_date"] and m.birth_date is None and not m.valid


@pytest.mark.parametrize(("yymmdd", "today", "expected"), [
    ("740812", date(2025, 1, 1), date(1974, 8, 12)),
    ("240101", date(2025, 1, 1), date(2024, 1, 1)),
    ("251231", date(2025, 6, 1), date(1925, 12, 31)),  # later this year: cannot be born yet
])
def test_birth_century_pivots_on_today(yymmdd, today, expected):
    assert mrz.birth_date(yymmdd, today) == expected


def test_expiry_is_always_in_this_century():
    assert mrz.expiry_date("991231") == date(2099, 12, 31)


def test_names_with_fillers_and_truncation():
    assert mrz.split_names("VAN<DER<BERG<<JAN<PIETER<<<<") == ("VAN DER BERG", "JAN PIETER", False)
    surname, given, truncated = mrz.split_names("WOLFESCHLEGELSTEINHAUSENBERGERDORFF<<HU")
    assert (surname, given, truncated) == ("WOLFESCHLEGELSTEINHAUSENBERGERDORFF", "HU", True)


def test_text_with_other_lines_around_the_mrz():
    text = ["REISEPASS PASSPORT", "Name ERIKSSON", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10", "", "some footer text"]
    assert mrz.read(text).valid


def test_garbage_gives_none():
    assert mrz.read(["hello", "world"]) is None
    assert mrz.parse(["short"]) is None


# --- the corrector: look-alikes settled by check digits, never guessed ------------------------------

def _with(line: str, pos: int, char: str) -> str:
    return line[:pos] + char + line[pos + 1:]


# Document numbers with few look-alikes in them, so that one confusion has exactly one repair.
def _td3(number: str) -> tuple[str, str]:
    return build_td3(surname="ERIKSSON", given_names="ANNA MARIA", number=number, nationality="UTO",
                         birth="740812", sex="F", expiry="320415")


@pytest.mark.parametrize(("number", "pos", "misread"), [
    ("X7K4HW2T", 6, "Z"),  # 2 read as Z in the document number
    ("J7HXWWKY", 2, "N"),  # H read as N
    ("X7K4HW2T", 9, "A"),  # its check digit 4 read as A (a letter cannot stand there)
    ("X7K4HW2T", 13, "T"),  # 7 of the birth date read as T
    ("X7K4HW2T", 16, "B"),  # 8 read as B: replaced by position (dates are digits only)
    ("X7K4HW2T", 23, "8"),  # 0 of the expiry date read as 8
    ("X7K4HW2T", 26, "3"),  # 5 read as 3
    ("X7K4HW2T", 27, "5"),  # the expiry's check digit 3 read as 5
])
def test_one_confusion_is_repaired_by_its_check_digit(number, pos, misread):
    truth = _td3(number)
    m = mrz.read([truth[0], _with(truth[1], pos, misread)])
    assert m.valid and m.lines == truth


def test_two_equally_good_repairs_are_not_guessed():
    # 0 read as 8 in "L898902C3": putting 0 back fits, and so does reading the next 0 as O or Q.
    line2 = _with(GOLDEN[1], 5, "8")
    m = mrz.read([GOLDEN[0], line2])
    assert m is not None and not m.valid
    assert m.lines[1][0:9] == "L89898" + "2C3"  # left as read
    assert not m.corrections


def test_fewest_changes_win_only_when_unique():
    # Reader doubts on two cells; one change fits, two changes fit too: the single change is taken.
    line2 = _with(GOLDEN[1], 15, "6")  # birth date 740812 read as 746812
    m = mrz.read([GOLDEN[0], line2], alternatives={(1, 15): "60", (1, 16): "86"})
    assert m.valid and m.lines == GOLDEN


def test_a_wrong_check_digit_on_the_document_is_not_repaired_away():
    # The printed check digit itself is wrong (a forged or damaged document): no look-alike fits.
    line2 = _with(GOLDEN[1], 9, "7")
    m = mrz.read([GOLDEN[0], line2])
    assert not m.valid and m.checks["document_number"] is False


def test_alphabets_per_field():
    # Letters in a date and digits in the name line are replaced by their look-alike by position.
    line1 = GOLDEN[0].replace("ANNA", "ANN4")
    line2 = GOLDEN[1].replace("7408122", "74O8I22")
    m = mrz.read([line1, line2])
    assert m.valid and m.lines == GOLDEN


def test_plain_text_names_and_implausible_name_lines_are_doubted():
    m = mrz.read(list(GOLDEN))
    assert m.valid and not m.name_certain  # plain text: no second opinion on the name
    assert mrz.repair(mrz.TD3, GOLDEN, alternatives={}).name_certain
    noisy = GOLDEN[0][:30] + "KXE" + GOLDEN[0][33:]  # letters read inside the filler run
    m = mrz.repair(mrz.TD3, (noisy, GOLDEN[1]), alternatives={})
    assert m.lines == GOLDEN and not m.name_certain
    assert any("dropped" in doubt for doubt in m.name_doubts)
    shapeless = "P<UTO<ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<"  # starts with a filler
    assert not mrz.repair(mrz.TD3, (shapeless, GOLDEN[1]), alternatives={}).name_certain
