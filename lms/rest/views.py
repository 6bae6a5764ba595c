"""API views for the catalogue and enrolments."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework import mixins, permissions, viewsets
from rest_framework.exceptions import PermissionDenied

from .. import services
from ..models import CoursePage, Enrolment, ProgrammePage
from .serializers import CourseSerializer, EnrolmentSerializer, ProgrammeSerializer


class ProgrammeViewSet(viewsets.ReadOnlyModelViewSet):
    """Published programmes of every institution."""

    serializer_class = ProgrammeSerializer
    permission_classes = [permissions.AllowAny]
    # Page ids are integers: the schema says so without querying (check --deploy on an empty DB).
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            ProgrammePage.objects.live()
            .public()
            .filter(alias_of__isnull=True)
            .select_related("institution")
            .prefetch_related("outcomes")
            .order_by("path")
        )


class CourseViewSet(viewsets.ReadOnlyModelViewSet):
    """Published courses of every institution; filter with ?institution=CODE."""

    serializer_class = CourseSerializer
    permission_classes = [permissions.AllowAny]
    # Page ids are integers: the schema says so without querying (check --deploy on an empty DB).
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        courses = (
            CoursePage.objects.live()
            .public()
            .filter(alias_of__isnull=True)
            .select_related("institution")
            .order_by("path")
        )
        institution = self.request.query_params.get("institution")
        if institution:
            courses = courses.filter(institution__code=institution)
        return courses


class EnrolmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """My enrolments, or, for staff, their institutions' enrolments."""

    serializer_class = EnrolmentSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return (
            Enrolment.objects.visible_to(self.request.user)
            .select_related("learner", "institution")
            .order_by("-enrolled_at", "-id")
        )

    def perform_create(self, serializer):
        try:
            serializer.instance = services.enrolment_self_enrol(
                learner=self.request.user, course=serializer.validated_data["course"]
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
