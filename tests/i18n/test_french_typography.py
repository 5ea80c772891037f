"""French punctuation: a no-break space before ":" and a narrow one before ";", "!" and "?". With an ordinary
space the sign can start a line on a phone, alone ("au même poste" / "?")."""

from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_no_french_sign_follows_an_ordinary_space():
    loose = []
    for entry in polib.pofile(str(CATALOGUE)):
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if any(f" {sign}" in text for sign in ":;!?"):
                loose.append(text)
    assert loose == []
