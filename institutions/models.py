"""Institutions, people and their roles, cohorts, and the audit log."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import InstitutionRole, NationalRole
from .scoping import InstitutionQuerySet, MembershipQuerySet, TenantQuerySet


class User(AbstractUser):
    """A person on the platform; a learner carries a stable national learner identifier."""

    national_role = models.CharField(
        _("national role"), max_length=32, choices=NationalRole.choices, blank=True, default=""
    )
    learner_id = models.CharField(
        _("national learner identifier"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Assigned once, never changed or reused."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Institution(models.Model):
    """A college, intermediate school, training centre or enterprise that teaches."""

    class Kind(models.TextChoices):
        COLLEGE = "college", _("College")
        INTERMEDIATE = "intermediate", _("Intermediate school")
        TRAINING_CENTRE = "training_centre", _("Vocational training centre")
        ENTERPRISE = "enterprise", _("Enterprise")

    code = models.CharField(
        _("national code"),
        max_length=16,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Z0-9][A-Z0-9-]{1,15}$", _("Upper-case letters, digits and '-'."))
        ],
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    province = models.CharField(_("province or city"), max_length=100, db_index=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One role that one person holds in one institution."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=InstitutionRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "institution", "role"], name="unique_membership"
            )
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.institution.code}"


class Cohort(models.Model):
    """A group of learners of one institution who study together (a class, a intake)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="cohorts")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=255)
    learners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="cohorts", blank=True, verbose_name=_("learners")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["institution", "code"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="unique_cohort_code")
        ]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class AuditEvent(models.Model):
    """One recorded state change: who did what to which record, in which institution."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"
