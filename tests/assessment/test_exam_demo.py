"""The demo data: a bank, a published exam, marked attempts, and one left to sit."""

from assessment.demo import demo_assessment_load
from assessment.models import Attempt, Exam, ItemBank
from tests import factories as site_factories


def test_demo_makes_marked_attempts_once(tenant_a):
    learners = [tenant_a.learner] + [
        site_factories.make_learner(tenant_a.institution) for _ in range(3)
    ]
    bank = demo_assessment_load(
        institution=tenant_a.institution, teacher=tenant_a.teacher, learners=learners
    )
    exam = Exam.objects.get(institution=tenant_a.institution, title__startswith="Kiểm tra")
    assert exam.published_at is not None
    submitted = Attempt.objects.filter(exam=exam, status=Attempt.Status.SUBMITTED)
    assert submitted.count() == 3
    for attempt in submitted:
        assert attempt.questions.count() == 5
        assert attempt.max_score == 5
        assert 0 <= attempt.score <= attempt.max_score
        assert not attempt.needs_manual
    assert Attempt.objects.get(exam=exam, status=Attempt.Status.PREPARED).learner == learners[-1]

    again = demo_assessment_load(
        institution=tenant_a.institution, teacher=tenant_a.teacher, learners=learners
    )
    assert again == bank
    assert ItemBank.objects.count() == 1
    assert Attempt.objects.filter(exam=exam).count() == 4
    assert Attempt.objects.count() == 7  # and the written exam's three (test_marking_demo)
