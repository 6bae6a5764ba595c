"""The anonymous whole-page cache: served from cache, never personal, fresh after publishing."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from lms.middleware import CACHE_HEADER

from .. import factories


@pytest.fixture
def page_cache(settings):
    """The page cache on, empty at the start of each test."""
    settings.TAYNGHE_PAGE_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_anonymous_page_is_served_from_the_cache(
    client, tenant_a, page_cache, django_assert_num_queries
):
    first = client.get(tenant_a.course.url)
    assert first.status_code == 200
    assert first[CACHE_HEADER] == "miss"
    with django_assert_num_queries(0):
        second = client.get(tenant_a.course.url)
    assert second.status_code == 200
    assert second[CACHE_HEADER] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "Cookie" in second["Vary"]


def test_anonymous_page_has_no_csrf_token_or_cookie(client, tenant_a, page_cache):
    for path in (tenant_a.course.url, "/catalogue/", "/"):
        response = client.get(path)
        assert response[CACHE_HEADER] == "miss"
        assert not response.cookies
        assert b"csrfmiddlewaretoken" not in response.content


def test_logged_in_visitor_is_never_served_or_stored(client, tenant_a, page_cache):
    client.get(tenant_a.course.url)  # an anonymous visit fills the cache
    client.force_login(tenant_a.learner)
    for _attempt in range(2):
        response = client.get(tenant_a.course.url)
        assert response.status_code == 200
        assert CACHE_HEADER not in response
        assert tenant_a.learner.display_name in response.content.decode()


def test_page_with_query_string_is_cached_apart(client, tenant_a, page_cache):
    client.get("/catalogue/")
    filtered = client.get("/catalogue/", {"q": "không-có-khóa-nào"})
    assert filtered[CACHE_HEADER] == "miss"
    assert tenant_a.course.title not in filtered.content.decode()


def test_languages_are_cached_apart(client, site, page_cache):
    vietnamese = client.get("/")
    english = client.get("/en/")
    assert english[CACHE_HEADER] == "miss"
    assert '<html lang="vi">' in vietnamese.content.decode()
    assert '<html lang="en">' in english.content.decode()


def test_views_that_are_not_pages_are_not_cached(client, site, page_cache):
    for _attempt in range(2):
        response = client.get("/accounts/login/")
        assert CACHE_HEADER not in response


def test_publishing_a_change_shows_the_new_content(
    client, tenant_a, page_cache, django_capture_on_commit_callbacks
):
    assert "Mô tả mới của khóa học" not in client.get(tenant_a.course.url).content.decode()
    assert client.get(tenant_a.course.url)[CACHE_HEADER] == "hit"
    course = tenant_a.course
    course.summary = "Mô tả mới của khóa học"
    with django_capture_on_commit_callbacks(execute=True):
        course.save_revision().publish()
    response = client.get(course.url)
    assert response[CACHE_HEADER] == "miss"
    assert "Mô tả mới của khóa học" in response.content.decode()


def test_unpublishing_removes_the_page_from_the_cache(
    client, tenant_a, page_cache, django_capture_on_commit_callbacks
):
    catalogue = client.get("/catalogue/")
    assert tenant_a.course.title in catalogue.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        tenant_a.course.unpublish()
    assert client.get(tenant_a.course.url).status_code == 404
    assert tenant_a.course.title not in client.get("/catalogue/").content.decode()


def test_cache_is_off_when_the_setting_is_zero(client, tenant_a, settings):
    settings.TAYNGHE_PAGE_CACHE_SECONDS = 0
    for _attempt in range(2):
        assert CACHE_HEADER not in client.get(tenant_a.course.url)


def test_new_course_appears_in_the_cached_catalogue(
    client, tenant_a, page_cache, django_capture_on_commit_callbacks
):
    client.get("/catalogue/")
    programme = tenant_a.course.get_parent().specific
    with django_capture_on_commit_callbacks(execute=True):
        factories.make_course(programme, title="Khóa học vừa xuất bản")
    assert "Khóa học vừa xuất bản" in client.get("/catalogue/").content.decode()
