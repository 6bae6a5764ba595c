"""Which Wagtail Site answers a host name, remembered per process for a short while.

Wagtail looks the Site up on every request with a query that costs more to build
than most page queries. Sites change rarely, so each process keeps the answer for
TAYNGHE_SITE_CACHE_SECONDS and forgets it at once when a Site is saved or deleted in this
process (other processes follow within the timeout). Every request gets its own
fresh Site instance, so nothing loaded through it (the root page) outlives the request.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http.request import split_domain_port
from django.utils.functional import SimpleLazyObject

_sites: dict[tuple[str, int], tuple[float, tuple | None]] = {}


def site_cache_clear(**kwargs) -> None:
    """Forget every remembered Site (connected to Site saves and deletes)."""
    _sites.clear()


def _lookup(hostname: str, port: int):
    from wagtail.models import Site
    from wagtail.models.sites import get_site_for_hostname

    try:
        site = get_site_for_hostname(hostname, port)
    except Site.DoesNotExist:
        return None
    return tuple(getattr(site, field.attname) for field in Site._meta.concrete_fields)


def site_for_request(request):
    """The Site for this request's host, from the process cache when fresh."""
    from wagtail.models import Site

    hostname = split_domain_port(request.get_host())[0]
    port = int(request.get_port())
    key = (hostname, port)
    now = time.monotonic()
    found = _sites.get(key)
    if found is None or found[0] < now:
        found = (now + settings.TAYNGHE_SITE_CACHE_SECONDS, _lookup(hostname, port))
        _sites[key] = found
    values = found[1]
    if values is None:
        return None
    return Site.from_db("default", [f.attname for f in Site._meta.concrete_fields], values)


class SiteLookupCacheMiddleware:
    """Give Wagtail the request's Site from the process cache (after CommonMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.TAYNGHE_SITE_CACHE_SECONDS <= 0:
            return self.get_response(request)
        # Wagtail's Site.find_for_request uses this attribute when it is set. It is
        # lazy, so requests that never ask for the Site (the health probe, the API)
        # touch neither the cache nor the database.
        request._wagtail_site = SimpleLazyObject(lambda: site_for_request(request))
        return self.get_response(request)


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import Site

    post_save.connect(site_cache_clear, sender=Site, dispatch_uid="lms.site_cache.saved")
    post_delete.connect(site_cache_clear, sender=Site, dispatch_uid="lms.site_cache.deleted")
