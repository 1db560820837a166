"""Settings read from the environment: the shared cache for sign-in throttling, its table
made wherever migrate runs so throttling works from the first request."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from rpd.settings import cache_from_url


@pytest.mark.django_db(transaction=True)
def test_migrate_makes_the_database_cache_table(settings):
    settings.CACHES = {"default": cache_from_url("db://rpd_cache_for_this_test")}
    try:
        call_command("migrate", verbosity=0)
        assert "rpd_cache_for_this_test" in connection.introspection.table_names()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS rpd_cache_for_this_test")


def test_the_cache_is_the_database_by_default_or_redis_when_asked():
    assert cache_from_url("db://rpd_cache") == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "rpd_cache",
    }
    assert cache_from_url("redis://cache.internal:6379/0")["BACKEND"] == (
        "django.core.cache.backends.redis.RedisCache"
    )
    with pytest.raises(ImproperlyConfigured, match="RPD_CACHE_URL: unsupported scheme 'memcached'"):
        cache_from_url("memcached://x")
