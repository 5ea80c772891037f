"""The hard development split (``passports.make_dev_hard``): its own names, seed and faces, apart
from the development split's names and from the held-out split's faces."""

from pathlib import Path

from documents.testing import passports


def test_names_and_faces_are_its_own():
    assert not {n[:2] for n in passports.DEV_HARD_NAMES} & {n[:2] for n in passports.NAMES}
    faces = {Path(f.removesuffix("+bold")).name for f in passports.DEV_HARD_OCRB + passports.DEV_HARD_MONO}
    held_out_faces = {Path(f).name for f in passports.OCRB_CUTS + passports.OTHER_MONO}
    assert faces & held_out_faces == {"OCRB.otf"}  # the regular cut is the development split's too
    assert not {"OCRBE.otf", "OCRBX.otf"} & faces  # white on black: no MRZ print


def test_pages_are_reproducible_and_carry_the_damage_asked_for():
    ocrb, _ = passports.dev_hard_fonts()
    if not ocrb:
        return
    first = passports.make_dev_hard(2, ocrb[0], wrong_check_digit="birth_date", expired=True)
    again = passports.make_dev_hard(2, ocrb[0], wrong_check_digit="birth_date", expired=True)
    assert first.data == again.data and first.mrz_lines == again.mrz_lines
    assert first.options.guilloche and first.options.expired
    assert first.mrz_lines != first.truth.mrz_lines()  # the birth date's check digit was changed
    heavier = passports.dev_hard_variants(2, ocrb[0] + "+bold")
    assert heavier.mrz_stroke == 1 and heavier.font == ocrb[0]
