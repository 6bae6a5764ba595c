"""Marking: the queue, blind marking, second marking, moderation, release and notices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from assessment import marking
from assessment.models import Attempt, AttemptRelease, MarkingEvent, ResultNotice
from assessment.signals import attempt_graded
from lrs.models import Statement

from .marking_setup import (
    RUBRIC_LOW,
    RUBRIC_MID,
    RUBRIC_TOP,
    another_learner,
    another_teacher,
    essay_exam,
    question,
    sit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    received = []
    attempt_graded.connect(
        lambda **kw: received.append(kw["result"]), weak=False, dispatch_uid="marking-test"
    )
    yield received
    attempt_graded.disconnect(dispatch_uid="marking-test")


def test_queue_lists_the_hand_marked_responses_of_submitted_attempts(tenant_a):
    exam = essay_exam(tenant_a)
    first = sit(tenant_a, exam)
    second = sit(tenant_a, exam, another_learner(tenant_a, "hoc-vien-2"))
    rows = marking.marking_queue(user=tenant_a.teacher, exam=exam)
    assert {row.attempt_id for row in rows} == {first.pk, second.pk}
    assert {row.question_type for row in rows} == {"essay"}  # the objective one is marked
    assert {row.status for row in rows} == {marking.UNMARKED}
    assert {row.candidate for row in rows} == {
        tenant_a.learner.display_name,
        Attempt.objects.get(pk=second.pk).learner.display_name,
    }


def test_queue_filters_by_status_question_and_marker(tenant_a):
    exam = essay_exam(tenant_a)
    attempt = sit(tenant_a, exam)
    sit(tenant_a, exam, another_learner(tenant_a, "hoc-vien-2"))
    marking.response_mark(
        actor=tenant_a.teacher, question=question(attempt, "essay"), marking=RUBRIC_TOP
    )
    done = marking.marking_queue(user=tenant_a.teacher, exam=exam, status=marking.FINAL)
    assert [row.attempt_id for row in done] == [attempt.pk]
    mine = marking.marking_queue(user=tenant_a.teacher, exam=exam, marker_id=tenant_a.teacher.pk)
    assert [row.attempt_id for row in mine] == [attempt.pk]
    item_id = question(attempt, "essay").item_version.item_id
    assert len(marking.marking_queue(user=tenant_a.teacher, exam=exam, item_id=item_id)) == 2
    other_item = question(attempt, "single_choice").item_version.item_id
    assert marking.marking_queue(user=tenant_a.teacher, exam=exam, item_id=other_item) == []


def test_blind_marking_shows_a_candidate_number_never_the_name(tenant_a):
    exam = essay_exam(tenant_a, blind=True)
    attempt = sit(tenant_a, exam)
    [row] = marking.marking_queue(user=tenant_a.teacher, exam=exam)
    names = {tenant_a.learner.display_name, tenant_a.learner.username}
    assert row.candidate.startswith("C-") and row.candidate not in names
    view = marking.response_for_marking(user=tenant_a.teacher, question=question(attempt, "essay"))
    assert view.candidate == row.candidate and view.blind


def test_a_single_mark_is_final_and_the_attempt_total_follows(tenant_a):
    exam = essay_exam(tenant_a)
    attempt = sit(tenant_a, exam)
    assert attempt.needs_manual and attempt.score == Decimal(1)
    marking.response_mark(
        actor=tenant_a.teacher, question=question(attempt, "essay"), marking=RUBRIC_MID
    )
    attempt.refresh_from_db()
    assert (attempt.score, attempt.needs_manual) == (Decimal(4), False)
    assert not AttemptRelease.objects.filter(attempt=attempt).exists()  # the examiner releases


def test_malformed_marking_is_refused_and_changes_nothing(tenant_a):
    exam = essay_exam(tenant_a)
    attempt = sit(tenant_a, exam)
    for bad in [{"levels": {"accuracy": "9", "clarity": "1"}}, {"levels": {}}, "5", None]:
        with pytest.raises(ValidationError):
            marking.response_mark(
                actor=tenant_a.teacher, question=question(attempt, "essay"), marking=bad
            )
    assert not MarkingEvent.objects.filter(attempt=attempt).exists()


def test_second_marker_is_independent_and_different_marks_go_to_moderation(tenant_a):
    exam = essay_exam(tenant_a, second=100)
    attempt = sit(tenant_a, exam)
    essay = question(attempt, "essay")
    second_marker = another_teacher(tenant_a, "giam-khao-2")
    marking.response_mark(actor=tenant_a.teacher, question=essay, marking=RUBRIC_TOP)
    assert marking.marking_queue(user=tenant_a.teacher, exam=exam)[0].status == (
        marking.AWAITING_SECOND
    )
    # The first marker may not second-mark their own response.
    first_view = marking.response_for_marking(user=tenant_a.teacher, question=essay)
    assert first_view.role == "first"
    view = marking.response_for_marking(user=second_marker, question=essay)
    assert view.role == "second" and view.visible_marks == []  # the first mark is hidden
    marking.response_mark(actor=second_marker, question=essay, marking=RUBRIC_LOW)
    attempt.refresh_from_db()
    assert attempt.needs_manual  # 5 and 0 disagree: not final
    assert marking.marking_queue(user=tenant_a.teacher, exam=exam)[0].status == (
        marking.AWAITING_MODERATION
    )
    with pytest.raises(marking.MarkingRefused):  # both marked: only moderation now
        marking.response_mark(actor=tenant_a.teacher, question=essay, marking=RUBRIC_MID)


def test_equal_first_and_second_marks_are_final_without_moderation(tenant_a):
    exam = essay_exam(tenant_a, second=100)
    attempt = sit(tenant_a, exam)
    essay = question(attempt, "essay")
    marking.response_mark(actor=tenant_a.teacher, question=essay, marking=RUBRIC_MID)
    marking.response_mark(
        actor=another_teacher(tenant_a, "gk2"), question=essay, marking=RUBRIC_MID
    )
    attempt.refresh_from_db()
    assert (attempt.score, attempt.needs_manual) == (Decimal(4), False)


def test_moderation_needs_a_reason_and_is_recorded_in_the_history(tenant_a):
    exam = essay_exam(tenant_a, second=100)
    attempt = sit(tenant_a, exam)
    essay = question(attempt, "essay")
    second_marker = another_teacher(tenant_a, "gk2")
    moderator = tenant_a.admin
    marking.response_mark(actor=tenant_a.teacher, question=essay, marking=RUBRIC_TOP)
    marking.response_mark(actor=second_marker, question=essay, marking=RUBRIC_LOW)
    for reason in ["", "   "]:
        with pytest.raises(ValidationError):
            marking.response_moderate(
                actor=moderator,
                question=essay,
                decision="adjust",
                marking=RUBRIC_MID,
                reason=reason,
            )
    with pytest.raises(marking.MarkingRefused):  # a marker does not moderate their own
        marking.response_moderate(
            actor=second_marker, question=essay, decision="agree", agree_with="second", reason="x"
        )
    view = marking.response_for_marking(user=moderator, question=essay)
    assert view.can_moderate and len(view.visible_marks) == 2
    marking.response_moderate(
        actor=moderator,
        question=essay,
        decision="adjust",
        marking=RUBRIC_MID,
        reason="Bài làm đúng một phần; trình bày rõ.",
    )
    attempt.refresh_from_db()
    assert (attempt.score, attempt.needs_manual) == (Decimal(4), False)
    history = marking.attempt_history(user=tenant_a.teacher, attempt=attempt)
    assert [event.action for event in history] == ["first_mark", "second_mark", "moderation"]
    moderation = history[-1]
    assert moderation.actor == moderator and moderation.reason.startswith("Bài làm")
    assert moderation.before["status"] == marking.AWAITING_MODERATION
    assert moderation.after["score"] == "3.0000"
    assert history[0].after["score"] == "5.0000" and history[0].actor == tenant_a.teacher


def test_moderator_may_agree_with_a_mark(tenant_a):
    exam = essay_exam(tenant_a, second=100)
    attempt = sit(tenant_a, exam)
    essay = question(attempt, "essay")
    marking.response_mark(actor=tenant_a.teacher, question=essay, marking=RUBRIC_TOP)
    marking.response_mark(
        actor=another_teacher(tenant_a, "gk2"), question=essay, marking=RUBRIC_LOW
    )
    marking.response_moderate(
        actor=tenant_a.admin, question=essay, decision="agree", agree_with="first", reason="Đúng"
    )
    attempt.refresh_from_db()
    assert attempt.score == Decimal(6)


def test_second_marking_share_is_a_fixed_draw_of_about_the_share(tenant_a):
    exam = essay_exam(tenant_a, second=30)
    attempt = sit(tenant_a, exam)
    settings_row = marking.exam_marking(exam)
    essay = question(attempt, "essay")
    assert marking.needs_second_mark(essay, settings_row) == marking.needs_second_mark(
        essay, settings_row
    )
    from assessment.models import AttemptQuestion

    drawn = sum(
        marking.needs_second_mark(AttemptQuestion(pk=pk, attempt_id=pk * 3), settings_row)
        for pk in range(1, 1001)
    )
    assert 250 <= drawn <= 350


def test_release_gating_the_learner_sees_awaiting_then_the_result(
    tenant_a, announced, django_capture_on_commit_callbacks
):
    tenant_a.learner.email = "hoc.vien@example.vn"
    tenant_a.learner.save(update_fields=["email"])
    exam = essay_exam(tenant_a, pass_percent=Decimal(50), review_when="on_release")
    attempt = sit(tenant_a, exam)
    essay = question(attempt, "essay")
    marking.response_mark(actor=tenant_a.teacher, question=essay, marking=RUBRIC_MID)
    result = marking.learner_result(attempt=attempt, learner=tenant_a.learner)
    assert result["state"] == "awaiting" and "score" not in result
    from assessment.attempts import attempt_review

    assert attempt_review(attempt=Attempt.objects.get(pk=attempt.pk))["review"] is None
    assert announced == []
    with django_capture_on_commit_callbacks(execute=True):
        outcome = marking.results_release(actor=tenant_a.teacher, exam=exam)
    assert outcome.released == 1
    result = marking.learner_result(attempt=attempt, learner=tenant_a.learner)
    assert result["state"] == "released" and result["score"] == Decimal(4)
    assert result["passed"] is True and result["review"]["score"] == "4"
    [payload] = announced
    assert (payload.attempt_id, payload.score, payload.passed) == (attempt.pk, Decimal(4), True)
    assert payload.released_at is not None
    # Notified in the platform and by e-mail; the LRS has the result.
    [notice] = ResultNotice.objects.filter(learner=tenant_a.learner)
    assert exam.title in notice.message
    [email] = mail.outbox
    assert email.to == [tenant_a.learner.email] and str(attempt.public_id) in email.body
    statement = Statement.objects.get(
        registration=attempt.public_id, verb_id="http://adlnet.gov/expapi/verbs/passed"
    )
    assert statement.payload["result"]["score"]["raw"] == 4.0
    # Releasing again changes nothing and announces nothing.
    with django_capture_on_commit_callbacks(execute=True):
        again = marking.results_release(actor=tenant_a.teacher, exam=exam)
    assert (again.released, again.already) == (0, 1) and len(announced) == 1


def test_release_leaves_attempts_still_being_marked(tenant_a, django_capture_on_commit_callbacks):
    exam = essay_exam(tenant_a)
    marked = sit(tenant_a, exam)
    waiting = sit(tenant_a, exam, another_learner(tenant_a, "hv2"))
    marking.response_mark(
        actor=tenant_a.teacher, question=question(marked, "essay"), marking=RUBRIC_TOP
    )
    outcome = marking.results_release(actor=tenant_a.teacher, exam=exam)
    assert (outcome.released, outcome.unfinished) == (1, 1)
    assert marking.is_released(marked) and not marking.is_released(waiting)


def test_release_of_one_attempt_only(tenant_a):
    exam = essay_exam(tenant_a)
    one = sit(tenant_a, exam)
    other = sit(tenant_a, exam, another_learner(tenant_a, "hv2"))
    for attempt in (one, other):
        marking.response_mark(
            actor=tenant_a.teacher, question=question(attempt, "essay"), marking=RUBRIC_TOP
        )
    marking.results_release(actor=tenant_a.teacher, exam=exam, attempts=[one])
    assert marking.is_released(one) and not marking.is_released(other)


def test_automatic_release_happens_at_the_last_mark(
    tenant_a, announced, django_capture_on_commit_callbacks
):
    exam = essay_exam(tenant_a, release="automatic")
    attempt = sit(tenant_a, exam)
    assert not marking.is_released(attempt)
    with django_capture_on_commit_callbacks(execute=True):
        marking.response_mark(
            actor=tenant_a.teacher, question=question(attempt, "essay"), marking=RUBRIC_TOP
        )
    assert marking.is_released(attempt) and [p.score for p in announced] == [Decimal(6)]


def test_another_institution_cannot_see_mark_or_release(tenant_a, tenant_b):
    exam = essay_exam(tenant_a)
    attempt = sit(tenant_a, exam)
    essay = question(attempt, "essay")
    outsider = tenant_b.teacher
    with pytest.raises(PermissionDenied):
        marking.marking_queue(user=outsider, exam=exam)
    with pytest.raises(PermissionDenied):
        marking.response_for_marking(user=outsider, question=essay)
    with pytest.raises(PermissionDenied):
        marking.response_mark(actor=outsider, question=essay, marking=RUBRIC_TOP)
    with pytest.raises(PermissionDenied):
        marking.results_release(actor=outsider, exam=exam)
    with pytest.raises(PermissionDenied):
        marking.attempt_history(user=outsider, attempt=attempt)
    with pytest.raises(PermissionDenied):
        marking.exam_marking_update(actor=outsider, exam=exam, blind=True)
    assert list(marking.exams_to_mark(user=outsider)) == []
    assert list(marking.exams_to_mark(user=tenant_a.teacher)) == [exam]


def test_a_learner_cannot_mark_release_or_read_another_learners_result(tenant_a):
    exam = essay_exam(tenant_a)
    attempt = sit(tenant_a, exam)
    with pytest.raises(PermissionDenied):
        marking.response_mark(
            actor=tenant_a.learner, question=question(attempt, "essay"), marking=RUBRIC_TOP
        )
    with pytest.raises(PermissionDenied):
        marking.results_release(actor=tenant_a.learner, exam=exam)
    with pytest.raises(PermissionDenied):
        marking.learner_result(attempt=attempt, learner=another_learner(tenant_a, "hv2"))


def test_release_refuses_an_attempt_of_another_exam(tenant_a):
    exam = essay_exam(tenant_a)
    other_exam = essay_exam(tenant_a)
    stranger = sit(tenant_a, other_exam)
    with pytest.raises(PermissionDenied):
        marking.results_release(actor=tenant_a.teacher, exam=exam, attempts=[stranger])


def test_a_moderation_after_release_updates_the_result_and_tells_the_learner(
    tenant_a, announced, django_capture_on_commit_callbacks
):
    exam = essay_exam(tenant_a)
    attempt = sit(tenant_a, exam)
    essay = question(attempt, "essay")
    marking.response_mark(actor=tenant_a.teacher, question=essay, marking=RUBRIC_TOP)
    with django_capture_on_commit_callbacks(execute=True):
        marking.results_release(actor=tenant_a.teacher, exam=exam)
    with django_capture_on_commit_callbacks(execute=True):
        marking.response_moderate(
            actor=tenant_a.admin,
            question=essay,
            decision="adjust",
            marking=RUBRIC_MID,
            reason="Mẫu kiểm định: chấm quá tay.",
        )
    assert [payload.score for payload in announced] == [Decimal(6), Decimal(4)]
    kinds = list(
        ResultNotice.objects.filter(attempt=attempt).order_by("pk").values_list("kind", flat=1)
    )
    assert kinds == ["released", "changed"]
