"""Sitting exams through the real attempt engine, for the statistics tests."""

from __future__ import annotations

from assessment import attempts
from assessment.models import Attempt, AttemptQuestion


def token(question: AttemptQuestion, authored: str) -> str:
    """The opaque id this attempt shows for an authored option id."""
    return next(key for key, value in question.id_map.items() if value == authored)


def sit(teacher, exam, learner, answers: dict) -> Attempt:
    """Prepare, start, answer and submit one attempt.

    `answers` maps an item version's pk to the authored response (an option id for
    choice items, text for essays); items left out are not answered.
    """
    [attempt] = attempts.exam_attempts_prepare(actor=teacher, exam=exam, learners=[learner])
    attempt = attempts.attempt_start(attempt=attempt, learner=learner)
    for question in attempt.questions.all():
        if question.item_version_id not in answers:
            continue
        response = answers[question.item_version_id]
        if question.item_version.question_type in ("single_choice",):
            response = token(question, response)
        elif question.item_version.question_type == "multiple_choice":
            response = [token(question, value) for value in response]
        attempts.answer_save(
            attempt=attempt, learner=learner, question_key=question.key, seq=1, response=response
        )
    return attempts.attempt_submit(attempt=attempt, actor=learner)


def mark_by_hand(actor, attempt: Attempt, markings: dict) -> None:
    """Mark hand-marked questions through the marking service (item version pk → marking)."""
    from assessment import marking

    for question in attempt.questions.all():
        if question.item_version_id in markings:
            marking.response_mark(
                actor=actor, question=question, marking=markings[question.item_version_id]
            )
