"""What personal data looks like in a log line, and how it is blanked out.

Free text is searched for e-mail addresses, machine-readable-zone lines and passport-number-like
tokens; structured fields with a personal name (an `extra={"email": ...}`) are blanked whatever
their value. Names in free text cannot be recognised: code must not log them (tests/wsa/test_logs.py
drives the applicant's flows and checks that none appears).
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# An MRZ line: capitals, digits and the filler "<", at least ten characters with a filler in them
# (ICAO 9303; "P<UTOERIKSSON<<ANNA<MARIA<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10").
MRZ = re.compile(r"[A-Z0-9<]*<[A-Z0-9<]*")
MRZ_MIN_LENGTH = 10
# A passport or identity card number: six to nine capitals and digits with at least one of each
# ("C01X00T47", "Z1234567"). Lower-case ids (UUIDs, request ids) are not matched.
DOCUMENT_NUMBER = re.compile(r"\b(?=[A-Z0-9]{6,9}\b)(?=[A-Z0-9]*[0-9])(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,9}\b")

# Record attributes (from `extra=`) whose value is personal whatever it looks like.
PERSONAL_FIELDS = frozenset({
    "email", "e_mail", "login", "username", "password", "name", "first_name", "last_name", "full_name",
    "given_names", "surname", "birth_name", "birth_date", "date_of_birth", "place_of_birth", "passport_number",
    "document_number", "mrz", "phone", "phone_number", "street", "address", "postal_code",
})
REDACTED = "[redacted]"


def _mrz(match: re.Match) -> str:
    text = match.group(0)
    return "[mrz]" if len(text) >= MRZ_MIN_LENGTH else text


def redact(text: str) -> str:
    """`text` with e-mail addresses, MRZ lines and document numbers replaced by markers."""
    if "@" in text:
        text = EMAIL.sub("[email]", text)
    if "<" in text:
        text = MRZ.sub(_mrz, text)
    return DOCUMENT_NUMBER.sub("[document-number]", text)
