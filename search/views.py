"""Site search over live pages, in the visitor's language."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import get_language
from wagtail.models import Locale, Page


def search(request):
    """Search live, public pages of the current language."""
    query = request.GET.get("q", "").strip()[:200]
    results = None
    if query:
        pages = Page.objects.live().public().specific()
        locale = Locale.objects.filter(language_code=get_language()).first()
        if locale is not None:
            pages = pages.filter(locale=locale)
        results = Paginator(pages.search(query), 20).get_page(request.GET.get("page"))
    return render(request, "search/search.html", {"query": query, "results": results})
