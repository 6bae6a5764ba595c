"""Training levels of the national vocational qualifications framework, shared by every part."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingLevel(models.TextChoices):
    """The level a programme or a piece of courseware is taught at."""

    ELEMENTARY = "elementary", _("Elementary (sơ cấp)")
    INTERMEDIATE = "intermediate", _("Intermediate (trung cấp)")
    COLLEGE = "college", _("College (cao đẳng)")
