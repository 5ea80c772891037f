"""The authorities' fixtures (every office behind the loopback simulator), for the tests that follow a
case from the web into an office (test_logs.py, test_tracing.py)."""

from tests.authorities.conftest import (  # noqa: F401 - fixtures
    _rules_year,
    http_transport,
    make_case,
    offices,
    rsa_key,
    simulator_server,
)
