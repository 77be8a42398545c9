"""The Redis cache backend (agiletrack.redis_cache) against a real redis-server: every call the
metrics cache makes works, through one client per connection pool."""

import pytest
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from agiletrack.redis_cache import RedisCache
from tests.redis_server import RedisServer, free_port


@pytest.fixture
def redis_url(tmp_path):
    server = RedisServer(tmp_path, free_port())
    server.start()
    yield server.url
    server.stop()


def test_every_call_the_metrics_cache_makes_works_through_one_client(redis_url):
    cache = RedisCache(redis_url, {"KEY_PREFIX": "t"})

    assert cache.add("version", 1, timeout=None)
    assert not cache.add("version", 5, timeout=None)
    assert cache.incr("version") == 2
    cache.set("family", {"median": 12.5, "count": 3}, 60)
    assert cache.get_many(["version", "family", "missing"]) == {
        "version": 2,
        "family": {"median": 12.5, "count": 3},
    }
    assert cache.get("missing", "default") == "default"
    cache.delete("family")
    assert cache.get("family") is None

    client = cache._cache.get_client("version")
    assert cache._cache.get_client("family", write=True) is client


def test_it_stores_what_djangos_backend_reads(redis_url):
    """The same keys and values as Django's own backend: switching loses no cached value."""
    ours, django = RedisCache(redis_url, {}), DjangoRedisCache(redis_url, {})

    ours.set("shared", [1, 2, 3], 60)

    assert django.get("shared") == [1, 2, 3]
