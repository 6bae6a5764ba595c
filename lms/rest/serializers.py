"""API representations of programmes, courses and enrolments."""

from rest_framework import serializers

from ..models import CoursePage, Enrolment, LearningOutcome, ProgrammePage


class LearningOutcomeSerializer(serializers.ModelSerializer):
    """A learning outcome; `is_digital_competency` marks digital competencies."""

    class Meta:
        model = LearningOutcome
        fields = ["code", "description", "is_digital_competency", "digital_area"]


class ProgrammeSerializer(serializers.ModelSerializer):
    """A programme in the catalogue."""

    institution = serializers.SlugRelatedField(slug_field="code", read_only=True)
    outcomes = LearningOutcomeSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ProgrammePage
        fields = [
            "id",
            "title",
            "occupation_code",
            "level",
            "duration_months",
            "summary",
            "institution",
            "outcomes",
            "url",
        ]

    def get_url(self, obj) -> str:
        return obj.get_url(self.context.get("request")) or ""


class CourseSerializer(serializers.ModelSerializer):
    """A course in the catalogue."""

    institution = serializers.SlugRelatedField(slug_field="code", read_only=True)
    programme = serializers.PrimaryKeyRelatedField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = CoursePage
        fields = [
            "id",
            "title",
            "code",
            "summary",
            "hours",
            "allow_self_enrolment",
            "institution",
            "programme",
            "url",
        ]

    def get_url(self, obj) -> str:
        return obj.get_url(self.context.get("request")) or ""


class EnrolmentSerializer(serializers.ModelSerializer):
    """An enrolment. POST with a course id to enrol yourself."""

    course = serializers.PrimaryKeyRelatedField(queryset=CoursePage.objects.live())
    learner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    learner_id = serializers.CharField(source="learner.learner_id", read_only=True)
    institution = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "course",
            "learner",
            "learner_id",
            "institution",
            "status",
            "source",
            "progress_percent",
            "registration",
            "enrolled_at",
        ]
        read_only_fields = ["status", "source", "progress_percent", "registration", "enrolled_at"]
