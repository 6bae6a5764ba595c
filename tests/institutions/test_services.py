"""Institution, role and cohort services check permission and validate input."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from institutions import services
from institutions.models import AuditEvent, Institution
from institutions.roles import NationalRole

from .. import factories


@pytest.mark.django_db
def test_only_national_admins_register_institutions():
    teacher = factories.make_user()
    with pytest.raises(PermissionDenied):
        services.institution_create(
            actor=teacher, code="X1", name="X", kind=Institution.Kind.COLLEGE, province="Huế"
        )
    ministry = factories.make_user(national_role=NationalRole.MINISTRY_ADMIN)
    institution = services.institution_create(
        actor=ministry, code="X1", name="X", kind=Institution.Kind.COLLEGE, province="Huế"
    )
    assert AuditEvent.objects.filter(
        action="institution.create", object_id=str(institution.pk)
    ).exists()


@pytest.mark.django_db
def test_institution_rejects_bad_code_and_coordinates():
    with pytest.raises(ValidationError):
        services.institution_create(
            actor=None, code="bad code", name="X", kind=Institution.Kind.COLLEGE, province="Huế"
        )
    with pytest.raises(ValidationError):
        services.institution_create(
            actor=None,
            code="OK1",
            name="X",
            kind=Institution.Kind.COLLEGE,
            province="Huế",
            latitude=123,
        )
    assert not Institution.objects.exists()


def test_cohort_refuses_another_institutions_learner(tenant_a, tenant_b):
    with pytest.raises(ValidationError):
        services.cohort_add_learners(
            actor=tenant_a.admin, cohort=tenant_a.cohort, learners=[tenant_b.learner]
        )
    assert not tenant_a.cohort.learners.filter(pk=tenant_b.learner.pk).exists()


def test_admin_cannot_grant_roles_in_another_institution(tenant_a, tenant_b):
    newcomer = factories.make_user()
    with pytest.raises(PermissionDenied):
        services.membership_grant(
            actor=tenant_a.admin, user=newcomer, institution=tenant_b.institution, role="teacher"
        )
