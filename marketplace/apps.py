from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    """Listings, licences, orders, entitlements (layer 4)."""

    name = "marketplace"
    verbose_name = _("Courseware exchange")
