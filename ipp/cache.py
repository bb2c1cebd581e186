"""The Redis cache, failing open: a Redis outage costs the rate limits for its duration, never a page.

The cache holds counters of the rate limits (allauth's sign-in and code limits, the API's
throttles) and figures that are counted again when missing (a rights holder's decided listings);
everything a user submits is in PostgreSQL. With Django's ``RedisCache`` a
Redis that is down turns every throttled request (a filing, a sign-in) into a 500, though the
database would take it (tests/faults/test_redis_stopped.py). Here a read that cannot reach Redis
is a miss and a write is dropped, each logged, so the limits simply do not count until Redis is
back.
"""

import logging
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


def _fail_open(fallback):
    def decorate(method):
        @wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE:
                logger.warning("Redis cache unreachable in %s: rate limits do not count and figures are recounted until "
                               "it is back",
                               method.__name__, exc_info=True)
                return fallback(*args, **kwargs) if callable(fallback) else fallback
        return guarded
    return decorate


class FailOpenRedisCache(RedisCache):
    get = _fail_open(lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _fail_open(lambda *args, **kwargs: {})(RedisCache.get_many)  # a new dict each time: callers may fill it
    has_key = _fail_open(False)(RedisCache.has_key)
    set = _fail_open(None)(RedisCache.set)
    set_many = _fail_open(lambda *args, **kwargs: [])(RedisCache.set_many)
    add = _fail_open(True)(RedisCache.add)  # as if stored: a limit starts counting once Redis is back
    touch = _fail_open(False)(RedisCache.touch)
    delete = _fail_open(False)(RedisCache.delete)
    delete_many = _fail_open(None)(RedisCache.delete_many)
    incr = _fail_open(lambda key, delta=1, version=None: delta)(RedisCache.incr)
    clear = _fail_open(False)(RedisCache.clear)
