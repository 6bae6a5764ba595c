"""The demo's written exam: marked essays, some second-marked, one moderated, released
results in the lms gradebook."""

import pytest

from assessment.demo import demo_assessment_load
from assessment.models import Attempt, Exam, ResponseMark
from lms.models import GradeRecord
from tests import factories as site_factories

pytestmark = pytest.mark.django_db


def test_demo_has_marked_moderated_and_released_essays(
    tenant_a, django_capture_on_commit_callbacks
):
    site_factories.make_teacher(tenant_a.institution, "aaa-examiner")
    learners = [tenant_a.learner] + [
        site_factories.make_learner(tenant_a.institution) for _ in range(3)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        demo_assessment_load(
            institution=tenant_a.institution, teacher=tenant_a.teacher, learners=learners
        )
    exam = Exam.objects.get(institution=tenant_a.institution, title__startswith="Bài viết")
    attempts = Attempt.objects.filter(exam=exam)
    assert attempts.count() == 3
    assert not attempts.filter(needs_manual=True).exists()
    assert all(hasattr(attempt, "release") for attempt in attempts)
    marks = ResponseMark.objects.filter(question__attempt__exam=exam)
    assert marks.filter(role="first").count() == 3
    assert marks.filter(role="moderation").count() == 1
    assert marks.get(role="moderation").reason
    assert GradeRecord.objects.filter(exam_id=exam.pk).count() == 3
