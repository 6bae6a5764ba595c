"""The whole-page cache of Wagtail pages for anonymous visitors.

An anonymous visitor without a session or pending messages sees the same page as
every other anonymous visitor, so the rendered page is kept in the cache for
TAYNGHE_PAGE_CACHE_SECONDS and served without touching the database. Anything
personal keeps the page out of the cache: a session or messages cookie on the
request, a logged-in user, a cookie or a CSRF token on the response.

Publishing, unpublishing, moving or deleting any page bumps one generation number;
a cached page counts only if it was rendered in the current generation (both are
read in one cache round trip), so the next visitor sees the change at once; other
changes shown on pages (an institution's name) are at most the timeout late.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation

GENERATION_KEY = "taynghe:page-cache:generation"
CACHE_HEADER = "X-Page-Cache"
_UNCACHEABLE_CONTROL = ("private", "no-cache", "no-store")


def page_cache_generation() -> int:
    """The current generation; a lost value restarts from the clock, never from an old number."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY, 0)
    return generation


def page_cache_invalidate() -> None:
    """Make every cached page stale (after commit, so no reader re-caches the old page)."""

    def bump() -> None:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, time.time_ns(), timeout=None)

    transaction.on_commit(bump)


def _language(request) -> str:
    # What LocaleMiddleware will choose: the /en/ prefix, or the default language.
    return translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE


def _is_page_address(request) -> bool:
    # Resolved before LocaleMiddleware has run, so under the path's own language.
    with translation.override(_language(request)):
        try:
            return resolve(request.path_info).url_name == "wagtail_serve"
        except Resolver404:
            return False


def page_cache_key(request) -> str:
    """The key of this request's page: host, language and full path."""
    address = f"{request.get_host()}|{_language(request)}|{request.get_full_path()}"
    return f"taynghe:page-cache:{hashlib.sha256(address.encode()).hexdigest()}"


def _request_is_cacheable(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and _is_page_address(request)
    )


def _response_is_cacheable(request, response) -> bool:
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and match is not None
        and match.url_name == "wagtail_serve"
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (user is not None and user.is_authenticated)
        and not any(word in cache_control for word in _UNCACHEABLE_CONTROL)
    )


class AnonymousPageCacheMiddleware:
    """Serve Wagtail pages to anonymous visitors from the cache (placed before sessions)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.TAYNGHE_PAGE_CACHE_SECONDS
        if seconds <= 0 or not _request_is_cacheable(request):
            return self.get_response(request)
        key = page_cache_key(request)
        # One round trip: the page comes with the generation it was rendered in, and
        # counts only if that is still the current one.
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            generation = page_cache_generation()
        stored = found.get(key)
        if stored is not None and stored[0] == generation:
            _generation, status, headers, content = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response[CACHE_HEADER] = "hit"
            return response
        response = self.get_response(request)
        if _response_is_cacheable(request, response):
            entry = (generation, response.status_code, list(response.items()), response.content)
            cache.set(key, entry, seconds)
            response[CACHE_HEADER] = "miss"
        return response


def _page_changed(sender, **kwargs) -> None:
    page_cache_invalidate()


def _maybe_page_deleted(sender, instance, **kwargs) -> None:
    from wagtail.models import Page

    if isinstance(instance, Page):
        page_cache_invalidate()


def connect_signals() -> None:
    """Invalidate cached pages whenever what the page tree shows may have changed."""
    from django.db.models.signals import post_delete
    from wagtail.signals import page_published, page_unpublished, post_page_move

    page_published.connect(_page_changed, dispatch_uid="lms.page_cache.published")
    page_unpublished.connect(_page_changed, dispatch_uid="lms.page_cache.unpublished")
    post_page_move.connect(_page_changed, dispatch_uid="lms.page_cache.moved")
    post_delete.connect(_maybe_page_deleted, dispatch_uid="lms.page_cache.deleted")
