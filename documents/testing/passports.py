"""Synthetic passport data pages (TD3) with ground truth, for tests and benchmarks.

The page follows the ICAO 9303 Part 4 layout at 10 px/mm (ID-3 size, 125 x 88 mm): a photo box,
printed labels and values, and the two-line MRZ in the bottom 23 mm with a 2.54 mm character pitch.
The MRZ is set in OCR-B when the Debian package ``fonts-ocr-b`` is installed, otherwise in DejaVu
Sans Mono (a monospace stand-in; OCR is a little less accurate with it).

Everything is deterministic for a given ``seed``.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from documents.checks import mrz
from documents.checks.crosscheck import transliterate

OCRB_FONTS = ("/usr/share/fonts/opentype/ocr-b/OCRB.otf",)
MONO_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",)
SANS_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)

PAGE_MM = (125, 88)
PX_PER_MM = 10

# (surname, given names, nationality) as the holder writes them: diacritics on purpose.
NAMES = [
    ("Nguyễn", "Thị Minh Anh", "VNM"), ("Müller", "Jürgen", "AUT"), ("Øster", "Åse Ærø", "NOR"),
    ("Gonçalves", "João Pedro", "BRA"), ("Fernández", "María José", "ESP"), ("Kowalski", "Łukasz", "POL"),
    ("Şahin", "Ayşe", "TUR"), ("Dvořák", "Jiří", "CZE"), ("Sharma", "Priya", "IND"),
    ("Okonkwo", "Chinedu", "NGA"), ("O'Brien", "Seán", "IRL"), ("Hernández López", "José Luis", "MEX"),
    ("Kim", "Min Jun", "KOR"), ("Wang", "Fang", "CHN"), ("Haddad", "Omar", "JOR"),
    ("Mendoza", "Ana Lucía", "COL"), ("Ivanova", "Olga", "UKR"), ("Papadopoulos", "Nikos", "GRC"),
    ("Straße", "Björn", "D"), ("Santos", "Maria Clara", "PHL"), ("Mwangi", "Wanjiru", "KEN"),
    ("Tran", "Van Duc", "VNM"), ("Ahmed", "Fatima", "EGY"), ("Khan", "Imran", "PAK"),
    ("Silva", "Luiz Inácio", "BRA"), ("Nakamura", "Yūki", "JPN"), ("Al-Sayed", "Hussein", "TUN"),
    ("Wolfeschlegelsteinhausenbergerdorff", "Hubert Blaine", "USA"), ("Ng", "Li", "SGP"),
    ("Eriksson", "Anna Maria", "SWE"), ("Rossi", "Giulia", "ITA"), ("Bălan", "Ștefan", "ROU"),
]


@dataclass(frozen=True)
class PassportData:
    """Ground truth of one generated page."""

    surname: str
    given_names: str
    nationality: str
    number: str
    birth_date: date
    sex: str
    expiry_date: date
    issuing_state: str = ""
    personal_number: str = ""

    @property
    def mrz_surname(self) -> str:
        return transliterate(self.surname)

    @property
    def mrz_given_names(self) -> str:
        return transliterate(self.given_names)

    def mrz_lines(self) -> tuple[str, str]:
        return mrz.build_td3(
            surname=self.mrz_surname, given_names=self.mrz_given_names, number=self.number,
            nationality=self.nationality, birth=self.birth_date.strftime("%y%m%d"), sex=self.sex,
            expiry=self.expiry_date.strftime("%y%m%d"), issuing_state=self.issuing_state or self.nationality,
            optional=self.personal_number,
        )


@dataclass(frozen=True)
class Options:
    rotation: float = 0.0  # degrees, counter-clockwise; any angle, 90/180 included
    blur: float = 0.0  # Gaussian radius in px at 10 px/mm
    noise: float = 0.0  # standard deviation of Gaussian noise, grey levels
    jpeg_quality: int = 90
    scale: float = 1.0  # 1.0 = 254 dpi
    wrong_check_digit: str = ""  # "", "document_number", "birth_date", "expiry_date", "composite"
    expired: bool = False
    font: str = "ocrb"  # "ocrb" or "mono"


@dataclass(frozen=True)
class GeneratedPassport:
    data: bytes
    filename: str
    content_type: str
    truth: PassportData
    mrz_lines: tuple[str, str]
    options: Options = field(default_factory=Options)


def random_passport(seed: int, *, expired: bool = False, today: date | None = None) -> PassportData:
    rng = random.Random(seed)
    today = today or date.today()
    surname, given, nationality = NAMES[rng.randrange(len(NAMES))]
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    number = rng.choice(letters) + "".join(rng.choice(letters + "0123456789" * 3) for _ in range(7))
    number += rng.choice(["", rng.choice("0123456789")])
    birth = date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 45))
    expiry = today + timedelta(days=rng.randrange(200, 3650))
    if expired:
        expiry = today - timedelta(days=rng.randrange(1, 2000))
    personal = "".join(rng.choice("0123456789") for _ in range(rng.choice([0, 0, 10, 14])))
    return PassportData(surname, given, nationality, number, birth, rng.choice("MF"), expiry,
                        personal_number=personal)


def make_passport(truth: PassportData | None = None, *, seed: int = 0, fmt: str = "png",
                  options: Options | None = None) -> GeneratedPassport:
    """Render a data page as ``png``, ``jpeg`` or ``pdf`` (image only, no text layer)."""
    options = options or Options()
    truth = truth or random_passport(seed, expired=options.expired)
    lines = _tamper(truth.mrz_lines(), options.wrong_check_digit)
    image = render_page(truth, lines, font=options.font, seed=seed)
    image = degrade(image, options, seed=seed)
    data, content_type = encode(image, fmt, quality=options.jpeg_quality)
    return GeneratedPassport(data, f"passport-{seed}.{fmt}", content_type, truth, lines, options)


def _tamper(lines: tuple[str, str], which: str) -> tuple[str, str]:
    """Change one check digit by +1 so exactly that check fails (the composite follows suit
    unless it is the composite itself that is changed)."""
    if not which:
        return lines
    pos = {"document_number": 9, "birth_date": 19, "expiry_date": 27, "composite": 43}[which]
    l2 = lines[1]
    digit = str((int(l2[pos]) + 1) % 10)
    return lines[0], l2[:pos] + digit + l2[pos + 1:]


# --- drawing -------------------------------------------------------------------------------------

@cache
def font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    paths = {"ocrb": OCRB_FONTS + MONO_FONTS, "mono": MONO_FONTS, "sans": SANS_FONTS + MONO_FONTS}[kind]
    for path in paths:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def mrz_font_name() -> str:
    return "OCR-B" if Path(OCRB_FONTS[0]).exists() else "DejaVu Sans Mono"


def render_page(truth: PassportData, lines: tuple[str, str], *, font: str = "ocrb", seed: int = 0) -> Image.Image:
    width, height = PAGE_MM[0] * PX_PER_MM, PAGE_MM[1] * PX_PER_MM
    page = Image.new("L", (width, height), 236)
    draw = ImageDraw.Draw(page)
    _background(draw, width, height, seed)
    _photo(draw)
    _labels(draw, truth)
    _mrz(draw, lines, font, height)
    return page


def _background(draw: ImageDraw.ImageDraw, width: int, height: int, seed: int) -> None:
    """Faint guilloche-like waves: security printing that OCR must ignore."""
    rng = random.Random(seed)
    for k in range(12):
        phase, amp = rng.random() * 6.28, 8 + 6 * rng.random()
        ys = 80 + k * 45
        pts = [(x, ys + amp * np.sin(x / 37 + phase)) for x in range(0, width, 6)]
        draw.line(pts, fill=214, width=1)
    draw.text((40, 20), "REISEPASS / PASSPORT / PASSEPORT", font=font("sans", 30), fill=60)


def _photo(draw: ImageDraw.ImageDraw) -> None:
    box = (40, 90, 390, 540)
    draw.rectangle(box, fill=200, outline=120, width=2)
    draw.ellipse((140, 150, 290, 330), fill=150)
    draw.pieslice((90, 330, 340, 620), 180, 360, fill=150)


def _labels(draw: ImageDraw.ImageDraw, truth: PassportData) -> None:
    small, value = font("sans", 17), font("sans", 28)
    rows = [
        ("Name / Surname", truth.surname.upper()),
        ("Vornamen / Given names", truth.given_names.upper()),
        ("Staatsangehörigkeit / Nationality", truth.nationality),
        ("Geburtstag / Date of birth", truth.birth_date.strftime("%d.%m.%Y")),
        ("Geschlecht / Sex", truth.sex),
        ("Gültig bis / Date of expiry", truth.expiry_date.strftime("%d.%m.%Y")),
        ("Pass-Nr. / Passport No.", truth.number),
    ]
    y = 80
    for label, text in rows:
        draw.text((430, y), label, font=small, fill=90)
        draw.text((430, y + 20), text[:40], font=value, fill=20)
        y += 65


def _mrz(draw: ImageDraw.ImageDraw, lines: tuple[str, str], kind: str, height: int) -> None:
    """ICAO 9303 Part 3 §4.2: 10 characters per 25.4 mm, lines about 4 mm apart near the bottom."""
    pitch = 2.54 * PX_PER_MM
    size = _font_size_for_pitch(kind, pitch)
    face = font(kind, size)
    x0 = 6 * PX_PER_MM
    baselines = (height - 14 * PX_PER_MM, height - 6 * PX_PER_MM)
    for line, y in zip(lines, baselines, strict=True):
        for i, char in enumerate(line):
            draw.text((x0 + i * pitch, y), char, font=face, fill=10, anchor="ls")


@cache
def _font_size_for_pitch(kind: str, pitch: float) -> int:
    advance = font(kind, 100).getlength("M") / 100
    return max(10, round(pitch / advance * 0.98))


# --- degradation and encoding --------------------------------------------------------------------

def degrade(image: Image.Image, options: Options, *, seed: int = 0) -> Image.Image:
    if options.scale != 1.0:
        size = (max(1, round(image.width * options.scale)), max(1, round(image.height * options.scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    if options.rotation:
        image = image.rotate(options.rotation, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=250)
    if options.blur:
        image = image.filter(ImageFilter.GaussianBlur(options.blur * options.scale))
    if options.noise:
        rng = np.random.default_rng(seed)
        arr = np.asarray(image, dtype=np.float32)
        arr = arr + rng.normal(0, options.noise, arr.shape)
        image = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    return image


def encode(image: Image.Image, fmt: str, *, quality: int = 90, dpi: int = 254) -> tuple[bytes, str]:
    buf = io.BytesIO()
    if fmt == "png":
        image.save(buf, "PNG", dpi=(dpi, dpi))
        return buf.getvalue(), "image/png"
    if fmt in ("jpeg", "jpg"):
        image.convert("L").save(buf, "JPEG", quality=quality, dpi=(dpi, dpi))
        return buf.getvalue(), "image/jpeg"
    if fmt == "pdf":
        image.convert("L").save(buf, "PDF", resolution=float(dpi), quality=quality)
        return buf.getvalue(), "application/pdf"
    raise ValueError(f"unknown format {fmt!r}")


def variants(seed: int, *, harsh: bool = False) -> Options:
    """A reproducible mix of scanning conditions (the benchmark's distribution): small skews and
    quarter turns, Gaussian blur, sensor noise, JPEG artefacts, 200 to 300 dpi. ``harsh`` adds
    heavier blur and noise and 165 dpi, beyond what the upload guidance asks for."""
    rng = random.Random(seed * 7919)
    blur = [0, 0.5, 1.0, 1.5] + ([2.0] if harsh else [])
    noise = [0, 5, 10, 20] + ([25] if harsh else [])
    scale = [1.0, 0.8, 1.2] + ([0.65] if harsh else [])
    return Options(
        rotation=rng.choice([0, 0, rng.uniform(-6, 6), rng.uniform(-6, 6), 180, 90]),
        blur=rng.choice(blur),
        noise=rng.choice(noise),
        jpeg_quality=rng.choice([95, 80, 60]),
        scale=rng.choice(scale),
    )
