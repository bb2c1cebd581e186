"""With Redis down, the cache fails open: rate limits stop counting, pages keep working (ipp/cache.py)."""

import logging

import pytest
from django.core.cache import caches
from django.test import override_settings

from .conftest import api_as, approve_ipr, make_ipr, make_listing

NOWHERE = {"default": {"BACKEND": "ipp.cache.FailOpenRedisCache", "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens
                       "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}


@override_settings(CACHES=NOWHERE)
def test_every_cache_call_answers_as_a_miss_and_logs_when_redis_is_unreachable(caplog):
    cache = caches["default"]
    with caplog.at_level(logging.WARNING, logger="ipp.cache"):
        assert cache.get("k", "fallback") == "fallback"
        assert cache.set("k", 1) is None and cache.add("k", 1) is True
        assert cache.incr("k", 5) == 5 and cache.get_many(["k"]) == {} and cache.has_key("k") is False
        cache.delete("k")
    assert "Redis cache unreachable in get" in caplog.text


@pytest.mark.django_db
def test_a_complaint_is_filed_through_the_throttled_api_while_the_cache_is_down(holder, reviewer):
    right = approve_ipr(make_ipr(holder), reviewer=reviewer)
    client = api_as(holder)
    with override_settings(CACHES=NOWHERE):
        response = client.post("/api/v1/complaints/", {
            "platform": "taobao", "ipr": right.pk, "reason": "counterfeit", "urls": make_listing().url}, format="json")
    assert response.status_code == 201, response.content
