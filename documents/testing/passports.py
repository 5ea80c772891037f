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
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from documents.checks.crosscheck import transliterate
from documents.testing.mrz_lines import build_td3

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
        return build_td3(
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
    font: str = "ocrb"  # "ocrb" or "mono", or the path of a font file
    # Held-out conditions (``heldout_variants``); all off by default.
    guilloche: bool = False  # dense security-print curves over the whole page, the MRZ included
    perspective: float = 0.0  # corners moved by up to this share of the page size
    lighting: float = 0.0  # darkest corner's brightness lost to uneven light (0..1)
    moire: float = 0.0  # amplitude in grey levels of a photographed screen's interference
    salt: float = 0.0  # share of pixels turned black or white
    crop: float = 0.0  # share of the page cut away at the top and the sides
    occlusion: bool = False  # a thumb or clip over part of the printed fields (not the MRZ)
    mrz_stroke: int = 0  # px of extra ink around the MRZ glyphs: a heavier print of the same cut


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
    image = render_page(truth, lines, font=options.font, seed=seed, guilloche=options.guilloche,
                        mrz_stroke=options.mrz_stroke)
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
    if kind.startswith("/"):
        return ImageFont.truetype(kind, size)
    paths = {"ocrb": OCRB_FONTS + MONO_FONTS, "mono": MONO_FONTS, "sans": SANS_FONTS + MONO_FONTS}[kind]
    for path in paths:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def mrz_font_name() -> str:
    return "OCR-B" if Path(OCRB_FONTS[0]).exists() else "DejaVu Sans Mono"


def render_page(truth: PassportData, lines: tuple[str, str], *, font: str = "ocrb", seed: int = 0,
                guilloche: bool = False, mrz_stroke: int = 0) -> Image.Image:
    width, height = PAGE_MM[0] * PX_PER_MM, PAGE_MM[1] * PX_PER_MM
    page = Image.new("L", (width, height), 236)
    draw = ImageDraw.Draw(page)
    _background(draw, width, height, seed)
    if guilloche:
        _guilloche(draw, width, height, seed)
    _photo(draw)
    _labels(draw, truth)
    _mrz(draw, lines, font, height, stroke=mrz_stroke)
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


def _guilloche(draw: ImageDraw.ImageDraw, width: int, height: int, seed: int) -> None:
    """Rosettes and interlaced sine bands in light grey, as on real data pages, under the MRZ too."""
    rng = random.Random(seed * 31 + 7)
    for _ in range(3):
        cx, cy, radius = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(120, 300)
        k, grey = rng.choice([5, 7, 9, 11]), rng.randrange(185, 215)
        t = np.linspace(0, 2 * np.pi, 900)
        r = radius * (0.6 + 0.4 * np.cos(k * t))
        for shift in range(0, 360, 30):
            a = t + np.radians(shift)
            draw.line(list(zip(cx + r * np.cos(a), cy + r * np.sin(a), strict=True)), fill=grey, width=1)
    for band in range(rng.randrange(10, 20)):
        y0, amp, freq = rng.uniform(0, height), rng.uniform(5, 25), rng.uniform(15, 60)
        phase, grey = rng.uniform(0, 6.3), rng.randrange(190, 220)
        pts = [(x, y0 + amp * np.sin(x / freq + phase) + band) for x in range(0, width, 4)]
        draw.line(pts, fill=grey, width=1)


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


def _mrz(draw: ImageDraw.ImageDraw, lines: tuple[str, str], kind: str, height: int, *, stroke: int = 0) -> None:
    """ICAO 9303 Part 3 §4.2: 10 characters per 25.4 mm, lines about 4 mm apart near the bottom."""
    pitch = 2.54 * PX_PER_MM
    size = _font_size_for_pitch(kind, pitch)
    face = font(kind, size)
    x0 = 6 * PX_PER_MM
    baselines = (height - 14 * PX_PER_MM, height - 6 * PX_PER_MM)
    for line, y in zip(lines, baselines, strict=True):
        for i, char in enumerate(line):
            draw.text((x0 + i * pitch, y), char, font=face, fill=10, anchor="ls", stroke_width=stroke, stroke_fill=10)


@cache
def _font_size_for_pitch(kind: str, pitch: float) -> int:
    advance = font(kind, 100).getlength("M") / 100
    return max(10, round(pitch / advance * 0.98))


# --- degradation and encoding --------------------------------------------------------------------

def degrade(image: Image.Image, options: Options, *, seed: int = 0) -> Image.Image:
    if options.occlusion:
        image = _occlude(image, seed)
    if options.lighting or options.moire:
        image = _light(image, options, seed)
    if options.perspective:
        image = _perspective(image, options.perspective, seed)
    if options.crop:
        w, h = image.size
        cut = round(options.crop * min(w, h))
        image = image.crop((cut // 2, cut, w - cut // 2, h))
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
    if options.salt:
        rng = np.random.default_rng(seed + 1)
        arr = np.array(image)
        hits = rng.random(arr.shape) < options.salt
        arr[hits] = np.where(rng.random(int(hits.sum())) < 0.5, 0, 255)
        image = Image.fromarray(arr)
    return image


def _occlude(image: Image.Image, seed: int) -> Image.Image:
    """A thumb (dark ellipse) or a paper clip (bright bar) over the photo or the printed fields."""
    rng = random.Random(seed * 13 + 1)
    out = image.copy()
    draw = ImageDraw.Draw(out)
    w, h = out.size
    x, y = rng.uniform(0, 0.8 * w), rng.uniform(0, 0.45 * h)
    if rng.random() < 0.5:
        draw.ellipse((x, y, x + rng.uniform(80, 180), y + rng.uniform(120, 220)), fill=rng.randrange(90, 160))
    else:
        draw.rectangle((x, y, x + rng.uniform(150, 300), y + rng.uniform(15, 30)), fill=rng.randrange(200, 250))
    return out


def _light(image: Image.Image, options: Options, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed + 2)
    arr = np.asarray(image, dtype=np.float32)
    h, w = arr.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xx / w + np.sin(angle) * yy / h)
    ramp = (ramp - ramp.min()) / max(1e-6, float(ramp.max() - ramp.min()))
    arr = arr * (1.0 - options.lighting * ramp)
    if options.moire:
        period, tilt = rng.uniform(5, 9), rng.uniform(0.1, 0.4)
        arr = arr + options.moire * np.sin(2 * np.pi * (xx + tilt * yy) / period)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _perspective(image: Image.Image, amount: float, seed: int) -> Image.Image:
    """A page photographed at a slant: each corner moves inwards by up to ``amount`` of the size."""
    rng = random.Random(seed * 17 + 3)
    w, h = image.size
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    dst = [(x + sx * rng.uniform(0, amount) * w, y + sy * rng.uniform(0, amount) * h)
           for (x, y), (sx, sy) in zip(src, [(1, 1), (-1, 1), (-1, -1), (1, -1)], strict=True)]
    coeffs = _perspective_coefficients(dst, src)
    return image.transform((w, h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC, fillcolor=250)


def _perspective_coefficients(target: list[tuple[float, float]], source: list[tuple[float, float]]) -> list[float]:
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    solution = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(source, dtype=np.float64).ravel())
    return solution.tolist()


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


# --- the hard development split -------------------------------------------------------------------
# The held-out split's kinds of damage, on other seeds, other names and the faces the reader may be
# tuned on (the OCR-B cuts the glyph bank learns from, plus OCRBX, and monospace faces not in the
# held-out split): the development split reads almost perfectly, so this one shows the reader's
# weaknesses. Tune on it, like on ``variants``. The OCR-B group is the regular cut, the same cut
# printed heavier, and the outline cut (OCRBF), which a blurred scan turns into a light print; the
# inverted cuts (OCRBE, OCRBX: white on black) are no MRZ print.

DEV_HARD_SEED = 4_400_009
_OCRB_DIR = "/usr/share/fonts/opentype/ocr-b"
DEV_HARD_OCRB = (f"{_OCRB_DIR}/OCRB.otf", f"{_OCRB_DIR}/OCRB.otf+bold", f"{_OCRB_DIR}/OCRBF.otf")
DEV_HARD_MONO = (
    "/usr/share/fonts/truetype/noto/NotoMono-Regular.ttf",
    "/usr/share/fonts/fonts-go/Go-Mono.ttf",
    "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Medium.ttf",
    "/usr/share/fonts/truetype/firacode/FiraCode-Light.ttf",
    "/usr/share/fonts/opentype/courier-prime/Courier Prime Sans.otf",
    "/usr/share/fonts/truetype/inconsolata/Inconsolata.otf",
)
DEV_HARD_NAMES = [
    ("Lê", "Hoàng Bảo", "VNM"), ("Schäfer", "Günther", "DEU"), ("Håkansson", "Sölve", "SWE"),
    ("Conceição", "Luís Filipe", "PRT"), ("Muñoz", "Iñaki", "ESP"), ("Wiśniewska", "Małgorzata", "POL"),
    ("Yıldız", "Gülşen", "TUR"), ("Novák", "Tomáš", "SVK"), ("Reddy", "Venkata Lakshmi", "IND"),
    ("Adeyemi", "Oluwaseun", "NGA"), ("MacDonald", "Eilidh", "GBR"), ("García Márquez", "Gabriel José", "COL"),
    ("Park", "Seo Yeon", "KOR"), ("Zhou", "Xiaoming", "CHN"), ("Khoury", "Rania", "LBN"),
    ("Quispe", "Wilfredo", "PER"), ("Shevchenko", "Taras", "UKR"), ("Kazantzakis", "Eleni", "GRC"),
    ("Bach", "Quynh", "VNM"), ("Dela Cruz", "Jose Rizal", "PHL"), ("Otieno", "Achieng", "KEN"),
    ("Farouk", "Youssef", "EGY"), ("Qureshi", "Zainab", "PAK"), ("Tanaka", "Hiroshi", "JPN"),
    ("Bouazizi", "Mohamed Amine", "TUN"), ("Xu", "Bo", "SGP"), ("Virtanen", "Aino", "FIN"),
    ("Esposito", "Vincenzo", "ITA"), ("Popescu", "Ioana", "ROU"), ("Van der Berg", "Pieter", "NLD"),
]


def dev_hard_fonts() -> tuple[list[str], list[str]]:
    """(OCR-B cuts, other monospace faces) of the hard development split that are installed."""
    def installed(faces: tuple[str, ...]) -> list[str]:
        return [face for face in faces if Path(face.removesuffix("+bold")).exists()]

    return installed(DEV_HARD_OCRB), installed(DEV_HARD_MONO)


def dev_hard_passport(index: int, *, expired: bool = False, today: date | None = None) -> PassportData:
    rng = random.Random(DEV_HARD_SEED + index)
    today = today or date.today()
    surname, given, nationality = DEV_HARD_NAMES[rng.randrange(len(DEV_HARD_NAMES))]
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    number = rng.choice(letters) + "".join(rng.choice(letters + "0123456789" * 2) for _ in range(rng.choice([7, 8])))
    birth = date(1958, 1, 1) + timedelta(days=rng.randrange(365 * 47))
    expiry = today - timedelta(days=rng.randrange(1, 1500)) if expired else today + timedelta(
        days=rng.randrange(120, 3650))
    personal = "".join(rng.choice("0123456789") for _ in range(rng.choice([0, 0, 9, 12])))
    sex = "X" if rng.random() < 0.05 else rng.choice("MF")
    return PassportData(surname, given, nationality, number, birth, sex, expiry, personal_number=personal)


def dev_hard_variants(index: int, face: str) -> Options:
    """``face``: a font path, or a path + ``+bold`` for the same cut printed heavier."""
    rng = random.Random(DEV_HARD_SEED * 3 + index)
    return Options(
        rotation=rng.choice([rng.uniform(-4, 4), rng.uniform(-4, 4), rng.uniform(-4, 4), 180 + rng.uniform(-2, 2)]),
        blur=rng.choice([0, 0.4, 0.8, 1.2, 1.6]),
        noise=rng.choice([0, 4, 8, 14]),
        jpeg_quality=rng.randrange(55, 91),
        scale=rng.uniform(0.75, 1.3),
        font=face.removesuffix("+bold"),
        mrz_stroke=int(face.endswith("+bold")),
        guilloche=True,
        perspective=rng.choice([0, 0, rng.uniform(0.005, 0.03)]),
        lighting=rng.choice([0, rng.uniform(0.1, 0.45)]),
        moire=rng.choice([0, 0, rng.uniform(4, 12)]),
        salt=rng.choice([0, 0, 0.001, 0.004]),
        crop=rng.choice([0, 0, rng.uniform(0.01, 0.05)]),
        occlusion=rng.random() < 0.3,
    )


def make_dev_hard(index: int, font_path: str, *, wrong_check_digit: str = "", expired: bool = False,
                  ) -> GeneratedPassport:
    truth = dev_hard_passport(index, expired=expired)
    options = replace(dev_hard_variants(index, font_path), wrong_check_digit=wrong_check_digit, expired=expired)
    fmt = "pdf" if index % 5 == 4 else ("jpeg", "png")[index % 2]
    return make_passport(truth, seed=DEV_HARD_SEED + index, fmt=fmt, options=options)


# --- the unseen-face development split ------------------------------------------------------------
# ``dev-hard``'s other-font pages use faces the glyph bank learns from, so they say little about a
# face the reader has never seen, which is what the held-out split's other-font group is. These faces
# are kept out of the bank (a test holds that) and out of the held-out split's families, so a
# development run can show how the reader does on an unseen face without looking at held-out pages.
# The pages are ``dev-hard``'s kind of damage on other indices, so they are not ``dev-hard``'s pages.

DEV_UNSEEN_OFFSET = 50_000
DEV_UNSEEN_MONO = (
    "/usr/share/fonts/truetype/anonymous-pro/Anonymous Pro.ttf",
    "/usr/share/fonts/opentype/league-mono/LeagueMono-Regular.otf",
    "/usr/share/fonts/truetype/oxygen/OxygenMono-Regular.ttf",
    "/usr/share/fonts/truetype/monoid/Monoid-Regular.ttf",
    "/usr/share/fonts/truetype/fantasque-sans/Normal/TTF/FantasqueSansMono-Regular.ttf",
)


def dev_unseen_fonts() -> tuple[list[str], list[str]]:
    """(OCR-B cuts, monospace faces the glyph bank never learns from) that are installed."""
    ocrb, _ = dev_hard_fonts()
    return ocrb, [face for face in DEV_UNSEEN_MONO if Path(face).exists()]


def make_dev_unseen(index: int, font_path: str, *, wrong_check_digit: str = "", expired: bool = False,
                    ) -> GeneratedPassport:
    return make_dev_hard(DEV_UNSEEN_OFFSET + index, font_path, wrong_check_digit=wrong_check_digit,
                         expired=expired)


# --- the held-out split ---------------------------------------------------------------------------
# Made with other seeds, other names and other conditions than ``variants`` (the development split):
# nothing in the reader may be tuned on it. Fonts that are missing on the machine are skipped.

OCRB_CUTS = ("/usr/share/fonts/opentype/ocr-b/OCRB.otf", "/usr/share/fonts/opentype/ocr-b/OCRBS.otf",
             "/usr/share/fonts/opentype/ocr-b/OCRBL.otf")
OTHER_MONO = ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
              "/usr/share/fonts/truetype/freefont/FreeMono.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")
HELDOUT_SEED = 1_000_003

HELDOUT_NAMES = [
    ("Adeyemi", "Oluwaseun", "NGA"), ("Bhattacharya", "Ananya", "IND"), ("Castillo", "Ximena", "PER"),
    ("Dąbrowski", "Paweł", "POL"), ("Ekström", "Linnéa", "SWE"), ("Fitzgerald", "Niamh", "IRL"),
    ("Guðmundsdóttir", "Sigrún", "ISL"), ("Huỳnh", "Quốc Bảo", "VNM"), ("Ibrahimović", "Amra", "BIH"),
    ("Jovanović", "Miloš", "SRB"), ("Karimov", "Rustam", "UZB"), ("Lefèvre", "Zoé", "FRA"),
    ("Mahlangu", "Thandiwe", "ZAF"), ("Nascimento", "Gabriela", "BRA"), ("Özdemir", "Çağrı", "TUR"),
    ("Pereira da Costa", "Luís Miguel", "PRT"), ("Quispe", "Wilfredo", "BOL"), ("Rahman", "Nusrat", "BGD"),
    ("Szabó", "Zsófia", "HUN"), ("Tanaka", "Haruto", "JPN"), ("Uzoma", "Chiamaka", "NGA"),
    ("Vasquez", "Dolores", "PHL"), ("Wiśniewska", "Zuzanna", "POL"), ("Yilmaz", "Elif", "TUR"),
    ("Zapata", "Hugo", "COL"), ("Hoang", "Thi Thu Ha", "VNM"), ("El Amrani", "Youssef", "MAR"),
]


def heldout_fonts() -> tuple[list[str], list[str]]:
    """(OCR-B cuts, other monospace fonts) present on this machine."""
    return [f for f in OCRB_CUTS if Path(f).exists()], [f for f in OTHER_MONO if Path(f).exists()]


def heldout_passport(index: int, *, today: date | None = None) -> PassportData:
    rng = random.Random(HELDOUT_SEED + index * 104_729)
    today = today or date.today()
    surname, given, nationality = HELDOUT_NAMES[rng.randrange(len(HELDOUT_NAMES))]
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    number = "".join(rng.choice(letters + "0123456789" * 2) for _ in range(rng.choice([8, 9, 9])))
    birth = date(1955, 1, 1) + timedelta(days=rng.randrange(365 * 50))
    expiry = today + timedelta(days=rng.randrange(30, 3650))
    personal = "".join(rng.choice("0123456789ABCDEFGHJK") for _ in range(rng.choice([0, 0, 0, 9, 14])))
    return PassportData(surname, given, nationality, number, birth, rng.choice("MFX"), expiry,
                        personal_number=personal)


def heldout_variants(index: int, font_path: str) -> Options:
    rng = random.Random(HELDOUT_SEED * 3 + index)
    return Options(
        rotation=rng.uniform(-4, 4), blur=rng.choice([0, 0.4, 0.8, 1.2]), noise=rng.choice([0, 4, 8, 12]),
        jpeg_quality=rng.randrange(55, 91), scale=rng.uniform(0.75, 1.3), font=font_path,
        guilloche=True, perspective=rng.choice([0, 0, 0.01, 0.02, 0.03]), lighting=rng.uniform(0, 0.45),
        moire=rng.choice([0, 0, 0, 6, 10]), salt=rng.choice([0, 0.001, 0.003, 0.006]),
        crop=rng.choice([0, 0, 0.02, 0.04]), occlusion=rng.random() < 0.3,
    )


def make_heldout(index: int, font_path: str, *, wrong_check_digit: str = "", expired: bool = False,
                 today: date | None = None) -> GeneratedPassport:
    """Held-out page ``index`` with its MRZ in ``font_path``; every fifth an image-only PDF."""
    today = today or date.today()
    truth = heldout_passport(index, today=today)
    if expired:
        truth = PassportData(truth.surname, truth.given_names, truth.nationality, truth.number,
                             truth.birth_date, truth.sex, today - timedelta(days=1 + index % 900),
                             personal_number=truth.personal_number)
    options = heldout_variants(index, font_path)
    options = Options(**{**options.__dict__, "wrong_check_digit": wrong_check_digit, "expired": expired})
    fmt = "pdf" if index % 5 == 4 else ("jpeg", "png")[index % 2]
    return make_passport(truth, seed=HELDOUT_SEED + index, fmt=fmt, options=options)
