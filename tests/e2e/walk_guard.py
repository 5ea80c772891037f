"""What a newcomer's walk must never meet, checked on every page it visits (issue 24): console errors,
responses with 4xx/5xx the step did not expect, raw codes or field names in the visible text, and a page
wider than the viewport."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A code is lower-case words joined by underscores (document_type_unknown, passport_data_missing);
# e-mail addresses and URLs are removed from the text first.
RAW_CODE = re.compile(r"(?<![\w@/.-])[a-z]+(?:_[a-z0-9]+)+(?![\w@/-])")
TEMPLATE_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|%\([a-z_]+\)s")
ADDRESSES = re.compile(r"\S+@\S+|https?://\S+")


@dataclass
class WalkGuard:
    page: object
    expected_statuses: set = field(default_factory=set)
    console_errors: list = field(default_factory=list)
    bad_responses: list = field(default_factory=list)

    def __post_init__(self):
        self.page.on("console", self._console)
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
        text = ADDRESSES.sub(" ", page.locator("body").inner_text())
        problems = []
        codes = sorted(set(RAW_CODE.findall(text)))
        if codes:
            problems.append(f"raw codes in the text: {codes}")
        if TEMPLATE_LEFTOVER.search(text):
            problems.append("template syntax in the text")
        too_wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if too_wide > 1:
            problems.append(f"the page is {too_wide}px wider than the viewport")
        if self.console_errors:
            problems.append(f"console errors: {self.console_errors}")
        if self.bad_responses:
            problems.append(f"unexpected responses: {self.bad_responses}")
        assert not problems, f"{where or page.url}: " + "; ".join(problems)
