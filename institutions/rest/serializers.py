"""API representations of institutions, people and cohorts."""

from rest_framework import serializers

from ..models import Cohort, Institution, Membership, User


class InstitutionSerializer(serializers.ModelSerializer):
    """An institution as the public map and directory show it."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Institution
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "kind",
            "kind_label",
            "province",
            "address",
            "latitude",
            "longitude",
            "website",
        ]


class MembershipSerializer(serializers.ModelSerializer):
    """One of my roles."""

    institution = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Membership
        fields = ["institution", "role"]


class MeSerializer(serializers.ModelSerializer):
    """The logged-in person."""

    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "learner_id",
            "national_role",
            "memberships",
        ]


class CohortSerializer(serializers.ModelSerializer):
    """A cohort of one institution."""

    institution = serializers.SlugRelatedField(
        slug_field="code", queryset=Institution.objects.all()
    )
    learner_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Cohort
        fields = ["id", "institution", "code", "name", "learner_count"]
