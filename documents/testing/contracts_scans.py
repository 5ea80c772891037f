"""Harder scans of the development contracts (``dev-scans``), for making scanned contracts read robustly.

The contracts of ``dev``, ``dev2`` and ``dev3`` in turn (their wording and truth unchanged), every one a
scan in the development splits' fonts only, under conditions worse than the ordinary scans: a lower
resolution and smaller type, strong JPEG compression, blur, a rotation of up to three degrees, noise,
uneven light, fax-like thresholding at half the vertical resolution, a page set in two columns with
hyphenated words, or "Label: value" lines drawn as a ruled table. Each page gets two or three of them.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .contracts import Contract, make_contracts, scan_fonts
from .contracts_dev2 import DEV2_FONTS, make_contracts_dev2
from .contracts_dev3 import DEV3_FONTS, make_contracts_dev3
from .passports import font

CONDITIONS = ("low_resolution", "jpeg", "blur", "rotation", "noise", "uneven_light", "fax", "two_columns",
              "table")
WIDTH, HEIGHT = 1654, 2339  # A4 at 200 dpi


@dataclass(frozen=True)
class HarshScan(Contract):
    conditions: tuple[str, ...] = ()

    def file(self, seed: int) -> tuple[bytes, str]:
        return harsh_scan(self.lines, font_path=self.scan_font, conditions=self.conditions, seed=seed), \
            "contract.jpg"


def dev_fonts() -> list[str]:
    paths = scan_fonts("dev") + DEV2_FONTS + DEV3_FONTS
    return [path for path in paths if Path(path).exists()] or ["sans"]


def make_contracts_dev_scans(count: int = 48, seed: int = 4_021_977) -> list[HarshScan]:
    rng = random.Random(seed)
    per_split = -(-count // 3)
    sources = (make_contracts("dev", per_split), make_contracts_dev2(per_split), make_contracts_dev3(per_split))
    fonts = dev_fonts()
    out = []
    for index in range(count):
        contract = sources[index % 3][index // 3]
        conditions = tuple(sorted(rng.sample(CONDITIONS, rng.choice([2, 3]))))
        fields = {name: getattr(contract, name) for name in Contract.__dataclass_fields__}
        out.append(HarshScan(**{**fields, "scan": True, "scan_font": rng.choice(fonts)}, conditions=conditions))
    return out


def _wrap(draw: ImageDraw.ImageDraw, line: str, face, width: int, hyphenate: bool) -> list[str]:
    rows, row = [], ""
    for word in line.split(" "):
        trial = f"{row} {word}".strip()
        if draw.textlength(trial, font=face) <= width or not row:
            row = trial
            continue
        if hyphenate and len(word) >= 10 and word.isalpha():
            cut = len(word) // 2
            head = f"{row} {word[:cut]}-"
            if draw.textlength(head, font=face) <= width:
                rows.append(head)
                row = word[cut:]
                continue
        rows.append(row)
        row = word
    rows.append(row)
    return rows


def harsh_scan(lines, *, font_path: str, conditions: tuple[str, ...], seed: int) -> bytes:
    rng = random.Random(seed)
    page = Image.new("L", (WIDTH, HEIGHT), rng.randint(230, 250))
    draw = ImageDraw.Draw(page)
    size = rng.choice([24, 26]) if "low_resolution" in conditions else rng.choice([28, 30, 32])
    face = font(font_path or "sans", size)
    step = int(size * 1.45)
    columns = 2 if "two_columns" in conditions else 1
    margin, gap = 120, 60
    width = (WIDTH - 2 * margin - gap * (columns - 1)) // columns
    blocks = []  # (label or None, rows) per line
    for line in lines:
        label, _, value = line.partition(": ")
        if "table" in conditions and value and len(label) <= 40:
            blocks.append((label, _wrap(draw, value, face, width // 2 - 20, False)))
        else:
            blocks.append((None, _wrap(draw, line, face, width, columns == 2)))
    half = sum(len(rows) for _, rows in blocks) / columns
    x, y, placed = margin, 140, 0
    for label, rows in blocks:
        if columns == 2 and x == margin and placed >= half:
            x, y = margin + width + gap, 140
        if label is not None:
            bottom = y + step * len(rows) + 2
            draw.rectangle((x - 8, y - 6, x + width, bottom), outline=rng.randint(20, 80), width=2)
            draw.line((x + width // 2 - 10, y - 6, x + width // 2 - 10, bottom), fill=60, width=2)
            draw.text((x, y), label, font=face, fill=rng.randint(10, 50))
        for row in rows:
            draw.text((x + (width // 2 if label is not None else 0), y), row, font=face, fill=rng.randint(10, 50))
            y += step
        y += 8 if label is not None else 0
        placed += len(rows)
    return _finish(page, conditions, rng)


def _finish(page: Image.Image, conditions: tuple[str, ...], rng: random.Random) -> bytes:
    if "uneven_light" in conditions:
        across = np.linspace(rng.uniform(0.55, 0.75), 1.0, WIDTH)[None, :]
        ramp = across * np.linspace(1.0, rng.uniform(0.7, 0.9), HEIGHT)[:, None]
        page = Image.fromarray((np.asarray(page, dtype=np.float32) * ramp).clip(0, 255).astype(np.uint8))
    angle = rng.uniform(-3, 3) if "rotation" in conditions else rng.uniform(-1, 1)
    page = page.rotate(angle, resample=Image.BICUBIC, fillcolor=240, expand=False)
    if "blur" in conditions:
        page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.9, 1.4)))
    if "noise" in conditions:
        noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 14, (HEIGHT, WIDTH))
        pixels = np.asarray(page, dtype=np.float32) + noise
        for _ in range(12000):
            pixels[rng.randrange(HEIGHT), rng.randrange(WIDTH)] = rng.choice([0, 255])
        page = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    dpi = 200
    if "low_resolution" in conditions:
        dpi = rng.choice([120, 150])
        page = page.resize((WIDTH * dpi // 200, HEIGHT * dpi // 200), Image.BILINEAR)
    if "fax" in conditions:  # 1-bit at half the vertical resolution, as a standard-mode fax
        width, height = page.size
        level = rng.randint(120, 150)
        page = page.resize((width, height // 2), Image.BILINEAR).point(lambda v: 255 if v > level else 0)
        page = page.resize((width, height), Image.NEAREST)
    buf = io.BytesIO()
    quality = rng.randint(20, 40) if "jpeg" in conditions else rng.randint(60, 85)
    page.convert("L").save(buf, "JPEG", quality=quality, dpi=(dpi, dpi))
    return buf.getvalue()
