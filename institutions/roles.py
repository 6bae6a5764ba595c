"""The roles people hold, per institution and nationally."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionRole(models.TextChoices):
    """A role a person holds in one institution."""

    LEARNER = "learner", _("Learner")
    TEACHER = "teacher", _("Teacher")
    EXAMINER = "examiner", _("Examiner")
    ADMIN = "admin", _("Institution administrator")


class NationalRole(models.TextChoices):
    """A role across every institution, held by ministry staff."""

    NONE = "", _("None")
    MINISTRY_ADMIN = "ministry_admin", _("Ministry administrator")
    MINISTRY_ANALYST = "ministry_analyst", _("Ministry analyst")


# Roles that work with an institution's teaching records (see and change them).
STAFF_ROLES = frozenset({InstitutionRole.TEACHER, InstitutionRole.EXAMINER, InstitutionRole.ADMIN})
