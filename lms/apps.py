from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    """The Wagtail site: programmes and courses, enrolment, access, progress (layer 5)."""

    name = "lms"
    verbose_name = _("Learning")

    def ready(self):
        from . import gradebook, middleware, progress, site_cache

        middleware.connect_signals()
        site_cache.connect_signals()
        progress.connect_signals()
        gradebook.connect_signals()
