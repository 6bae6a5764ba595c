"""Fixtures for the isolation tests: both tenants' learners enrolled, and a ministry admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from institutions.roles import NationalRole
from lms import services

from .. import factories


@pytest.fixture
def enrolled(tenant_a, tenant_b):
    """Each tenant's cohort enrolled in its own course by its own teacher."""
    for tenant in (tenant_a, tenant_b):
        services.enrolment_enrol_cohort(
            actor=tenant.teacher, cohort=tenant.cohort, course=tenant.course
        )
    return tenant_a, tenant_b


@pytest.fixture
def ministry_admin(site):
    """A ministry administrator who may enter the Wagtail admin."""
    user = factories.make_user("ministry-admin", national_role=NationalRole.MINISTRY_ADMIN)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return user


def staff_of(tenant, role: str):
    """The tenant's teacher or institution administrator."""
    return {"teacher": tenant.teacher, "admin": tenant.admin}[role]


STAFF_ROLES = ["teacher", "admin"]
