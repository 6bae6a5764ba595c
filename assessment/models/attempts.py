"""Attempts: prepared before the start, answered question by question, submitted once."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from institutions.api import TenantQuerySet, is_national_admin, staff_institution_ids

from .exams import Exam, ExamVersion
from .items import ItemVersion


class AttemptQuerySet(TenantQuerySet):
    """Staff see their institutions' attempts; a learner sees their own."""

    institution_field = "exam__institution"

    def visible_to(self, user):
        if is_national_admin(user):
            return self
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(Q(exam__institution__in=staff_institution_ids(user)) | Q(learner=user))

    def editable_by(self, user):
        return super().visible_to(user)


class Attempt(models.Model):
    """One learner's sitting of one exam version, with its own draw, order and clock."""

    class Status(models.TextChoices):
        PREPARED = "prepared", _("Prepared")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    class SubmittedBy(models.TextChoices):
        LEARNER = "learner", _("The learner")
        DEADLINE = "deadline", _("Automatically at the deadline")
        STAFF = "staff", _("Staff")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    version = models.ForeignKey(ExamVersion, on_delete=models.PROTECT, related_name="attempts")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exam_attempts"
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    seed = models.BigIntegerField(editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREPARED)
    prepared_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set while an invigilator holds the attempt.")
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.CharField(max_length=16, choices=SubmittedBy.choices, blank=True)
    score = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    max_score = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    needs_manual = models.BooleanField(default=False)
    # The course enrolment's xAPI registration when lms opened the attempt from a course;
    # empty for a standalone exam, whose statements use the attempt's own id.
    enrolment_registration = models.UUIDField(null=True, blank=True, editable=False)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["exam", "learner", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "learner", "number"], name="unique_attempt_number"
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="assessment_attempt_due")]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")

    def __str__(self) -> str:
        return f"{self.exam} – {self.learner} #{self.number}"


class AttemptQuestion(models.Model):
    """A question as this attempt shows it: the version drawn, the learner view with opaque ids,
    the map back to the authored ids, and (after submission) its marks."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questions")
    key = models.CharField(max_length=32)
    position = models.PositiveSmallIntegerField()
    section_title = models.CharField(max_length=255, blank=True)
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="+")
    view = models.JSONField()
    id_map = models.JSONField(default=dict)
    max_score = models.DecimalField(max_digits=12, decimal_places=4)
    score = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    needs_manual = models.BooleanField(default=False)
    feedback = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "key"], name="unique_attempt_question_key"),
            models.UniqueConstraint(
                fields=["attempt", "position"], name="unique_attempt_question_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} q{self.position}"


class Answer(models.Model):
    """The newest confirmed answer to one question of an attempt and its sequence number."""

    question = models.OneToOneField(
        AttemptQuestion, on_delete=models.CASCADE, related_name="answer"
    )
    seq = models.PositiveIntegerField()
    response = models.JSONField(null=True)
    client_time = models.DateTimeField(null=True, blank=True)
    saved_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.question} seq {self.seq}"
