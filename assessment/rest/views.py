"""API views for exams (staff) and attempts (their learner, and the exam's staff)."""

from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import permissions, viewsets

from ..models import Attempt, Exam, ExamSection, ExamVersion
from .serializers import (
    AttemptResultSerializer,
    AttemptSerializer,
    ExamDetailSerializer,
    ExamSerializer,
)


class ExamViewSet(viewsets.ReadOnlyModelViewSet):
    """The exams of the institutions where one is staff (national administrators: all)."""

    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[0-9]+"

    def get_serializer_class(self):
        return ExamDetailSerializer if self.action == "retrieve" else ExamSerializer

    def get_queryset(self):
        versions = ExamVersion.objects.order_by("-number")
        if self.action == "retrieve":
            versions = versions.prefetch_related(
                Prefetch(
                    "sections",
                    queryset=ExamSection.objects.prefetch_related("items", "rules"),
                )
            )
        return (
            Exam.objects.visible_to(self.request.user)
            .select_related("institution")
            .prefetch_related(Prefetch("versions", queryset=versions))
            .order_by("-created_at", "-pk")
        )


class AttemptViewSet(viewsets.ReadOnlyModelViewSet):
    """My attempts, and for staff their institutions' attempts; ?exam=<id> filters.

    One attempt's `result` is what its learner may see now (released by the exam's
    review options), or the marks for staff."""

    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_serializer_class(self):
        return AttemptResultSerializer if self.action == "retrieve" else AttemptSerializer

    def get_queryset(self):
        attempts = (
            Attempt.objects.visible_to(self.request.user)
            .select_related("exam", "version", "learner")
            .order_by("-prepared_at", "-pk")
        )
        exam = self.request.query_params.get("exam", "")
        if exam.isdigit():
            attempts = attempts.filter(exam_id=int(exam))
        return attempts
