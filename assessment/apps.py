from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    """Item banks, exams, attempts, marking and moderation (layer 3)."""

    name = "assessment"
    verbose_name = _("Assessment")
