"""Marking: each exam's marking settings, the marks and moderation decisions on hand-marked
responses, the history of every change to a mark, releases, and the learner's notices."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .attempts import Attempt, AttemptQuestion
from .exams import Exam


class ExamMarking(models.Model):
    """How an exam is marked and released; an exam without a row uses the defaults."""

    class Release(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatically, as soon as every mark is final")
        EXAMINER = "examiner", _("When an examiner releases them")

    class Policy(models.TextChoices):
        BEST = "best", _("Best attempt")
        LATEST = "latest", _("Latest attempt")

    exam = models.OneToOneField(Exam, on_delete=models.CASCADE, related_name="marking")
    blind = models.BooleanField(
        _("blind marking"),
        default=False,
        help_text=_("Markers see an anonymous candidate number instead of the learner's name."),
    )
    second_marking_percent = models.PositiveSmallIntegerField(
        _("share second-marked (%)"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("The share of hand-marked responses that get a second, independent mark."),
    )
    release = models.CharField(
        _("release results"), max_length=16, choices=Release.choices, default=Release.AUTOMATIC
    )
    pass_percent = models.DecimalField(
        _("pass mark (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    grade_policy = models.CharField(
        _("attempt that counts"), max_length=8, choices=Policy.choices, default=Policy.BEST
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("exam marking settings")
        verbose_name_plural = _("exam marking settings")

    def __str__(self) -> str:
        return f"{self.exam} marking"


class ResponseMark(models.Model):
    """One person's judgement of one hand-marked response: first mark, second mark or moderation."""

    class Role(models.TextChoices):
        FIRST = "first", _("First mark")
        SECOND = "second", _("Second mark")
        MODERATION = "moderation", _("Moderation")

    class Decision(models.TextChoices):
        NONE = "", _("—")
        AGREE = "agree", _("Agree")
        ADJUST = "adjust", _("Adjust")

    question = models.ForeignKey(AttemptQuestion, on_delete=models.CASCADE, related_name="marks")
    role = models.CharField(max_length=16, choices=Role.choices)
    marker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="response_marks"
    )
    # What `mark_manual` scores: rubric levels, checklist observations, or a plain score.
    marking = models.JSONField(default=dict, blank=True)
    score = models.DecimalField(max_digits=12, decimal_places=4)
    feedback = models.JSONField(default=list, blank=True)
    notes = models.TextField(_("assessor's notes"), blank=True)
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["question", "role"], name="assessment_mark_per_role")
        ]
        verbose_name = _("mark")
        verbose_name_plural = _("marks")

    def __str__(self) -> str:
        return f"{self.question} {self.role}: {self.score}"


class MarkingEvent(models.Model):
    """One change to an attempt's marks or results (who, when, before → after, why): its history."""

    class Action(models.TextChoices):
        FIRST_MARK = "first_mark", _("First mark")
        SECOND_MARK = "second_mark", _("Second mark")
        MODERATION = "moderation", _("Moderation")
        REGRADE = "regrade", _("Regrade after a key correction")
        RELEASE = "release", _("Results released")

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="marking_events")
    question = models.ForeignKey(
        AttemptQuestion, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["attempt", "at", "pk"]
        verbose_name = _("marking event")
        verbose_name_plural = _("marking events")

    def __str__(self) -> str:
        return f"{self.attempt} {self.action} {self.at:%Y-%m-%d %H:%M}"


class AttemptRelease(models.Model):
    """An attempt's results are released: the learner sees them and the gradebook has them."""

    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="release")
    released_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("released result")
        verbose_name_plural = _("released results")

    def __str__(self) -> str:
        return f"{self.attempt} released {self.released_at:%Y-%m-%d}"


class ResultNotice(models.Model):
    """An in-platform notification to a learner that a result is released (or changed)."""

    class Kind(models.TextChoices):
        RELEASED = "released", _("Result released")
        CHANGED = "changed", _("Result changed")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="result_notices"
    )
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="notices")
    # The text is made when shown, in the reader's language.
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.RELEASED)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["learner", "read_at"], name="assessment_notice_unread")]
        verbose_name = _("result notice")
        verbose_name_plural = _("result notices")

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        """The notice in the active language."""
        title = self.attempt.exam.title
        if self.kind == self.Kind.CHANGED:
            return gettext("Your result in %(exam)s has changed.") % {"exam": title}
        return gettext("Your result in %(exam)s is available.") % {"exam": title}
