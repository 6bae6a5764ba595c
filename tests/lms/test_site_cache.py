"""The per-process Site lookup: one query saved per request, forgotten when a Site changes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from wagtail.models import Site

from lms import site_cache


@pytest.fixture(autouse=True)
def _empty_cache():
    site_cache.site_cache_clear()
    yield
    site_cache.site_cache_clear()


def _site_queries(client, path="/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    # Wagtail's host lookup ranks sites with an annotation named "match".
    return sum(
        'FROM "wagtailcore_site"' in q["sql"] and 'AS "match"' in q["sql"]
        for q in queries.captured_queries
    )


@override_settings(TAYNGHE_SITE_CACHE_SECONDS=60)
def test_second_request_needs_no_site_query(client, site):
    assert _site_queries(client) == 1
    assert _site_queries(client) == 0


@override_settings(TAYNGHE_SITE_CACHE_SECONDS=60)
def test_saving_a_site_is_seen_at_once(client, site):
    _site_queries(client)
    default = Site.objects.get(is_default_site=True)
    default.site_name = "Đổi tên"
    default.save()
    assert _site_queries(client) == 1


@override_settings(TAYNGHE_SITE_CACHE_SECONDS=60)
def test_each_request_gets_its_own_site_instance(rf, site):
    request = rf.get("/")
    first = site_cache.site_for_request(request)
    first.root_page  # noqa: B018 - loads and caches the root page on this instance
    second = site_cache.site_for_request(rf.get("/"))
    assert first is not second
    assert second.pk == first.pk
    assert "root_page" not in second._state.fields_cache


@override_settings(TAYNGHE_SITE_CACHE_SECONDS=0)
def test_turned_off_it_asks_every_time(client, site):
    assert _site_queries(client) == 1
    assert _site_queries(client) == 1
