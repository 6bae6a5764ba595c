"""Shared fixtures: the site structure and two institutions to prove isolation between."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from institutions import services as institution_services
from institutions.models import Cohort, Institution, User
from lms import services
from lms.models import CoursePage

from . import factories


@pytest.fixture
def site(db):
    """Home page, catalogue, locales and default site."""
    return services.site_ensure()


@dataclass
class Tenant:
    """One institution with a teacher, an admin, a learner, a cohort and a live course."""

    institution: Institution
    admin: User
    teacher: User
    learner: User
    cohort: Cohort
    course: CoursePage


def _tenant(code: str) -> Tenant:
    institution = factories.make_institution(code=code)
    admin = factories.make_admin(institution, f"{code.lower()}-admin")
    teacher = factories.make_teacher(institution, f"{code.lower()}-teacher")
    learner = factories.make_learner(institution, f"{code.lower()}-learner")
    cohort = institution_services.cohort_create(
        actor=admin, institution=institution, code="K1", name="Khóa 1"
    )
    institution_services.cohort_add_learners(actor=admin, cohort=cohort, learners=[learner])
    programme = factories.make_programme(institution)
    course = factories.make_course(programme, title=f"Khóa học của {code}")
    return Tenant(institution, admin, teacher, learner, cohort, course)


@pytest.fixture
def tenant_a(site) -> Tenant:
    return _tenant("AAA")


@pytest.fixture
def tenant_b(site) -> Tenant:
    return _tenant("BBB")
