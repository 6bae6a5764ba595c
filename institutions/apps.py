from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    """Institutions, people, roles, cohorts and the tenancy scope (layer 1)."""

    name = "institutions"
    verbose_name = _("Institutions and people")
