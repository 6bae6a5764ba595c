from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    """Video, audio and 3D media: upload, probing, transcoding, renditions (layer 2)."""

    name = "media"
    verbose_name = _("Media")
