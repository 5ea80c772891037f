"""The test database is dropped at the end of a session that ran browser tests: Playwright's sync API runs an
event loop in the test thread from its first browser test on, Django then keeps the thread's connections per
asyncio context, and a connection opened under the loop used to stay open after it stopped (pytest-django
could not drop the database: "is being accessed by other users", a warning in CI runs, 3 of 4)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

PROBE = Path(__file__).with_name("probe_session_teardown.py")


@pytest.mark.slow
def test_the_test_database_is_dropped_after_browser_tests():
    if connection.vendor != "postgresql":
        pytest.skip("the teardown of a PostgreSQL test database is what is checked")
    s = connection.settings_dict
    name = s["NAME"].removeprefix("test_") + "_teardown_probe"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env["DATABASE_URL"] = f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
    env["DJANGO_ENV"] = "test"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rw", "-p", "no:randomly", "-p", "no:cacheprovider",
         "-o", "python_files=probe_*.py", str(PROBE)],
        cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "3 passed" in output, output[-3000:]
    assert "Error when trying to teardown test databases" not in output, output[-3000:]
