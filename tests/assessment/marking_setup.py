"""Shared setup of the marking tests: an exam with an objective and an essay question, sat
and submitted by learners of tenant A."""

from __future__ import annotations

from assessment import marking
from assessment.attempts import answer_save, attempt_start, attempt_submit, exam_attempts_prepare
from assessment.models import AttemptQuestion

from .. import factories as site_factories
from . import factories

RUBRIC_TOP = {"levels": {"accuracy": "2", "clarity": "1"}}  # 5 of 5
RUBRIC_MID = {"levels": {"accuracy": "1", "clarity": "1"}}  # 3 of 5
RUBRIC_LOW = {"levels": {"accuracy": "0", "clarity": "0"}}  # 0 of 5


def essay_exam(tenant, *, release="examiner", second=0, blind=False, pass_percent=None, **kw):
    """A published exam (single choice worth 1 + essay worth 5) with marking settings."""
    bank = factories.make_bank(tenant.institution, actor=tenant.teacher)
    items = [
        factories.make_item(bank, "single_choice", actor=tenant.teacher),
        factories.make_item(bank, "essay", actor=tenant.teacher),
    ]
    exam = factories.make_exam(
        tenant.institution, actor=tenant.teacher, items=items, time_limit_minutes=30, **kw
    )
    marking.exam_marking_update(
        actor=tenant.teacher,
        exam=exam,
        release=release,
        second_marking_percent=second,
        blind=blind,
        pass_percent=pass_percent,
    )
    return exam


def question(attempt, question_type: str) -> AttemptQuestion:
    return next(
        row
        for row in attempt.questions.select_related("item_version")
        if row.item_version.question_type == question_type
    )


def sit(tenant, exam, learner=None, *, choice: str = "a", essay: str = "Cắt điện trước."):
    """The learner sits and submits the exam: answers the choice (authored id) and the essay."""
    learner = learner or tenant.learner
    [attempt] = exam_attempts_prepare(actor=tenant.teacher, exam=exam, learners=[learner])
    attempt = attempt_start(attempt=attempt, learner=learner)
    choice_row = question(attempt, "single_choice")
    token = next(k for k, v in choice_row.id_map.items() if v == choice)
    answer_save(
        attempt=attempt, learner=learner, question_key=choice_row.key, seq=1, response=token
    )
    answer_save(
        attempt=attempt,
        learner=learner,
        question_key=question(attempt, "essay").key,
        seq=1,
        response=essay,
    )
    return attempt_submit(attempt=attempt, actor=learner)


def another_learner(tenant, name: str):
    return site_factories.make_learner(tenant.institution, name)


def another_teacher(tenant, name: str):
    return site_factories.make_teacher(tenant.institution, name)
