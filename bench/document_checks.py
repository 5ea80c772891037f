"""Document checks on generated passport pages, against the raw `tesseract` command on the same pages.

    uv run python bench/document_checks.py [--count 150] [--harsh]

Every page is generated with its ground truth (documents/testing/passports.py): names with
diacritics from many countries, rotation, blur, noise, JPEG quality, scale, image-only PDFs; one page
in eight carries a wrong check digit and one in eight is expired. Prints, from one run:
exact MRZ rate on the well-formed pages, per-field accuracy, wrong check digits flagged, wrong MRZs
reported valid (must be 0), expired passports flagged, and the median seconds per page of
`inspect_bytes` next to `tesseract PAGE stdout -l deu+eng` run on the same decoded page (the ratio).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wsa.settings")

import django

django.setup()

from PIL import Image

from documents.checks import image as page_image
from documents.checks import pdf
from documents.checks.pipeline import inspect_bytes
from documents.testing import passports

FIELDS = ["surname", "given_names", "passport_number", "nationality", "birth_date", "sex", "expiry_date"]
TAMPERED = ["document_number", "birth_date", "expiry_date", "composite"]


def expected_fields(truth) -> dict:
    return {
        "surname": truth.mrz_surname.replace("<", " ").strip(), "given_names": truth.mrz_given_names.replace(
            "<", " ").strip(),
        "passport_number": truth.number, "nationality": truth.nationality, "birth_date": truth.birth_date,
        "sex": truth.sex, "expiry_date": truth.expiry_date,
    }


def raw_tesseract_seconds(data: bytes) -> float:
    """The plain tesseract command on the same page, decoded to PNG first (tesseract reads no PDF)."""
    if data.startswith(b"%PDF"):
        pixels = pdf.render_pages(data, [0])[0][0]
    else:
        pixels = page_image.load(data)
    with tempfile.NamedTemporaryFile(suffix=".png") as handle:
        Image.fromarray(pixels).save(handle.name)
        began = time.perf_counter()
        subprocess.run(["tesseract", handle.name, "stdout", "-l", "deu+eng"], capture_output=True, check=True)
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=150)
    parser.add_argument("--harsh", action="store_true", help="heavier blur and noise and 165 dpi")
    args = parser.parse_args()

    good = exact = wrong_valid = tampered = tampered_flagged = expired = expired_flagged = 0
    field_hits = dict.fromkeys(FIELDS, 0)
    ours, theirs = [], []
    for seed in range(args.count):
        options = passports.variants(seed, harsh=args.harsh)
        if seed % 8 == 3:
            options = replace(options, wrong_check_digit=TAMPERED[(seed // 8) % len(TAMPERED)])
        if seed % 8 == 6:
            options = replace(options, expired=True)
        page = passports.make_passport(seed=seed, fmt=("png", "jpeg", "pdf")[seed % 3], options=options)
        began = time.perf_counter()
        result = inspect_bytes(page.data, page.filename)
        ours.append(time.perf_counter() - began)
        theirs.append(raw_tesseract_seconds(page.data))
        codes = {finding.code for finding in result.findings}
        correct = tuple(result.mrz) == page.mrz_lines
        if options.wrong_check_digit:
            tampered += 1
            tampered_flagged += bool(not result.mrz_valid)
            wrong_valid += bool(result.mrz_valid)
            continue
        good += 1
        exact += bool(correct and result.mrz_valid)
        wrong_valid += bool(result.mrz_valid and not correct)
        for name, value in expected_fields(page.truth).items():
            field_hits[name] += result.fields.get(name) == value
        if options.expired:
            expired += 1
            expired_flagged += "passport_expired" in codes

    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"pages: {args.count} ({good} well-formed, {tampered} with a wrong check digit, {expired} expired)")
    print(f"exact MRZ: {exact / good:.1%} (target >= 95 %)")
    for name in FIELDS:
        print(f"  field {name}: {field_hits[name] / good:.1%}")
    print(f"wrong check digits flagged: {tampered_flagged}/{tampered} (target 100 %)")
    print(f"wrong MRZ reported valid: {wrong_valid} (target 0)")
    print(f"expired flagged: {expired_flagged}/{expired} (of the expired pages whose MRZ was read: see exact)")
    print(f"median seconds per page: checks {statistics.median(ours):.3f}, raw tesseract "
          f"{statistics.median(theirs):.3f}, ratio {ratio:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
