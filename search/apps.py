from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """One search over everything below it; Vietnamese-aware (layer 6)."""

    name = "search"
    label = "taynghe_search"
    verbose_name = _("Search")
