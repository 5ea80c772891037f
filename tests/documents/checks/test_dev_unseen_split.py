"""The unseen-face development split (``passports.make_dev_unseen``): its other-font pages must be set
in faces the glyph bank never learns from, or it would measure what the bank has memorised."""

import re
from pathlib import Path

from documents.checks import glyphs
from documents.testing import passports


def _family(path: str) -> str:
    """A face's family from its file name: "FantasqueSansMono-Regular.ttf" -> "fantasquesansmono"."""
    stem = Path(path).stem.lower().replace(" ", "")
    return re.split(r"[-_]|(?:regular|bold|medium|light|italic|minus|mono\d|autohinted)$", stem)[0]


def test_no_unseen_face_is_in_the_bank_not_even_another_weight_of_its_family():
    unseen = {_family(f) for f in passports.DEV_UNSEEN_MONO}
    learnt = {_family(f) for f in glyphs.TRAINING_FONTS}
    assert len(unseen) == len(passports.DEV_UNSEEN_MONO)  # one face per family: no family counted twice
    assert not unseen & learnt


def test_no_unseen_face_is_a_held_out_face_or_one_of_its_families():
    held_out = {_family(f) for f in passports.OCRB_CUTS + passports.OTHER_MONO}
    assert not {_family(f) for f in passports.DEV_UNSEEN_MONO} & held_out
    # Faces drawn from DejaVu or Liberation (Hack, Cousine...) are near-copies of held-out ones.
    for face in passports.DEV_UNSEEN_MONO:
        assert not re.search(r"dejavu|liberation|freemono|hack|cousine", face.lower()), face


def test_the_bank_learns_from_only_the_faces_installed():
    installed = glyphs.fonts()
    assert all(Path(f).exists() for f in installed)
    assert set(installed) <= set(glyphs.TRAINING_FONTS)


def test_a_missing_face_narrows_the_bank_instead_of_breaking_it(monkeypatch):
    if glyphs.OCRB not in glyphs.fonts():
        return
    monkeypatch.setattr(glyphs, "TRAINING_FONTS", (glyphs.OCRB, "/usr/share/fonts/none/Missing-Mono.ttf"))
    glyphs.bank.cache_clear()
    try:
        narrow = glyphs.bank()
        assert narrow is not None and set(narrow.chars) == set(glyphs.CHARS)
    finally:
        glyphs.bank.cache_clear()


def test_pages_are_not_dev_hard_pages_and_use_an_unseen_face_on_odd_indices():
    ocrb, unseen = passports.dev_unseen_fonts()
    if not unseen:
        return
    page = passports.make_dev_unseen(1, unseen[0])
    hard = passports.make_dev_hard(1, unseen[0])
    assert page.truth != hard.truth  # other pages than dev-hard's, on the same kind of damage
    assert page.options.font == unseen[0] and page.options.guilloche
    again = passports.make_dev_unseen(1, unseen[0])
    assert again.data == page.data


def test_setup_installs_every_unseen_face():
    script = (Path(__file__).resolve().parents[3] / "scripts" / "ensure-system-packages.sh").read_text()
    for face in passports.DEV_UNSEEN_MONO:
        assert face in script, face
