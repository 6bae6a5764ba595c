"""The national learner identifier: assigned once, valid, never changed."""

import pytest

from institutions import services
from institutions.models import Institution
from institutions.roles import InstitutionRole

from .. import factories


def test_learner_id_has_a_valid_check_digit():
    for _ in range(200):
        assert services.learner_id_is_valid(services.learner_id_generate())


def test_learner_id_rejects_a_changed_digit():
    value = services.learner_id_generate()
    changed = value[:5] + str((int(value[5]) + 1) % 10) + value[6:]
    assert not services.learner_id_is_valid(changed)
    assert not services.learner_id_is_valid("XX12345678901")
    assert not services.learner_id_is_valid("TN123")


@pytest.mark.django_db
def test_learner_id_is_stable_across_a_second_institution():
    first = services.institution_create(
        actor=None, code="ONE", name="One", kind=Institution.Kind.COLLEGE, province="Huế"
    )
    second = services.institution_create(
        actor=None, code="TWO", name="Two", kind=Institution.Kind.ENTERPRISE, province="Huế"
    )
    learner = factories.make_user()
    assert learner.learner_id is None
    services.membership_grant(
        actor=None, user=learner, institution=first, role=InstitutionRole.LEARNER
    )
    learner.refresh_from_db()
    original = learner.learner_id
    assert services.learner_id_is_valid(original)
    services.membership_grant(
        actor=None, user=learner, institution=second, role=InstitutionRole.LEARNER
    )
    learner.refresh_from_db()
    assert learner.learner_id == original


@pytest.mark.django_db
def test_staff_get_no_learner_id():
    institution = services.institution_create(
        actor=None, code="ONE", name="One", kind=Institution.Kind.COLLEGE, province="Huế"
    )
    teacher = factories.make_user()
    services.membership_grant(
        actor=None, user=teacher, institution=institution, role=InstitutionRole.TEACHER
    )
    teacher.refresh_from_db()
    assert teacher.learner_id is None
