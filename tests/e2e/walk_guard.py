"""What a newcomer's walk must never meet, checked on every page it visits (issue 24): console errors,
responses with 4xx/5xx the step did not expect, raw codes or field names in the visible text, English
source text left untranslated on a page in another language, accessibility violations found by axe,
and a page wider than the viewport."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polib
from django.conf import settings

# A code is lower-case words joined by underscores (document_type_unknown, passport_data_missing);
# e-mail addresses and URLs are removed from the text first.
RAW_CODE = re.compile(r"(?<![\w@/.-])[a-z]+(?:_[a-z0-9]+)+(?![\w@/-])")
TEMPLATE_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|%\([a-z_]+\)s")
ADDRESSES = re.compile(r"\S+@\S+|https?://\S+")
# WSA_E2E_SHOTS=/some/folder keeps a full-page screenshot of every checked page for a person to look at.
SHOTS = Path(os.environ["WSA_E2E_SHOTS"]) if os.environ.get("WSA_E2E_SHOTS") else None
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Shorter strings ("OK", "PDF", "ID") are the same in too many languages to prove a leak.
SHORTEST_LEAK = 4
PLACEHOLDER = re.compile(r"%(\([^)]*\))?[sdif]|\{[^}]*\}")

# Every visible text node, and every line of the rendered text, of the parts of the page that are in
# the page's own language: an element with another `lang` (the language picker's names, a German legal
# term given in brackets) says on purpose that its text is not in the page's language.
VISIBLE_TEXTS_JS = """
() => {
  const pageLanguage = (document.documentElement.lang || '').toLowerCase();
  const squash = s => s.replace(/\\s+/g, ' ').trim();
  const texts = new Set();
  const inPageLanguage = el => {
    const marked = el.closest('[lang]');
    return !marked || marked.lang.toLowerCase() === pageLanguage;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    const text = squash(node.textContent);
    if (!text || !el || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(el.tagName)) continue;
    if (!el.checkVisibility({visibilityProperty: true}) || !inPageLanguage(el)) continue;
    texts.add(text);
  }
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], input[type=submit]')) {
    if (!inPageLanguage(el)) continue;
    for (const name of ['aria-label', 'placeholder', 'title', 'value']) {
      if (name === 'value' && el.type !== 'submit') continue;
      const value = squash(el.getAttribute(name) || '');
      if (value) texts.add(value);
    }
  }
  const blocks = 'p, li, td, th, dt, dd, label, legend, h1, h2, h3, h4, button, a, summary, caption';
  for (const block of document.querySelectorAll(`body :is(${blocks})`)) {
    if (!inPageLanguage(block) || block.querySelector('[lang]')) continue;
    for (const line of block.innerText.split('\\n')) {
      const text = squash(line);
      if (text) texts.add(text);
    }
  }
  return [...texts];
}
"""

# In a right-to-left page a citation must be isolated as left-to-right (`<bdi dir="ltr">`, the
# `citations` filter), or its neutral "§" moves to the far end: "(18g AufenthG §)"; a field holding one
# is written left to right (wsa.forms.CitationInput). The options of a closed <select> cannot hold
# markup and are left out.
MIRRORED_CITATIONS_JS = """
() => {
  if (document.documentElement.dir !== 'rtl') return [];
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !/§/.test(node.textContent) || el.closest('option, script, style')) continue;
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const direction = el.closest('[dir]');
    if (!direction || direction.dir !== 'ltr') found.push(node.textContent.replace(/\\s+/g, ' ').trim());
  }
  for (const field of document.querySelectorAll('input, textarea')) {
    if (field.type === 'hidden' || !/§/.test(field.value)) continue;
    if (getComputedStyle(field).direction === 'rtl') found.push(`${field.name}: ${field.value}`);
  }
  return found;
}
"""


def _normalised(text: str) -> str:
    """Spaces collapsed, and a non-breaking hyphen (which keeps a Latin name whole in an Arabic line) read
    as the hyphen it is."""
    return " ".join(text.replace("\u2011", "-").split())


@cache
def leaked_source_strings(language: str) -> frozenset[str]:
    """The English source strings that a page in `language` must not show: every msgid of the portal's
    catalogues (its own and the vendor file for the account pages) whose translation into `language`
    exists and differs from it. Left out: strings that some entry keeps as they are, alone ("Status") or
    beside a translation (a name: "وكالة العمل والإقامة (Work-and-Stay-Agentur)"), and strings with
    placeholders (never shown as they stand)."""
    if language.split("-")[0] == "en":
        return frozenset()
    folder = language.replace("-br", "_BR")
    translated, kept_as_is = set(), set()
    for root in settings.LOCALE_PATHS:
        catalogue = Path(root) / folder / "LC_MESSAGES" / "django.po"
        if not catalogue.exists():
            continue
        for entry in polib.pofile(str(catalogue)):
            if entry.obsolete or "fuzzy" in entry.flags:
                continue
            pairs = [(entry.msgid, entry.msgstr)] if not entry.msgid_plural else [
                (entry.msgid, entry.msgstr_plural.get(0, "")),
                (entry.msgid_plural, entry.msgstr_plural.get(max(entry.msgstr_plural, default=0), ""))]
            for source, target in pairs:
                source, target = _normalised(source), _normalised(target)
                if not target or source in target:
                    kept_as_is.add(source)
                elif len(source) >= SHORTEST_LEAK and not PLACEHOLDER.search(source):
                    translated.add(source)
    return frozenset(translated - kept_as_is)


def untranslated(texts, language: str) -> list[str]:
    """The texts among `texts` that are English source strings a page in `language` should not show."""
    leaks = leaked_source_strings(language)
    return sorted({_normalised(text) for text in texts} & leaks)


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations of impact moderate or above on the page shown now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "targets": [node["target"] for node in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in ("moderate", "serious", "critical")
    ]


@dataclass
class WalkGuard:
    page: object
    language: str | None = None  # of the pages walked; None: read from <html lang> on each check
    expected_statuses: set = field(default_factory=set)
    axe: bool = True
    console_errors: list = field(default_factory=list)
    bad_responses: list = field(default_factory=list)

    def __post_init__(self):
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def _response(self, response):
        if response.status >= 400 and response.status not in self.expected_statuses:
            self.bad_responses.append(f"{response.status} {response.url}")

    def check(self, where: str = "") -> None:
        """Fails with everything wrong on the page shown now."""
        page = self.page
        page.wait_for_load_state("load")
        if SHOTS:
            SHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w-]+", "-", f"{self.language or ''} {page.viewport_size['width']} {where}").strip("-")
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        text = ADDRESSES.sub(" ", page.locator("body").inner_text())
        problems = []
        language = page.locator("html").get_attribute("lang") or ""
        if self.language and language != self.language:
            problems.append(f"the page is in {language!r}, not {self.language!r}")
        codes = sorted(set(RAW_CODE.findall(text)))
        if codes:
            problems.append(f"raw codes in the text: {codes}")
        if TEMPLATE_LEFTOVER.search(text):
            problems.append("template syntax in the text")
        leaked = untranslated(page.evaluate(VISIBLE_TEXTS_JS), language)
        if leaked:
            problems.append(f"untranslated English in a page in {language!r}: {leaked}")
        mirrored = page.evaluate(MIRRORED_CITATIONS_JS)
        if mirrored:
            problems.append(f"citations not isolated left-to-right in a right-to-left page: {mirrored}")
        too_wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if too_wide > 1:
            problems.append(f"the page is {too_wide}px wider than the viewport")
        if self.axe:
            violations = axe_violations(page)
            if violations:
                problems.append(f"axe: {violations}")
        if self.console_errors:
            problems.append(f"console errors: {self.console_errors}")
        if self.bad_responses:
            problems.append(f"unexpected responses: {self.bad_responses}")
        assert not problems, f"{language} {page.viewport_size['width']}px {where} {page.url}: " + "; ".join(problems)
