"""Browser tests: Debian's Chromium driven by Playwright against the live test server.

Playwright's own browser download is not used; CI installs `chromium` with apt (see .ci/run).
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e import walk_guard

# Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures are still
# synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium); CI installs it")
    for item in items:
        if "e2e" in item.nodeid:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args():
    # axe is injected as a script; our CSP (tested on its own in tests/security) would block it.
    return {"bypass_csp": True, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def axe_violations():
    """Runs axe-core (WCAG 2.1 A/AA) on a page and returns the violations of impact moderate or above."""
    return walk_guard.axe_violations
