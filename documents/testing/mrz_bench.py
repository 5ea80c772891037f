"""MRZ accuracy and speed on generated pages, against raw Tesseract on the same page.

    uv run python -m documents.testing.mrz_bench --count 100 [--start 0] [--harsh] [--raw]

Prints exact-MRZ rate (both lines equal to the truth and reported valid), how many wrong MRZs
were reported valid (must be 0), and median seconds of ``inspect_bytes`` and, with ``--raw``, of
``pytesseract.image_to_string(page, lang="deu+eng")`` on the decoded page.
"""

from __future__ import annotations

import argparse
import statistics
import time

import pytesseract

from documents.checks import image as im
from documents.checks.pipeline import inspect_bytes

from . import passports


def run(count: int, start: int = 0, *, harsh: bool = False, raw: bool = False) -> dict[str, float]:
    exact = wrong_valid = 0
    ours, theirs = [], []
    for seed in range(start, start + count):
        fmt = ("png", "jpeg", "pdf")[seed % 3]
        generated = passports.make_passport(seed=seed, fmt=fmt, options=passports.variants(seed, harsh=harsh))
        began = time.perf_counter()
        result = inspect_bytes(generated.data, generated.filename)
        ours.append(time.perf_counter() - began)
        correct = tuple(result.mrz) == generated.mrz_lines
        exact += bool(correct and result.mrz_valid)
        wrong_valid += bool(result.mrz_valid and not correct)
        if raw and fmt != "pdf":
            page = im.load(generated.data)
            began = time.perf_counter()
            pytesseract.image_to_string(page, lang="deu+eng")
            theirs.append(time.perf_counter() - began)
    report = {
        "pages": count, "exact": exact / count, "wrong_valid": wrong_valid,
        "median_seconds": statistics.median(ours), "max_seconds": max(ours),
    }
    if theirs:
        report["raw_tesseract_median_seconds"] = statistics.median(theirs)
        report["ratio"] = report["median_seconds"] / report["raw_tesseract_median_seconds"]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--harsh", action="store_true")
    parser.add_argument("--raw", action="store_true")
    args = parser.parse_args()
    for key, value in run(args.count, args.start, harsh=args.harsh, raw=args.raw).items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
