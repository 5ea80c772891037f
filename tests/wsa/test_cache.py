"""The Redis cache keeps one client per connection pool (wsa/cache.py) and behaves as Django's."""

import pytest
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.skipif(settings.CACHES["default"]["BACKEND"] != "wsa.cache.RedisCache",
                                reason="the tests run without Redis")


def test_one_client_serves_every_operation_and_values_round_trip():
    client = cache._cache.get_client("a")  # noqa: SLF001 - the backend's own client
    assert cache._cache.get_client("b", write=True) is client  # noqa: SLF001
    cache.set("wsa-cache-test", {"version": 3}, 30)
    assert cache.get("wsa-cache-test") == {"version": 3}
    assert cache.get_many(["wsa-cache-test", "wsa-cache-missing"]) == {"wsa-cache-test": {"version": 3}}
    cache.delete("wsa-cache-test")
    assert cache.get("wsa-cache-test") is None
