"""Two look-alike swaps in one field whose contributions to the check digit cancel ("C0B4" read "COBQ":
O for 0 at weight 1 and Q for 4 at weight 3 add 24 + 66 = 90) pass every check digit, the composite's
included (it weighs the document number as the number's own check digit does). Such a reading is
never "valid" on the check digits alone: the printed number settles it, or a finding says what is
uncertain."""

from documents.checks import mrz, mrz_cells, mrz_image, viz
from documents.checks.pipeline import mrz_findings
from documents.testing.mrz_lines import build_td3

TRUTH = build_td3(surname="ERIKSSON", given_names="ANNA MARIA", number="AC0B4DE12", nationality="UTO",
                      birth="740812", sex="F", expiry="320415")
SWAPPED = (TRUTH[0], TRUTH[1][:2] + "O" + TRUTH[1][3] + "Q" + TRUTH[1][5:])
PRINTED = "Name / Surname\nERIKSSON\nVornamen / Given names\nANNA MARIA\nPass-Nr. / Passport No.\n{number}"


def _scores(lines, near: dict) -> dict:
    """Every cell read clearly as in ``lines``; ``near``: cells with a rival this close to the best."""
    scored = {}
    for n, line in enumerate(lines):
        for i, char in enumerate(line):
            allowed = mrz_cells.ALLOWED[mrz.TD3.templates[n][i]]
            scored[(n, i)] = dict.fromkeys(allowed, 0.3) | {char: 0.95}
    for cell, (rival, score) in near.items():
        scored[cell][rival] = score
    return scored


CLOSE = 0.95 - mrz_cells.PAIR_MARGIN / 2 + 0.01  # two such rivals give up less than the margin together
CLEAR = 0.95 - mrz_cells.PAIR_MARGIN / 2 - 0.01  # two such give up more


def _alternatives(near: dict) -> dict:
    alternatives: dict = {}
    mrz_cells._cancelling_pairs(mrz.TD3, _scores(SWAPPED, near), [list(x) for x in SWAPPED], alternatives)
    return alternatives


def test_the_swapped_number_passes_every_check_digit():
    assert all(mrz.parse(TRUTH).checks.values())
    assert all(mrz.parse(SWAPPED).checks.values()) and SWAPPED != TRUTH


def test_two_close_rivals_that_cancel_leave_both_cells_doubtful():
    alternatives = _alternatives({(1, 2): ("0", CLOSE), (1, 4): ("4", CLOSE)})
    assert alternatives == {(1, 2): "O0", (1, 4): "Q4"}
    found = mrz.read(list(SWAPPED), alternatives=alternatives)
    assert not found.valid and found.uncertain_fields == ["document_number"]
    assert [f.code for f in mrz_findings(found)] == ["mrz_characters_uncertain"]


def test_the_printed_number_settles_the_pair():
    found = mrz.read(list(SWAPPED), alternatives=_alternatives({(1, 2): ("0", CLOSE), (1, 4): ("4", CLOSE)}))
    settled = viz.settle_fields(found, PRINTED.format(number="AC0B4DE12"))
    assert settled is not None and settled.valid and settled.lines == TRUTH
    assert viz.settle_fields(found, PRINTED.format(number="")) is None  # the number covered: stays uncertain


def test_the_printed_number_settles_the_pair_though_its_ocr_reads_o_for_zero():
    """The page's OCR reads words: "ACOB4DE12" for AC0B4DE12. It cannot tell O from 0, but the 4
    it reads tells the pair apart."""
    found = mrz.read(list(SWAPPED), alternatives=_alternatives({(1, 2): ("0", CLOSE), (1, 4): ("4", CLOSE)}))
    settled = viz.settle_fields(found, PRINTED.format(number="ACOB4DE12"))
    assert settled is not None and settled.valid and settled.lines == TRUTH
    # Printed as the swapped reading ("COBQ"), the page settles on that one: the page is the witness.
    wrong_print = viz.settle_fields(found, PRINTED.format(number="ACOBQDE12"))
    assert wrong_print is not None and wrong_print.lines == SWAPPED


def test_an_o_zero_doubt_alone_is_never_settled_by_the_page():
    """Two readings that differ only by O and 0 both agree with whatever the page's OCR made of it."""
    assert viz.number_printed("AC0B4DE12", {2}, {"ACOB4DE12"})
    assert viz.number_printed("ACOB4DE12", {2}, {"AC0B4DE12"})
    assert not viz.number_printed("AC0B4DE12", {2, 4}, {"ACOBQDE12"})  # the Q still tells
    # A round character of the page chooses among no round readings (D read as 0 happens): a D/O doubt
    # agrees with both readings and stays unsettled; a letter that is not round still chooses.
    assert viz.number_printed("ACDB4DE12", {2}, {"AC0B4DE12"})
    assert viz.number_printed("ACOB4DE12", {2}, {"AC0B4DE12"})
    assert viz.number_printed("ACSB4DE12", {2}, {"ACSB4DE12"})
    assert not viz.number_printed("AC8B4DE12", {2}, {"ACSB4DE12"})


def test_a_twin_adds_to_the_doubts_a_pair_left_in_its_cell():
    """A cell doubtful as part of a cancelling pair and with a close twin keeps both doubts."""
    scored = _scores(SWAPPED, {(1, 2): ("0", CLOSE), (1, 4): ("4", CLOSE)})
    lines = [list(x) for x in SWAPPED]
    alternatives: dict = {}
    mrz_cells._cancelling_pairs(mrz.TD3, scored, lines, alternatives)
    assert alternatives[(1, 4)] == "Q4"
    scored[(1, 4)]["G"] = 0.95 - mrz_cells.TWIN_CLOSE / 2  # G (16) is Q's (26) twin, read nearly as well
    mrz_cells._add_twins(mrz.TD3, scored, lines, {(1, 2), (1, 4)}, alternatives)
    assert alternatives[(1, 4)] == "Q4G" and alternatives[(1, 2)] == "O0"


def test_a_pair_read_clearly_enough_is_no_doubt():
    assert _alternatives({(1, 2): ("0", CLEAR), (1, 4): ("4", CLEAR)}) == {}
    assert _alternatives({(1, 2): ("0", 0.95), (1, 4): ("4", 0.95 - mrz_cells.PAIR_MARGIN - 0.01)}) == {}
    assert _alternatives({(1, 2): ("0", CLOSE)}) == {}  # one close rival alone cannot pass the check


def test_a_tie_and_a_rival_within_the_margin_make_a_pair():
    # The zone's own print made 4 as likely as Q (a tie); O is 0.08 behind 0: together within the margin.
    alternatives = _alternatives({(1, 2): ("0", 0.95 - mrz_cells.PAIR_MARGIN + 0.01), (1, 4): ("4", 0.95)})
    assert alternatives == {(1, 2): "O0", (1, 4): "Q4"}


def test_rivals_that_do_not_cancel_are_no_doubt():
    # 0 for O alone, and D for Q: the check digit tells them apart.
    assert _alternatives({(1, 2): ("0", CLOSE), (1, 4): ("D", CLOSE)}) == {}


def test_pairs_are_tried_before_the_bound_on_candidates_cuts_the_rest():
    # Many uncertain cells in the number: the cancelling pair is found however many combinations there are.
    many = {(1, i): "".join(dict.fromkeys(SWAPPED[1][i] + "X7Z")) for i in (0, 1, 5, 6, 7, 8, 9)}
    alternatives = many | {(1, 2): "O0", (1, 4): "Q4"}
    doubts = dict(mrz.field_doubts(mrz.TD3, SWAPPED, alternatives))
    assert "0" in doubts[(1, 2)] and "4" in doubts[(1, 4)]


def test_a_classifier_reading_whose_only_flaw_is_such_doubts_is_left_to_the_printed_page():
    found = mrz.read(list(SWAPPED), alternatives={(1, 2): "O0", (1, 4): "Q4"})
    result = mrz_image.MrzRead(mrz=found, text="\n".join(SWAPPED))
    assert mrz_image._only_field_doubts(result, "\n".join(SWAPPED))
    assert not mrz_image._only_field_doubts(result, "\n".join(TRUTH))  # another band's reading
    wrong_digit = mrz.read([SWAPPED[0], SWAPPED[1][:9] + "0" + SWAPPED[1][10:]], alternatives={(1, 2): "O0"})
    result = mrz_image.MrzRead(mrz=wrong_digit, text="x")
    assert not mrz_image._only_field_doubts(result, "x")  # a check digit fails: other readers may help


def test_a_b_or_an_8_of_the_page_chooses_neither():
    """Among digits the page's OCR reads a printed B as 8: "B5125D25" read "85125025". Read "85125O25"
    (8 for B at weight 7, O for D at weight 1: -21 + 11), the zone passes every check digit; the page's
    8 must not settle the pair on the wrong reading."""
    truth = build_td3(surname="SHEVCHENKO", given_names="TARAS", number="B5125D25", nationality="UKR",
                      birth="650620", sex="M", expiry="320613")
    misread = (truth[0], "85125O25" + truth[1][8:])
    assert all(mrz.parse(misread).checks.values())
    found = mrz.read(list(misread), alternatives={(1, 0): "8B", (1, 5): "OD"})
    assert viz.settle_fields(found, PRINTED.format(number="85125025")) is None
    assert viz.number_printed("B5125D25", {0, 5}, {"85125025"})
    assert viz.number_printed("85125O25", {0, 5}, {"B5125D25"})
    assert not viz.number_printed("85125O25", {0, 5}, {"S5125D25"})  # an S is no 8
