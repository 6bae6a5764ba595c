"""Exams, their versions, sections, fixed items, blueprint rules and accommodations."""

from __future__ import annotations

import ipaddress
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from institutions.api import TenantQuerySet

from .items import ItemBank, ItemVersion


class ExamQuerySet(TenantQuerySet):
    institution_field = "institution"


class ExamVersionQuerySet(TenantQuerySet):
    institution_field = "exam__institution"


class Exam(models.Model):
    """An exam's stable identity: its institution and its versions (settings and items live there)."""

    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="exams",
        verbose_name=_("institution"),
    )
    title = models.CharField(_("title"), max_length=255)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ExamQuerySet.as_manager()

    class Meta:
        ordering = ["institution", "title", "pk"]
        verbose_name = _("exam")
        verbose_name_plural = _("exams")

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self) -> ExamVersion:
        """The version new attempts sit (the highest number)."""
        return self.versions.order_by("-number").first()


def validate_networks(value) -> None:
    """A list of CIDR ranges such as "10.0.0.0/8" or "2001:db8::/32"."""
    if not isinstance(value, list):
        raise ValidationError(_("Allowed networks must be a list of IP ranges."))
    for entry in value:
        try:
            ipaddress.ip_network(entry, strict=False)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                _("Not an IP range: %(value)s") % {"value": str(entry)[:64]}
            ) from exc


class ExamVersion(models.Model):
    """An exam's settings and items at one moment; once attempted, never changed again."""

    class ReviewWhen(models.TextChoices):
        NEVER = "never", _("Never")
        IMMEDIATELY = "immediately", _("As soon as the attempt is submitted")
        AFTER_CLOSE = "after_close", _("After the exam closes")
        ON_RELEASE = "on_release", _("When the examiner releases results")

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    instructions = models.TextField(_("instructions"), blank=True)
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"), null=True, blank=True, validators=[MaxValueValidator(24 * 60)]
    )
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    attempts_allowed = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    access_code = models.CharField(_("access code"), max_length=64, blank=True)
    allowed_networks = models.JSONField(
        _("allowed IP ranges"),
        default=list,
        blank=True,
        validators=[validate_networks],
        help_text=_("CIDR ranges learners must sit the exam from; empty allows any."),
    )
    shuffle_items = models.BooleanField(_("shuffle items"), default=False)
    shuffle_options = models.BooleanField(_("shuffle options"), default=False)
    negative_marking = models.DecimalField(
        _("negative marking factor"),
        max_digits=5,
        decimal_places=4,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("Share of a question's marks taken away for a wrong answer (0 for none)."),
    )
    review_when = models.CharField(
        _("learners review their attempt"),
        max_length=16,
        choices=ReviewWhen.choices,
        default=ReviewWhen.AFTER_CLOSE,
    )
    review_marks = models.BooleanField(_("show marks"), default=True)
    review_correct = models.BooleanField(_("show correct answers"), default=False)
    review_feedback = models.BooleanField(_("show feedback"), default=True)
    locked_at = models.DateTimeField(
        _("locked at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when the first attempt is prepared; from then on edits make a version."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ExamVersionQuerySet.as_manager()

    class Meta:
        ordering = ["exam", "number"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "number"], name="unique_exam_version_number")
        ]
        verbose_name = _("exam version")
        verbose_name_plural = _("exam versions")

    def __str__(self) -> str:
        return f"{self.exam} v{self.number}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The exam must close after it opens.")})


class ExamSection(models.Model):
    """A titled part of an exam version; its questions come from fixed items and blueprint rules."""

    version = models.ForeignKey(ExamVersion, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=255, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="unique_exam_section_position"
            )
        ]
        verbose_name = _("exam section")
        verbose_name_plural = _("exam sections")

    def __str__(self) -> str:
        return self.title or f"{self.version} §{self.position}"


class ExamItem(models.Model):
    """A fixed question of a section: one item version, frozen once the exam uses it."""

    section = models.ForeignKey(ExamSection, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    item_version = models.ForeignKey(
        ItemVersion, on_delete=models.PROTECT, related_name="exam_items"
    )

    class Meta:
        ordering = ["section", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "position"], name="unique_exam_item_position"
            )
        ]
        verbose_name = _("exam item")
        verbose_name_plural = _("exam items")

    def __str__(self) -> str:
        return f"{self.section} #{self.position}"


class BlueprintRule(models.Model):
    """Draw `count` items from a bank matching a tag, an outcome code and/or a difficulty, per learner."""

    section = models.ForeignKey(ExamSection, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(_("position"))
    bank = models.ForeignKey(ItemBank, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveSmallIntegerField(
        _("number of items"), validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    tag = models.CharField(_("tag"), max_length=255, blank=True)
    outcome_code = models.CharField(_("competency or outcome code"), max_length=255, blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), null=True, blank=True, choices=ItemVersion.Difficulty.choices
    )

    class Meta:
        ordering = ["section", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "position"], name="unique_blueprint_rule_position"
            )
        ]
        verbose_name = _("blueprint rule")
        verbose_name_plural = _("blueprint rules")

    def __str__(self) -> str:
        return f"{self.section}: {self.count} × {self.tag or self.outcome_code or self.bank}"


class Accommodation(models.Model):
    """Extra time one learner is granted on one exam (a share of the limit, minutes, or both)."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="accommodations")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_accommodations"
    )
    extra_percent = models.PositiveSmallIntegerField(
        _("extra time (%)"), default=0, validators=[MaxValueValidator(400)]
    )
    extra_minutes = models.PositiveSmallIntegerField(
        _("extra time (minutes)"), default=0, validators=[MaxValueValidator(24 * 60)]
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exam", "learner"], name="unique_exam_accommodation")
        ]
        verbose_name = _("accommodation")
        verbose_name_plural = _("accommodations")

    def __str__(self) -> str:
        return f"{self.exam} – {self.learner}"
