"""API representations of exams and attempts."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..attempts import marks_text
from ..exams import SETTINGS
from ..marking import learner_result
from ..models import Attempt, BlueprintRule, Exam, ExamSection, ExamVersion


class ExamVersionSerializer(serializers.ModelSerializer):
    """The settings of an exam's current version."""

    class Meta:
        model = ExamVersion
        fields = ["number", *SETTINGS, "locked_at"]


class BlueprintRuleSerializer(serializers.ModelSerializer):
    """Draw `count` items of a bank by tag, outcome code and difficulty."""

    bank = serializers.IntegerField(source="bank_id", read_only=True)

    class Meta:
        model = BlueprintRule
        fields = ["bank", "count", "tag", "outcome_code", "difficulty"]


class ExamSectionSerializer(serializers.ModelSerializer):
    """A section: its fixed item versions (ids, in order) and its blueprint rules."""

    items = serializers.SerializerMethodField()
    rules = BlueprintRuleSerializer(many=True, read_only=True)

    class Meta:
        model = ExamSection
        fields = ["position", "title", "items", "rules"]

    def get_items(self, obj) -> list[int]:
        return [row.item_version_id for row in obj.items.all()]


class ExamSerializer(serializers.ModelSerializer):
    """An exam with its current version's settings."""

    institution = serializers.SlugRelatedField(slug_field="code", read_only=True)
    version = serializers.SerializerMethodField()

    class Meta:
        model = Exam
        fields = ["id", "title", "institution", "published_at", "created_at", "version"]

    def _current(self, obj) -> ExamVersion:
        # The views prefetch versions newest first.
        return obj.versions.all()[0]

    @extend_schema_field(ExamVersionSerializer)
    def get_version(self, obj) -> dict:
        return ExamVersionSerializer(self._current(obj)).data


class ExamDetailSerializer(ExamSerializer):
    """An exam, its current version's settings and sections."""

    sections = serializers.SerializerMethodField()

    class Meta(ExamSerializer.Meta):
        fields = [*ExamSerializer.Meta.fields, "sections"]

    @extend_schema_field(ExamSectionSerializer(many=True))
    def get_sections(self, obj) -> list:
        return ExamSectionSerializer(self._current(obj).sections.all(), many=True).data


class AttemptSerializer(serializers.ModelSerializer):
    """An attempt: whose, which exam and version, where it stands."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    exam = serializers.IntegerField(source="exam_id", read_only=True)
    exam_title = serializers.CharField(source="exam.title", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    learner = serializers.CharField(source="learner.username", read_only=True)

    class Meta:
        model = Attempt
        fields = [
            "id",
            "exam",
            "exam_title",
            "version",
            "learner",
            "number",
            "status",
            "started_at",
            "deadline",
            "submitted_at",
        ]


class AttemptResultSerializer(AttemptSerializer):
    """An attempt with its result: for its learner what marking has released (`state`
    "awaiting" until then; once "released", the score, pass or fail and what the review
    options show); for the exam's staff the marks as they stand."""

    result = serializers.SerializerMethodField()

    class Meta(AttemptSerializer.Meta):
        fields = [*AttemptSerializer.Meta.fields, "result"]

    def get_result(self, obj) -> dict | None:
        if obj.status != Attempt.Status.SUBMITTED:
            return None
        user = self.context["request"].user
        if obj.learner_id == user.pk:
            result = learner_result(attempt=obj, learner=user)
            # Marks as people write them ("2.5", not 2.5000 or a float).
            return {
                key: marks_text(value) if isinstance(value, Decimal) else value
                for key, value in result.items()
            }
        return {
            "score": marks_text(obj.score) if obj.score is not None else None,
            "max_score": marks_text(obj.max_score) if obj.max_score is not None else None,
            "needs_manual": obj.needs_manual,
        }
