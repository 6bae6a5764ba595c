from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursewareConfig(AppConfig):
    """Content packages: SCORM, cmi5, Common Cartridge, the player and runtimes (layer 3)."""

    name = "courseware"
    verbose_name = _("Courseware")

    def ready(self):
        from .cmi5.receivers import connect_signals

        connect_signals()
