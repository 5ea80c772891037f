from tests.authorities.conftest import make_case, offices  # noqa: F401 - the procedure's fixtures
