#!/usr/bin/env bash
# Installs the system packages the portal needs when they are missing: tesseract (deu+eng) and the
# OCR-B font for the document checks, gettext for the translations, PostgreSQL's client tools for backups,
# and promtool (Debian's prometheus package) that checks the alert rules under deploy/prometheus/.
# Without root it only says what is missing:
# the portal still runs, and the checks report "OCR unavailable" instead of failing.
set -u
missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
if command -v tesseract >/dev/null 2>&1; then
  langs=$(tesseract --list-langs 2>/dev/null)
  grep -qx deu <<<"$langs" || missing+=(tesseract-ocr-deu)
  grep -qx eng <<<"$langs" || missing+=(tesseract-ocr-eng)
else
  missing+=(tesseract-ocr-deu tesseract-ocr-eng)
fi
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
# manage.py backup / restore_backup and the restore drill use PostgreSQL's client tools.
command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 || missing+=(postgresql-client)
# The MRZ reader compares characters with OCR-B glyphs; without the font no image MRZ counts as valid.
[ -f /usr/share/fonts/opentype/ocr-b/OCRB.otf ] || missing+=(fonts-ocr-b)
# The MRZ glyph classifier also learns from these monospace faces (documents/checks/glyphs.py), so
# that zones printed in other cuts or faces are read too; each missing one only narrows what it knows.
[ -f /usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf ] || missing+=(fonts-noto-mono)
[ -f /usr/share/fonts/truetype/inconsolata/Inconsolata.otf ] || missing+=(fonts-inconsolata)
[ -f /usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf ] || missing+=(fonts-jetbrains-mono)
[ -f /usr/share/fonts/fonts-go/Go-Mono.ttf ] || missing+=(fonts-go)
[ -f "/usr/share/fonts/opentype/courier-prime/Courier Prime.otf" ] || missing+=(fonts-courier-prime)
[ -f /usr/share/fonts/truetype/firacode/FiraCode-Regular.ttf ] || missing+=(fonts-firacode)
# Faces the bank must never learn from: bench/document_checks.py --split dev-unseen sets its other-font
# pages in them, to show how the reader does on a face it has not seen (each missing one is skipped).
[ -f "/usr/share/fonts/truetype/anonymous-pro/Anonymous Pro.ttf" ] || missing+=(fonts-anonymous-pro)
[ -f /usr/share/fonts/opentype/league-mono/LeagueMono-Regular.otf ] || missing+=(fonts-league-mono)
[ -f /usr/share/fonts/truetype/oxygen/OxygenMono-Regular.ttf ] || missing+=(fonts-oxygen)
[ -f /usr/share/fonts/truetype/monoid/Monoid-Regular.ttf ] || missing+=(fonts-monoid)
[ -f /usr/share/fonts/truetype/fantasque-sans/Normal/TTF/FantasqueSansMono-Regular.ttf ] || missing+=(fonts-fantasque-sans)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} ..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Missing system packages: ${missing[*]} (install them with your package manager; OCR checks stay off until then)." >&2
fi
exit 0
