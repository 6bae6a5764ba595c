"""API views for institutions, the current person and cohorts."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count
from rest_framework import mixins, permissions, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import RetrieveAPIView

from .. import services
from ..models import Cohort, Institution
from .serializers import CohortSerializer, InstitutionSerializer, MeSerializer


class InstitutionViewSet(viewsets.ReadOnlyModelViewSet):
    """Every active institution: public, for the directory and the national map."""

    queryset = Institution.objects.filter(is_active=True).order_by("code")
    serializer_class = InstitutionSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"


class MeView(RetrieveAPIView):
    """The logged-in person and their roles."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_object(self):
        return self.request.user


class CohortViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Cohorts of the institutions the caller works for."""

    serializer_class = CohortSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return (
            Cohort.objects.visible_to(self.request.user)
            .select_related("institution")
            .annotate(learner_count=Count("learners"))
            .order_by("institution__code", "code")
        )

    def perform_create(self, serializer):
        try:
            serializer.instance = services.cohort_create(
                actor=self.request.user,
                institution=serializer.validated_data["institution"],
                code=serializer.validated_data["code"],
                name=serializer.validated_data["name"],
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise ValidationError(exc.messages) from exc
        serializer.instance.learner_count = 0
