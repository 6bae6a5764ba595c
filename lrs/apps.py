from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LrsConfig(AppConfig):
    """The xAPI Learning Record Store (layer 2): credentials, statements and their queries."""

    name = "lrs"
    verbose_name = _("Learning Record Store (xAPI)")
