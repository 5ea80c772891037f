"""Document type from text features (German and English keywords) and MRZ presence."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .textutil import fold

PASSPORT = "passport"
ID_CARD = "id_card"
DEGREE = "degree_certificate"
TRANSCRIPT = "transcript"
CONTRACT = "employment_contract"
LANGUAGE = "language_certificate"
HEALTH = "health_insurance"
CV = "cv"
RECOGNITION = "recognition_notice"
PHOTO = "photo"
UNKNOWN = "unknown"

DOCUMENT_TYPES = (PASSPORT, ID_CARD, DEGREE, TRANSCRIPT, CONTRACT, LANGUAGE, HEALTH, CV, RECOGNITION, PHOTO)

# keyword -> weight; a strong title word weighs 3, a typical term 1.
KEYWORDS: dict[str, dict[str, int]] = {
    PASSPORT: {"reisepass": 3, "passport": 3, "passeport": 3, "pasaporte": 3, "passaporto": 3,
               "date of expiry": 1, "gültig bis": 1, "nationality": 1, "staatsangehörigkeit": 1},
    ID_CARD: {"personalausweis": 3, "identity card": 3, "carte d'identité": 3, "id card": 2,
              "cédula": 2, "identification card": 3},
    DEGREE: {"bachelor": 2, "master of": 2, "master": 1, "diplom": 2, "degree": 2, "urkunde": 2,
             "verleiht": 2, "conferred": 2, "awarded": 1, "akademischen grad": 3, "academic degree": 3,
             "hochschulgrad": 3, "graduated": 1, "universität": 1, "university": 1, "hochschule": 1},
    TRANSCRIPT: {"transcript": 3, "transcript of records": 3, "notenübersicht": 3, "leistungsübersicht": 3,
                 "notenspiegel": 3, "ects": 2, "credits": 1, "credit points": 2, "grade point average": 2,
                 "gpa": 2, "semester": 1, "module": 1, "grade": 1, "note": 1},
    CONTRACT: {"arbeitsvertrag": 4, "employment contract": 4, "contract of employment": 4, "arbeitgeber": 2,
               "arbeitnehmer": 2, "employer": 2, "employee": 2, "bruttogehalt": 2, "gross salary": 2,
               "vergütung": 1, "salary": 1, "arbeitszeit": 2, "working hours": 2, "probezeit": 2,
               "probation": 2, "kündigung": 1, "notice period": 1, "urlaub": 1, "vacation": 1,
               "anstellungsvertrag": 4, "dienstvertrag": 4, "employment agreement": 4, "offer of employment": 4,
               "employment offer": 4, "offer letter": 3, "monatsgehalt": 2, "jahresgehalt": 2, "base salary": 2,
               "monthly salary": 2, "annual salary": 2, "wochenstunden": 2, "hours per week": 2},
    LANGUAGE: {"goethe-zertifikat": 4, "testdaf": 4, "telc": 3, "ielts": 4, "toefl": 4, "ösd": 3,
               "sprachzertifikat": 3, "language certificate": 3, "referenzrahmen": 2, "cefr": 2,
               "sprachniveau": 2, "language level": 2, "cambridge english": 3, "dsh": 2,
               "hörverstehen": 1, "leseverstehen": 1, "listening": 1, "reading": 1, "speaking": 1},
    HEALTH: {"krankenversicherung": 3, "health insurance": 3, "versicherungsbescheinigung": 3,
             "mitgliedsbescheinigung": 3, "krankenkasse": 3, "insurance certificate": 2,
             "versicherungsnummer": 2, "policy number": 2, "insured person": 2, "versicherte": 1,
             "coverage": 1, "versicherungsschutz": 2},
    CV: {"lebenslauf": 4, "curriculum vitae": 4, "resume": 3, "résumé": 3, "berufserfahrung": 2,
         "work experience": 2, "professional experience": 2, "ausbildung": 1, "education": 1,
         "skills": 1, "kenntnisse": 1, "sprachkenntnisse": 1, "hobbies": 1},
    RECOGNITION: {"anerkennungsbescheid": 4, "bescheid": 2, "gleichwertigkeit": 3, "gleichwertig": 2,
                  "zeugnisbewertung": 4, "statement of comparability": 4, "anerkennung": 2,
                  "recognition": 2, "kultusminister": 2, "zentralstelle für ausländisches bildungswesen": 4,
                  "berufsanerkennung": 3, "rechtsbehelfsbelehrung": 2},
}

_SPECK_AFTER_WORD = re.compile(r"(?<=[^\W\d])[.,](?=\s+[^\W\d])")
MIN_SCORE = 3  # below this nothing is claimed
PHOTO_MAX_CHARS = 25  # an image with less text than this and no MRZ is taken for a photo


@dataclass(frozen=True)
class Classification:
    document_type: str
    confidence: float
    scores: dict[str, int]


def classify(text: str, *, mrz_format: str | None = None, mrz_valid: bool = False,
             is_image: bool = False) -> Classification:
    scores = keyword_scores(text)
    if mrz_format:
        kind = PASSPORT if mrz_format == "TD3" else ID_CARD
        return Classification(kind, 0.99 if mrz_valid else 0.8, scores)
    if is_image and sum(c.isalnum() for c in text) < PHOTO_MAX_CHARS:
        return Classification(PHOTO, 0.6, scores)
    ranked = sorted(scores.items(), key=lambda x: x[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < MIN_SCORE:
        return Classification(UNKNOWN, 0.0, scores)
    # Confidence grows with the evidence and with the lead over the runner-up.
    confidence = min(0.95, (top - second + 1) / (top + 2) + min(top, 10) / 40)
    return Classification(best, round(confidence, 2), scores)


def keyword_scores(text: str) -> dict[str, int]:
    # A stop or comma the OCR put after a word does not split a keyword ("Offer of. Employment").
    folded = fold(_SPECK_AFTER_WORD.sub("", text))
    return {kind: sum(w for k, w in words.items() if k in folded) for kind, words in KEYWORDS.items()}
