"""Scanned contracts: read more than once, a figure counts only when two readings agree."""

import io
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from PIL import Image, ImageDraw

from documents.checks import contract_fields, extract, ocr, pipeline
from documents.checks import image as im
from documents.checks.pipeline import inspect_bytes
from documents.testing.contracts_scans import CONDITIONS, make_contracts_dev_scans

from .conftest import needs_tesseract

CONTRACT = "employment_contract"
MONTHLY = ("Arbeitsvertrag zwischen Arbeitgeber und Arbeitnehmer.\n"
           "Der Arbeitnehmer erhält ein monatliches Bruttogehalt von {amount} EUR.\n"
           "Die Arbeitszeit beträgt 40 Stunden pro Woche. Das Arbeitsverhältnis beginnt am 01.04.2027.")


def reading(amount: str = "4.000,00") -> extract.Extracted:
    return extract.extract_contract(MONTHLY.format(amount=amount))


def test_two_readings_that_agree_give_the_figures():
    agreed = extract.agree_contract([reading(), reading()])
    assert agreed.extracted.fields["annual_gross_salary"] == Decimal("48000.00")
    assert agreed.extracted.fields["weekly_hours"] == Decimal("40")
    assert agreed.extracted.fields["start_date"] == date(2027, 4, 1)
    assert agreed.extracted.evidence["annual_gross_salary"]
    assert not agreed.unconfirmed


def test_a_misread_digit_in_one_reading_leaves_the_salary_open():
    agreed = extract.agree_contract([reading("4.000,00"), reading("4.000,90"), reading("4.000,00")])
    assert "annual_gross_salary" not in agreed.extracted.fields
    assert "salary_amount" not in agreed.extracted.fields
    assert agreed.extracted.fields["weekly_hours"] == Decimal("40")  # the other fields still agree


def test_one_reading_alone_is_unconfirmed():
    garbled = extract.extract_contract("Arbeitsvertrag ~~ ;; 4O0O,OO")
    agreed = extract.agree_contract([reading(), garbled])
    assert agreed.extracted.fields == {}
    assert agreed.unconfirmed == {"annual_gross_salary", "weekly_hours", "start_date"}


def test_a_reading_that_sees_a_doubt_outweighs_two_that_do_not():
    doubt = extract.extract_contract("Während der Probezeit beträgt das monatliche Bruttogehalt 4.000,00 EUR, "
                                     "danach 4.400,00 EUR.")
    assert "annual_gross_salary" in doubt.declined
    agreed = extract.agree_contract([reading(), reading(), doubt])
    assert "annual_gross_salary" not in agreed.extracted.fields
    assert "annual_gross_salary" not in agreed.unconfirmed


def test_on_an_unsteady_page_every_reading_must_find_the_figure():
    extra = "\nZusätzlich wird ein Fahrtkostenzuschuss von {} EUR monatlich gewährt."
    steady, unsteady = MONTHLY.format(amount="4.000,00") + extra.format("50,00"), \
        MONTHLY.format(amount="4.000,00") + extra.format("58,88")
    cut_off = extract.extract_contract("Arbeitsvertrag. Fahrtkostenzuschuss von 50,00 EUR monatlich.")
    as_steady = [extract.extract_contract(t) for t in (steady, steady)]
    assert extract.agree_contract(as_steady).extracted.fields["annual_gross_salary"] == Decimal("48000.00")
    two = [extract.extract_contract(t) for t in (steady, unsteady)]
    assert extract.agree_contract(two).extracted.fields["annual_gross_salary"] == Decimal("48000.00")
    agreed = extract.agree_contract(two + [cut_off])  # a third reading with amounts but no salary
    assert "annual_gross_salary" not in agreed.extracted.fields
    assert "annual_gross_salary" in agreed.unconfirmed


# The witnesses of a page lit unevenly (``pipeline._witnesses``): as scanned under the local threshold and
# with its light evened are one, the third reading (evened and thresholded half way) another.
ALIKE = [pipeline.VIEW_EVENED, pipeline.VIEW_EVENED, pipeline.VIEW_EVENED_THRESHOLD]


def test_two_readings_that_saw_the_page_alike_are_one_witness():
    misread = reading("2.908,00")
    alone = extract.agree_contract([misread, misread], witnesses=ALIKE[:2])
    assert "annual_gross_salary" not in alone.extracted.fields
    assert "annual_gross_salary" in alone.unconfirmed  # a third reading is asked for
    third_against = extract.agree_contract([misread, misread, reading("2.900,80")], witnesses=ALIKE)
    assert "annual_gross_salary" not in third_against.extracted.fields
    third_lost = extract.agree_contract([misread, misread, extract.extract_contract("Arbeitsvertrag ~~")],
                                        witnesses=ALIKE)
    assert "annual_gross_salary" not in third_lost.extracted.fields
    confirmed = extract.agree_contract([reading(), reading(), reading()], witnesses=ALIKE)
    assert confirmed.extracted.fields["annual_gross_salary"] == Decimal("48000.00")
    assert extract.agree_contract([misread, misread]).extracted.fields["annual_gross_salary"] == Decimal("34896.00")


def test_a_reading_that_lost_lines_does_not_make_the_page_unsteady():
    # The first reading of a page dark at one side keeps only the amounts it could see, read the same as
    # the others: two readings that found the salary confirm it.
    lost = extract.extract_contract("Arbeitsvertrag ... 4.000,00 EUR ...")
    assert lost.amounts and "annual_gross_salary" not in lost.fields
    full = extract.extract_contract(MONTHLY.format(amount="4.000,00") + "\nZuschuss: 50,00 EUR monatlich.")
    assert len(full.amounts) == 2
    agreed = extract.agree_contract([lost, full, full])
    assert agreed.extracted.fields["annual_gross_salary"] == Decimal("48000.00")
    assert not agreed.unconfirmed


@pytest.mark.parametrize("lost_text, others", [
    # its one amount is read differently
    ("Arbeitsvertrag ... 4.000,80 EUR ...", MONTHLY.format(amount="4.000,00")),
    # it and the others each have an amount the other has not (58 for 50)
    ("Arbeitsvertrag ... 4.000,00 EUR ... Zuschuss 58,00 EUR",
     MONTHLY.format(amount="4.000,00") + "\nZusätzlich ein Fahrtkostenzuschuss von 50,00 EUR monatlich."),
])
def test_a_reading_with_an_amount_of_its_own_still_makes_the_page_unsteady(lost_text, others):
    lost = extract.extract_contract(lost_text)
    assert "annual_gross_salary" not in lost.fields
    agreed = extract.agree_contract([lost, extract.extract_contract(others), extract.extract_contract(others)])
    assert "annual_gross_salary" not in agreed.extracted.fields
    assert "annual_gross_salary" in agreed.unconfirmed


def test_a_lost_reading_does_not_outvote_a_disagreement():
    lost = extract.extract_contract("Arbeitsvertrag ... 4.000,00 EUR ...")
    agreed = extract.agree_contract([lost, reading("4.000,00"), reading("4.000,90")])
    assert "annual_gross_salary" not in agreed.extracted.fields
    assert "annual_gross_salary" not in agreed.unconfirmed  # two values: no reading can settle it


def test_a_reading_that_lost_the_period_does_not_outweigh_two_that_read_it():
    lost = extract.extract_contract("We are pleased to offer you a gross\n\nof 4.000,00 EUR.")
    assert "annual_gross_salary" not in lost.fields and not lost.declined
    agreed = extract.agree_contract([lost, reading(), reading()])
    assert agreed.extracted.fields["annual_gross_salary"] == Decimal("48000.00")


INSTALMENTS = ("Das Jahresbruttogehalt von 68.400,00 Euro wird in zwölf {parts} zu je\n5.700,00 Euro ausgezahlt.\n"
               "Zum Deutschlandticket gibt der Arbeitgeber einen Zuschuss in Höhe von € 49,00.")


def test_a_reading_that_lost_the_word_fitting_the_figures_together_does_not_veto():
    # The instalments' word garbled: the monthly figure takes the annual period of the one before it, and
    # the two no longer fit. The other readings read that word, and every reading read the same amounts.
    garbled = extract.extract_contract(INSTALMENTS.format(parts="ee se"))
    assert "annual_gross_salary" in garbled.declined and "annual_gross_salary" in garbled.unfitted
    clean = extract.extract_contract(INSTALMENTS.format(parts="Monatsbeträgen"))
    agreed = extract.agree_contract([garbled, clean, clean])
    assert agreed.extracted.fields["annual_gross_salary"] == Decimal("68400.00")


# The same clause with its annual figure lost: the salary from the instalments alone, one figure.
INSTALMENTS_ONLY = "Das Gehalt wird in zwölf Monatsbeträgen zu je\n5.700,00 Euro ausgezahlt."


def test_an_unfitting_reading_with_other_amounts_or_against_one_reading_still_vetoes():
    garbled = extract.extract_contract(INSTALMENTS.format(parts="ee se"))
    clean = extract.extract_contract(INSTALMENTS_ONLY)
    other_amounts = extract.extract_contract(INSTALMENTS_ONLY + " Bonus: 500,00 €.")
    assert other_amounts.fields["annual_gross_salary"] == Decimal("68400.00")
    assert not clean.self_checked and not other_amounts.self_checked
    for readings in ([garbled, clean, other_amounts], [garbled, clean]):
        assert "annual_gross_salary" not in extract.agree_contract(readings).extracted.fields


def test_an_annual_figure_and_its_instalments_that_fit_are_their_own_second_witness():
    # Two figures read apart that fit together (68,400 = 12 × 5,700): a misread digit in either breaks the
    # fit, as it breaks a check digit. Seen on a scan lit unevenly: the first two readings (one witness, as
    # they saw the page alike) read 39.600,00 and 3.300,00; the third read 39.600,08 and 3.300,90.
    clean = extract.extract_contract(INSTALMENTS.format(parts="Monatsbeträgen"))
    assert clean.self_checked == {"annual_gross_salary"}
    misread = extract.extract_contract(INSTALMENTS.format(parts="Monatsbeträgen").replace("5.700,00", "5.700,90")
                                       .replace("68.400,00", "68.400,08"))
    assert "annual_gross_salary" in misread.unfitted
    for readings, witnesses in (([clean, clean, misread], ALIKE), ([clean, misread], None),
                                ([clean, clean], ALIKE[:2])):
        agreed = extract.agree_contract(readings, witnesses=witnesses)
        assert agreed.extracted.fields["annual_gross_salary"] == Decimal("68400.00")
        assert not agreed.unconfirmed
    # A reading with amounts but without the salary does not make such a figure unconfirmed either.
    cut_off = extract.extract_contract("Arbeitsvertrag. Fahrtkostenzuschuss von 50,00 EUR monatlich.")
    agreed = extract.agree_contract([clean, cut_off])
    assert agreed.extracted.fields["annual_gross_salary"] == Decimal("68400.00")


def test_a_self_checked_figure_still_yields_to_another_value_or_a_doubt():
    clean = extract.extract_contract(INSTALMENTS.format(parts="Monatsbeträgen"))
    other_value = extract.extract_contract(INSTALMENTS.format(parts="Monatsbeträgen").replace("5.700,00", "5.800,00")
                                           .replace("68.400,00", "69.600,00"))
    assert other_value.self_checked and other_value.fields["annual_gross_salary"] == Decimal("69600.00")
    doubt = extract.extract_contract(INSTALMENTS.format(parts="Monatsbeträgen nach der Probezeit"))
    single_other = extract.extract_contract(INSTALMENTS_ONLY.replace("5.700,00", "5.708,00"))
    for against in (other_value, doubt, single_other):
        agreed = extract.agree_contract([clean, clean, against])
        assert "annual_gross_salary" not in agreed.extracted.fields


def test_a_doubt_vetoes_even_with_the_same_amounts():
    doubt = extract.extract_contract(INSTALMENTS.format(parts="Monatsbeträgen nach der Probezeit"))
    assert "annual_gross_salary" in doubt.declined and "annual_gross_salary" not in doubt.unfitted
    clean = extract.extract_contract(INSTALMENTS.format(parts="Monatsbeträgen"))
    assert "annual_gross_salary" not in extract.agree_contract([doubt, clean, clean]).extracted.fields


@pytest.mark.parametrize("readings", [[], [extract.Extracted()], [extract.Extracted(), extract.Extracted()]])
def test_no_readings_or_empty_ones_give_nothing(readings):
    agreed = extract.agree_contract(readings)
    assert agreed.extracted.fields == {} and not agreed.unconfirmed


@pytest.mark.parametrize("text, names_salary", [
    ("Der Arbeitnehmer erhält ein monatliches Bruttogehalt von 4.000,00 EUR.", True),
    ("Während der Probezeit beträgt das Gehalt 4.000 € im Monat, danach 4.400 €.", True),
    ("The Employee is paid an hourly wage of EUR 25.50 gross.", True),
    ("Urlaubsgeld: 500,00 € jährlich", False),
    # the figure without its period: the words the OCR lost say nothing against the other readings
    ("We are pleased to offer you a gross\n\nof 6,850.00 EUR.", False),
    ("Die Bruttovergütung beträgt 4.000,00 EUR.", False),
    ("Die Bruttovergütung beträgt bis zu 4.000,00 EUR.", True),  # a ceiling is an answer
    ("", False),
    ("\x00\ufffd€€€ ,,, 4O0O", False),
])
def test_the_salary_verdict_says_whether_the_text_names_a_base_salary(text, names_salary):
    verdict = contract_fields.salary_verdict(text)
    assert verdict.named is names_salary
    assert (verdict.salary is not None) == (text.startswith("Der Arbeitnehmer"))


def test_uneven_light_is_evened_out():
    rng = np.random.default_rng(7)
    shade = np.linspace(90, 240, 400)[None, :].repeat(300, axis=0)
    page = shade.copy()
    page[100:110, 20:380] = shade[100:110, 20:380] * 0.2  # a dark stroke across both sides
    page = (page + rng.normal(0, 2, page.shape)).clip(0, 255).astype(np.uint8)
    flat = im.flatten_background(page)
    paper = np.concatenate([flat[:80].ravel(), flat[130:].ravel()])
    assert paper.min() > 200  # the dark side's paper is paper again
    assert flat[103:107, 30:60].max() < 100 and flat[103:107, 340:370].max() < 100  # the stroke stays dark


@pytest.mark.parametrize("shape", [(0, 0), (1, 1), (3, 500), (40, 40)])
@pytest.mark.parametrize("variant", pipeline.SCAN_VARIANTS)
def test_odd_sizes_never_raise(shape, variant):
    assert variant(np.zeros(shape, np.uint8)).shape == shape


def test_the_threshold_keeps_ink_and_paper_apart():
    page = np.full((200, 200), 180, np.uint8)  # grey paper
    page[90:100, 20:180] = 60
    out = im.evened_threshold(page)
    assert set(np.unique(out)) == {0, 255}
    assert out[95, 100] == 0 and out[20, 20] == 255


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (600, 800), 240).save(buf, "JPEG")
    return buf.getvalue()


def _fake_ocr(monkeypatch, texts):
    calls = []

    def recognise(image, **kwargs):
        calls.append(image)
        return ocr.OcrText(text=texts[min(len(calls), len(texts)) - 1])

    monkeypatch.setattr(pipeline.ocr, "recognise", recognise)
    return calls


def test_a_scanned_contract_is_read_twice_and_agreeing_figures_count(monkeypatch):
    calls = _fake_ocr(monkeypatch, [MONTHLY.format(amount="4.000,00")] * 3)
    result = inspect_bytes(_jpeg(), "contract.jpg", context={"expected_document_type": CONTRACT})
    assert len(calls) == 2
    assert result.fields["annual_gross_salary"] == Decimal("48000.00")
    assert "salary_not_found" not in [f.code for f in result.findings]


def test_readings_that_disagree_give_no_salary(monkeypatch):
    calls = _fake_ocr(monkeypatch, [MONTHLY.format(amount=a) for a in ("4.000,00", "4.080,00", "4.000,00")])
    result = inspect_bytes(_jpeg(), "contract.jpg", context={"expected_document_type": CONTRACT})
    assert len(calls) == 2  # a conflict is not outvoted: no third reading
    assert "annual_gross_salary" not in result.fields
    assert "salary_not_found" in [f.code for f in result.findings]
    assert result.fields["weekly_hours"] == Decimal("40")


def test_a_third_reading_confirms_what_one_reading_found(monkeypatch):
    calls = _fake_ocr(monkeypatch, ["Arbeitsvertrag ~~ unreadable", MONTHLY.format(amount="4.000,00"),
                                    MONTHLY.format(amount="4.000,00")])
    result = inspect_bytes(_jpeg(), "contract.jpg", context={"expected_document_type": CONTRACT})
    assert len(calls) == 3
    assert result.document_type == CONTRACT  # the second reading is the one classified
    assert result.fields["annual_gross_salary"] == Decimal("48000.00")


def _jpeg_lit_unevenly() -> bytes:
    shade = np.linspace(70, 245, 600)[None, :].repeat(800, axis=0).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(shade).save(buf, "JPEG")
    return buf.getvalue()


def test_a_page_lit_unevenly_needs_a_third_reading_to_confirm_its_first_two(monkeypatch):
    assert im.lit_unevenly(im.load(_jpeg_lit_unevenly()))
    calls = _fake_ocr(monkeypatch, [MONTHLY.format(amount=a) for a in ("2.908,00", "2.908,00", "2.900,80")])
    result = inspect_bytes(_jpeg_lit_unevenly(), "contract.jpg", context={"expected_document_type": CONTRACT})
    assert len(calls) == 3
    assert "annual_gross_salary" not in result.fields  # never the 2,908 both evened readings misread
    assert "salary_not_found" in [f.code for f in result.findings]
    calls = _fake_ocr(monkeypatch, [MONTHLY.format(amount="4.000,00")] * 3)
    result = inspect_bytes(_jpeg_lit_unevenly(), "contract.jpg", context={"expected_document_type": CONTRACT})
    assert len(calls) == 3 and result.fields["annual_gross_salary"] == Decimal("48000.00")


def test_a_start_decades_ahead_is_a_misread_year_and_not_found(monkeypatch):
    misread = MONTHLY.replace("01.04.2027", "01.04.2077").format(amount="4.000,00")
    _fake_ocr(monkeypatch, [misread] * 3)
    result = inspect_bytes(_jpeg(), "contract.jpg",
                           context={"expected_document_type": CONTRACT, "today": "2026-12-07"})
    assert "start_date" not in result.fields
    assert "start_date_not_found" in [f.code for f in result.findings]
    assert result.fields["annual_gross_salary"] == Decimal("48000.00")
    _fake_ocr(monkeypatch, [MONTHLY.replace("01.04.2027", "01.04.2031").format(amount="4.000,00")] * 3)
    result = inspect_bytes(_jpeg(), "contract.jpg",
                           context={"expected_document_type": CONTRACT, "today": "2026-12-07"})
    assert result.fields["start_date"] == date(2031, 4, 1)  # five years ahead may still be a start


def test_no_time_left_for_a_second_reading_means_no_figure(monkeypatch):
    _fake_ocr(monkeypatch, [MONTHLY.format(amount="4.000,00")])
    monkeypatch.setattr(pipeline, "MIN_REREAD_SECONDS", 1e9)
    result = inspect_bytes(_jpeg(), "contract.jpg", context={"expected_document_type": CONTRACT})
    assert result.document_type == CONTRACT
    assert "annual_gross_salary" not in result.fields
    assert not any(f.code == "ocr_failed" for f in result.findings)  # the page was read once: not lost


def test_a_failing_second_reading_is_no_finding(monkeypatch):
    texts = iter([ocr.OcrText(text=MONTHLY.format(amount="4.000,00"))])
    monkeypatch.setattr(pipeline.ocr, "recognise", lambda image, **kwargs: next(
        texts, ocr.OcrText(findings=[ocr.finding("ocr_failed", found="timeout", confidence=0.0)])))
    result = inspect_bytes(_jpeg(), "contract.jpg", context={"expected_document_type": CONTRACT})
    assert "annual_gross_salary" not in result.fields
    assert not any(f.code == "ocr_failed" for f in result.findings)


def test_other_scans_are_read_once(monkeypatch):
    calls = _fake_ocr(monkeypatch, ["Bachelor of Science, Universität Heidelberg, verliehen am 01.07.2020"])
    result = inspect_bytes(_jpeg(), "degree.jpg", context={"expected_document_type": "degree"})
    assert len(calls) == 1 and result.document_type != CONTRACT


def test_a_text_pdf_contract_is_not_read_twice(monkeypatch):
    from documents.testing.documents import text_pdf
    calls = _fake_ocr(monkeypatch, [""])
    result = inspect_bytes(text_pdf([MONTHLY.format(amount="4.000,00").splitlines()]), "contract.pdf",
                           context={"expected_document_type": CONTRACT})
    assert not calls and result.fields["annual_gross_salary"] == Decimal("48000.00")


def test_the_harder_scans_use_the_development_fonts_only():
    from documents.testing.contracts import scan_fonts
    contracts = make_contracts_dev_scans(12)
    assert all(c.scan and set(c.conditions) <= set(CONDITIONS) and 2 <= len(c.conditions) <= 3 for c in contracts)
    assert not {c.scan_font for c in contracts} & set(scan_fonts("heldout"))


@needs_tesseract
def test_a_scan_in_uneven_light_reads_as_a_contract():
    contract = next(c for c in make_contracts_dev_scans(24) if "uneven_light" in c.conditions and c.annual)
    data, name = contract.file(seed=3)
    result = inspect_bytes(data, name, context={"expected_document_type": CONTRACT})
    assert result.document_type == CONTRACT
    assert result.fields.get("annual_gross_salary") in (None, contract.annual)  # never a wrong figure


def _ruled_page(*, rules: bool = True, size: int = 30) -> np.ndarray:
    """A page with one "Label: value" row drawn as a ruled table cell, and a line of text below it."""
    from documents.testing.passports import font
    page = Image.new("L", (1400, 500), 238)
    draw = ImageDraw.Draw(page)
    face = font("sans", size)
    if rules:
        draw.rectangle((92, 94, 1300, 160), outline=40, width=2)
        draw.line((690, 94, 690, 160), fill=60, width=2)
    draw.text((100, 110), "Monthly base salary", font=face, fill=30)
    draw.text((700, 110), "€ 4,100.00 gross", font=face, fill=30)
    draw.text((100, 260), "The Employee works 40 hours a week (Monday to Friday).", font=face, fill=30)
    return np.asarray(page)


def test_a_tables_rules_are_painted_over_and_its_letters_kept():
    page = _ruled_page()
    out = im.remove_rules(page)
    assert out[94:161, 688:693].min() > 200  # the vertical rule beside the figure
    assert out[93:97, 300:600].min() > 200 and out[158:162, 300:600].min() > 200  # the horizontal ones
    text = _ruled_page(rules=False)
    letters = (text < 128) & (page < 128)
    assert ((out < 128) & letters).sum() >= 0.97 * letters.sum()  # the letters are still there


def test_a_page_without_rules_is_left_as_it_is():
    page = _ruled_page(rules=False)
    assert np.array_equal(im.remove_rules(page), page)


def test_a_dark_area_is_no_rule():
    page = _ruled_page(rules=False).copy()
    page[300:500, 0:700] = 0  # a side a fax turned black
    assert np.array_equal(im.remove_rules(page), page)


@pytest.mark.parametrize("shape", [(0, 0), (1, 1), (2, 900), (3, 500), (40, 40), (900, 2)])
def test_removing_rules_never_raises_on_odd_sizes(shape):
    for page in (np.zeros(shape, np.uint8), np.full(shape, 255, np.uint8)):
        assert im.remove_rules(page).shape == shape


@needs_tesseract
def test_a_figure_in_a_ruled_table_stays_readable_without_its_rules():
    page = _ruled_page()
    read = ocr.recognise(im.remove_rules(page), psm=3)
    found = contract_fields.amounts(contract_fields.plain(read.text))
    assert [a.value for a in found] == [Decimal("4100.00")]


def test_a_scans_pages_are_read_without_their_rules(monkeypatch):
    calls = _fake_ocr(monkeypatch, [MONTHLY.format(amount="4.000,00")] * 3)
    buf = io.BytesIO()
    Image.fromarray(_ruled_page()).save(buf, "PNG")
    inspect_bytes(buf.getvalue(), "contract.png", context={"expected_document_type": CONTRACT})
    assert calls and all(image[94:161, 688:693].min() > 200 for image in calls)


_WORDS = ("Die monatliche Bruttovergütung beträgt 4.000,00 Euro und wird am Monatsende gezahlt. Der "
          "Arbeitnehmer arbeitet 40 Stunden pro Woche. Das Arbeitsverhältnis beginnt am 01.04.2027.").split()


def _text_page(columns: int, gutter: int = 60) -> np.ndarray:
    """A page of wrapped sentences set in one column or in two, as a typesetter does it."""
    from documents.testing.passports import font
    page = Image.new("L", (1654, 1200), 240)
    draw = ImageDraw.Draw(page)
    face = font("sans", 28)
    width = (1654 - 240 - gutter * (columns - 1)) // columns
    for column in range(columns):
        x, y, row = 120 + column * (width + gutter), 120, ""
        for word in _WORDS * 3:
            if draw.textlength(f"{row} {word}", font=face) > width:
                draw.text((x, y), row, font=face, fill=30)
                y, row = y + 40, word
            else:
                row = f"{row} {word}".strip()
        draw.text((x, y), row, font=face, fill=30)
    return np.asarray(page)


def test_a_page_in_two_columns_is_cut_in_its_gutter():
    page = _text_page(2)
    left, right = im.columns(page)
    assert left.shape[0] == right.shape[0] == page.shape[0]
    assert 120 + 677 <= left.shape[1] <= 120 + 677 + 60  # the cut lies in the gutter
    assert np.array_equal(np.hstack([left, right]), page)


@pytest.mark.parametrize("page", [
    _text_page(1),  # one column of full lines
    _text_page(1)[:, :700],  # only short lines at the left: no second column
    np.asarray(Image.new("L", (1654, 1200), 240)),  # no text at all
], ids=["one_column", "short_lines", "blank"])
def test_a_page_in_one_column_is_left_whole(page):
    parts = im.columns(page)
    assert len(parts) == 1 and parts[0] is page


def test_a_page_with_a_sentence_across_its_middle_is_one_column():
    page = _text_page(2).copy()
    from documents.testing.passports import font
    draw_on = Image.fromarray(page)
    ImageDraw.Draw(draw_on).text((120, 1000), " ".join(_WORDS[:14]), font=font("sans", 28), fill=30)
    assert len(im.columns(np.asarray(draw_on))) == 1


@pytest.mark.parametrize("shape", [(0, 0), (1, 1), (49, 2000), (2000, 49), (60, 60)])
def test_columns_never_raise_on_odd_sizes(shape):
    for page in (np.zeros(shape, np.uint8), np.full(shape, 255, np.uint8)):
        parts = im.columns(page)
        assert sum(p.shape[1] for p in parts) == shape[1]


def _ruled_two_columns() -> np.ndarray:
    """A page in two columns with a table's rules drawn in its left column."""
    page = _text_page(2).copy()
    page[600:603, 110:800] = 40  # horizontal rules
    page[700:703, 110:800] = 40
    page[600:703, 450:453] = 60  # a vertical one
    return page


@pytest.mark.parametrize("page", [
    _ruled_two_columns(), _text_page(2), _text_page(1), _ruled_page(), _ruled_page(rules=False),
    np.asarray(Image.new("L", (1654, 1200), 240)), np.zeros((300, 300), np.uint8),
], ids=["ruled_two_columns", "two_columns", "one_column", "ruled_table", "plain", "blank", "black"])
def test_rules_and_columns_measured_once_cut_the_page_as_the_two_steps_do(page):
    expected = im.columns(im.remove_rules(page))
    got = im.rules_and_columns(page)
    assert len(got) == len(expected)
    assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))


@pytest.mark.parametrize("shape", [(0, 0), (1, 1), (2, 900), (49, 2000), (2000, 49), (60, 60)])
def test_rules_and_columns_never_raise_on_odd_sizes(shape):
    for page in (np.zeros(shape, np.uint8), np.full(shape, 255, np.uint8)):
        parts = im.rules_and_columns(page)
        assert sum(p.shape[1] for p in parts) == shape[1] and all(p.shape[0] == shape[0] for p in parts)


def test_a_two_column_scan_is_read_column_by_column(monkeypatch):
    calls = _fake_ocr(monkeypatch, [MONTHLY.format(amount="4.000,00")] * 6)
    buf = io.BytesIO()
    Image.fromarray(_text_page(2)).save(buf, "PNG")
    result = inspect_bytes(buf.getvalue(), "contract.png", context={"expected_document_type": CONTRACT})
    assert [image.shape[1] < 1000 for image in calls] == [True] * 4  # two readings of two columns each
    assert result.fields["annual_gross_salary"] == Decimal("48000.00")


@pytest.mark.parametrize("density", [0.01, 0.05])
def test_specks_of_noise_do_not_turn_letters_into_rules(density):
    page = _text_page(1).copy()
    rng = np.random.default_rng(3)
    ys = rng.integers(0, page.shape[0] - 2, int(page.size * density / 4))
    xs = rng.integers(0, page.shape[1] - 2, ys.size)
    for dy in (0, 1):
        for dx in (0, 1):
            page[ys + dy, xs + dx] = 0
    letters = _text_page(1) < 128
    assert ((im.remove_rules(page) < 128) & letters).sum() >= 0.99 * letters.sum()
    assert len(im.columns(page)) == 1


def _lit(page: np.ndarray, darkest: float) -> np.ndarray:
    """The page under light falling off to ``darkest`` at its left side."""
    ramp = np.linspace(darkest, 1.0, page.shape[1])[None, :]
    return (page.astype(np.float32) * ramp).clip(0, 255).astype(np.uint8)


def test_the_second_look_evens_a_page_lit_unevenly():
    page = _lit(_text_page(1), 0.55)
    assert im.lit_unevenly(page)
    assert np.array_equal(im.evened_or_smoothed(page), im.flatten_background(page))


def test_the_second_look_smooths_a_page_lit_evenly_without_evening_it():
    page = _text_page(1)
    assert not im.lit_unevenly(page)
    out = im.evened_or_smoothed(page)
    assert not np.array_equal(out, page)  # other pixels than the first reading's
    assert abs(int(np.median(out)) - int(np.median(page))) <= 1  # the paper as it was, not brought to white
    assert (out < 128).sum() >= 0.8 * (page < 128).sum()  # the letters still ink


@pytest.mark.parametrize("text, values", [
    ("of €3,.550..00.", ["3550.00"]),  # specks beside both separators
    ("3.550,,00 € brutto", ["3550.00"]),
    ("EUR 42,.600", ["42600"]),
    ("of €3,550.00.", ["3550.00"]),  # a stop after the figure ends the sentence, not the number
    ("EUR 4.200,-- brutto", ["4200"]),
    ("€ 1.500,00, 2.000 €", ["1500.00", "2000"]),
    ("€ ,., and EUR ..", []),  # separators without digits are no amount
    ("€3...550", ["3"]),  # three in a row is no speck beside a separator: not read as 3,550
    ("€3.000..4.000", ["3000"]),  # a doubled stop takes no digits of the next number as its cents
])
def test_a_speck_beside_a_separator_does_not_cut_the_amount(text, values):
    assert [str(a.value) for a in contract_fields.amounts(text)] == values


def test_a_reading_with_specks_in_a_figure_agrees_with_a_clean_one():
    specked = extract.extract_contract(MONTHLY.format(amount="4.,000,,00"))
    assert specked.amounts == (Decimal("4000.00"),)
    agreed = extract.agree_contract([specked, reading("4.000,00")])
    assert agreed.extracted.fields["annual_gross_salary"] == Decimal("48000.00")


def test_a_page_lit_unevenly_is_read_first_with_a_local_threshold():
    uneven, even = _lit(_text_page(1), 0.55), _text_page(1)
    first = pipeline.SCAN_VARIANTS[0]
    assert pipeline._ocr_config(first, im.lit_unevenly(uneven)) == pipeline.LOCAL_THRESHOLD
    assert pipeline._ocr_config(first, im.lit_unevenly(even)) == ""  # an evenly lit page as before
    for variant in (im.evened_or_smoothed, im.evened_threshold):  # the evened readings keep tesseract's own
        assert pipeline._ocr_config(variant, im.lit_unevenly(uneven)) == ""
    for shape in [(0, 0), (1, 1), (3, 500)]:
        assert pipeline._ocr_config(first, im.lit_unevenly(np.zeros(shape, np.uint8))) == ""


def test_the_first_reading_of_a_scan_lit_unevenly_asks_for_the_local_threshold(monkeypatch):
    configs = []

    def recognise(image, **kwargs):
        configs.append(kwargs.get("config", ""))
        return ocr.OcrText(text=MONTHLY.format(amount="4.000,00"))

    monkeypatch.setattr(pipeline.ocr, "recognise", recognise)
    buf = io.BytesIO()
    Image.fromarray(_lit(_text_page(1), 0.55)).save(buf, "PNG")
    result = inspect_bytes(buf.getvalue(), "contract.png", context={"expected_document_type": CONTRACT})
    # The evened reading saw the page as the first did: a third one (evened and thresholded) confirms.
    assert configs == [pipeline.LOCAL_THRESHOLD, "", ""]
    assert result.fields["annual_gross_salary"] == Decimal("48000.00")


@needs_tesseract
def test_a_low_resolution_page_darker_at_one_side_reads_with_the_local_threshold():
    small = np.asarray(Image.fromarray(_text_page(1)).resize((827, 600), Image.BILINEAR))
    page = _lit(small, 0.5)
    read = ocr.recognise(page, psm=3, config=pipeline._ocr_config(pipeline.SCAN_VARIANTS[0], im.lit_unevenly(page)))
    found = contract_fields.amounts(contract_fields.plain(read.text))
    assert found and all(a.value == Decimal("4000.00") for a in found)


def _read_in_turn(monkeypatch, texts: list[str]) -> list[str]:
    """ocr.recognise answering each call with the next text; the configs it was asked for."""
    configs, answers = [], iter(texts)

    def recognise(image, **kwargs):
        configs.append(kwargs.get("config", ""))
        return ocr.OcrText(text=next(answers, ""))

    monkeypatch.setattr(pipeline.ocr, "recognise", recognise)
    return configs


def _png(page: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(page).save(buf, "PNG")
    return buf.getvalue()


FOUND = MONTHLY.format(amount="4.000,00")
LOST_SALARY = "Arbeitsvertrag zwischen Arbeitgeber und Arbeitnehmer. Die Arbeitszeit beträgt 40 Stunden pro Woche."


def test_a_fourth_reading_under_the_local_threshold_can_confirm_a_figure_one_reading_found(monkeypatch):
    configs = _read_in_turn(monkeypatch, [LOST_SALARY, FOUND, "", FOUND])
    result = inspect_bytes(_png(_text_page(1)), "contract.png", context={"expected_document_type": CONTRACT})
    assert configs == ["", "", "", pipeline.LOCAL_THRESHOLD]
    assert result.fields["annual_gross_salary"] == Decimal("48000.00")


def test_a_page_first_read_under_the_local_threshold_is_not_read_so_again(monkeypatch):
    # Its fourth reading would be its first again: a misread confirming itself.
    configs = _read_in_turn(monkeypatch, [FOUND, LOST_SALARY, "", FOUND])
    uneven = _png(_lit(_text_page(1), 0.55))
    result = inspect_bytes(uneven, "contract.png", context={"expected_document_type": CONTRACT})
    assert configs == [pipeline.LOCAL_THRESHOLD, "", ""]
    assert "annual_gross_salary" not in result.fields


def test_the_fourth_reading_takes_away_no_field_three_readings_confirmed(monkeypatch):
    # An unsteady page (the allowance read "50,00" and "58,88"): every reading with amounts must find a
    # field. The fourth is asked for the hours, loses the start date's line, and reads no other date.
    allowance = "\nZusätzlich wird ein Fahrtkostenzuschuss von {} EUR monatlich gewährt."
    first = FOUND + allowance.format("50,00")
    second = FOUND.replace("Die Arbeitszeit beträgt 40 Stunden pro Woche. ", "") + allowance.format("58,88")
    fourth = MONTHLY.format(amount="4.000,00").split(" Das Arbeitsverhältnis")[0]
    configs = _read_in_turn(monkeypatch, [first, second, "", fourth])
    result = inspect_bytes(_png(_text_page(1)), "contract.png", context={"expected_document_type": CONTRACT})
    assert len(configs) == 4
    assert result.fields["start_date"] == date(2027, 4, 1)
    assert result.fields["annual_gross_salary"] == Decimal("48000.00")
    assert "weekly_hours" not in result.fields  # the second reading still lacks them
