"""The versioned REST API: /api/v1/ and its OpenAPI 3 document."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from assessment.rest.views import AttemptViewSet, ExamViewSet
from institutions.rest.views import CohortViewSet, InstitutionViewSet, MeView
from lms.rest.views import CourseViewSet, EnrolmentViewSet, ProgrammeViewSet


def only_v1_endpoints(endpoints):
    """The OpenAPI document describes /api/v1/ only, not Wagtail's internal admin API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


router = DefaultRouter()
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("cohorts", CohortViewSet, basename="cohort")
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register("courses", CourseViewSet, basename="course")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("exams", ExamViewSet, basename="exam")
router.register("exam-attempts", AttemptViewSet, basename="exam-attempt")

v1_patterns = [
    path("", include(router.urls)),
    path("me/", MeView.as_view(), name="me"),
    path("auth/token/", obtain_auth_token, name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="v1:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="v1:schema"), name="redoc"),
]

urlpatterns = [path("v1/", include((v1_patterns, "v1"), namespace="v1"))]
