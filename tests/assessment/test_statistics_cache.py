"""Item statistics are cached until the data change, and a large exam computes in the
background with a progress bar: a hit computes nothing; a new grade, a hand mark, a
moderation, a regrade and a release each make the next view compute afresh; the status
endpoint keeps to the exam's institution."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import translation

from assessment import marking, statistics, tasks
from assessment.models import AttemptQuestion
from institutions.api import require_staff
from tests import factories as site_factories

from . import factories
from .stats_helpers import mark_by_hand, sit

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
ESSAY_LEVELS = {5: {"accuracy": "2", "clarity": "1"}, 0: {"accuracy": "0", "clarity": "0"}}


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache (locmem outlives a test's rollback)."""
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


@pytest.fixture
def items(tenant_a):
    bank = factories.make_bank(tenant_a.institution, actor=tenant_a.teacher)
    return (
        factories.make_item(bank, "single_choice", actor=tenant_a.teacher),
        factories.make_item(bank, "essay", actor=tenant_a.teacher),
    )


@pytest.fixture
def exam(tenant_a, items):
    """Three learners sat a choice item and an essay marked by the teacher (5, 0, 5)."""
    choice, essay = items
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=list(items))
    for index, (option, mark) in enumerate(zip("aba", (5, 0, 5), strict=True)):
        learner = site_factories.make_learner(tenant_a.institution, f"cache-{index}")
        attempt = sit(tenant_a.teacher, exam, learner, {choice.pk: option, essay.pk: "Bài."})
        mark_by_hand(tenant_a.teacher, attempt, {essay.pk: {"levels": ESSAY_LEVELS[mark]}})
    return exam


def figures(tenant, exam, **choice):
    """The screen's figures through the cache, and the queries it took."""
    with CaptureQueriesContext(connection) as queries:
        stats = statistics.exam_statistics_cached(user=tenant.teacher, exam=exam, **choice)
    return stats, len(queries)


def test_a_hit_makes_one_query_and_computes_nothing(tenant_a, exam):
    with CaptureQueriesContext(connection) as permission:
        require_staff(tenant_a.teacher, exam.institution_id, "")
    first, cold = figures(tenant_a, exam)
    again, warm = figures(tenant_a, exam)
    # The fingerprint is the only query beyond the permission check: no matrix is read.
    assert warm == len(permission) + 1
    assert cold >= warm + 4
    assert again.test.n_attempts == first.test.n_attempts == 3
    assert [i.facility for i in again.items] == [i.facility for i in first.items]
    # What is kept holds no per-learner data.
    assert again.matrix.learners == [] and again.matrix.responses == {}


def test_each_choice_and_language_has_its_own_entry(tenant_a, exam):
    figures(tenant_a, exam)
    _stats, other = figures(tenant_a, exam, attempts=statistics.ALL)
    _stats, version = figures(tenant_a, exam, version=exam.versions.get())
    with translation.override("vi"):
        _stats, vietnamese = figures(tenant_a, exam)
    _stats, warm = figures(tenant_a, exam)
    assert min(other, version, vietnamese) > warm


def test_a_new_graded_attempt_is_counted_on_the_next_view(tenant_a, exam, items):
    choice, essay = items
    assert figures(tenant_a, exam)[0].test.n_attempts == 3
    learner = site_factories.make_learner(tenant_a.institution, "cache-late")
    attempt = sit(tenant_a.teacher, exam, learner, {choice.pk: "a", essay.pk: "Bài."})
    stats, _queries = figures(tenant_a, exam)
    assert (stats.test.n_attempts, stats.test.awaiting_marking) == (3, 1)
    mark_by_hand(tenant_a.teacher, attempt, {essay.pk: {"levels": ESSAY_LEVELS[5]}})
    stats, _queries = figures(tenant_a, exam)
    assert (stats.test.n_attempts, stats.test.awaiting_marking) == (4, 0)


def test_a_moderation_changes_the_figures(tenant_a, exam, items):
    _choice, essay = items
    before = figures(tenant_a, exam)[0].items[1].facility
    question = AttemptQuestion.objects.filter(attempt__exam=exam, item_version=essay, score=0).get()
    marking.response_moderate(
        actor=tenant_a.admin,
        question=question,
        decision="adjust",
        reason="Bài đạt yêu cầu.",
        marking={"levels": ESSAY_LEVELS[5]},
    )
    after = figures(tenant_a, exam)[0].items[1].facility
    assert before == pytest.approx(200 / 3) and after == pytest.approx(100)


def test_a_regrade_changes_the_figures(tenant_a, exam, items):
    choice, _essay = items
    assert figures(tenant_a, exam)[0].items[0].facility == pytest.approx(200 / 3)
    marking.item_key_correct(
        actor=tenant_a.teacher,
        item_version=choice,
        body=dict(choice.body, correct="b"),
        reason="Đáp án đúng là B.",
    )
    assert figures(tenant_a, exam)[0].items[0].facility == pytest.approx(100 / 3)


def test_a_release_makes_the_next_view_compute(tenant_a, items):
    """Released by an examiner (not automatically): the release itself renews the figures."""
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=list(items))
    marking.exam_marking_update(actor=tenant_a.teacher, exam=exam, release="examiner")
    learner = site_factories.make_learner(tenant_a.institution, "cache-release")
    attempt = sit(tenant_a.teacher, exam, learner, {items[0].pk: "a", items[1].pk: "Bài."})
    mark_by_hand(tenant_a.teacher, attempt, {items[1].pk: {"levels": ESSAY_LEVELS[5]}})
    assert not marking.is_released(attempt)
    figures(tenant_a, exam)
    _stats, warm = figures(tenant_a, exam)
    assert marking.results_release(actor=tenant_a.teacher, exam=exam).released == 1
    _stats, after_release = figures(tenant_a, exam)
    assert after_release > warm


def test_another_institution_never_reads_the_cache(tenant_a, tenant_b, exam):
    figures(tenant_a, exam)
    with pytest.raises(PermissionDenied):
        statistics.exam_statistics_cached(user=tenant_b.teacher, exam=exam)


# --- the background path ---------------------------------------------------------------------


def page(exam):
    return reverse("assessment_statistics:exam", args=[exam.pk])


def status(exam):
    return reverse("assessment_statistics:status", args=[exam.pk])


@override_settings(TAYNGHE_STATS_BACKGROUND_CELLS=5)
def test_a_large_exam_shows_progress_then_the_figures(
    client, tenant_a, exam, django_capture_on_commit_callbacks
):
    """Six attempt-items > 5: the page queues the task (run at once here, on commit), shows
    a progress bar, the status says it is done, and the page then shows the figures."""
    client.force_login(tenant_a.teacher)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        waiting = client.get(page(exam))
    assert len(callbacks) == 1
    assert waiting.status_code == 200
    html = waiting.content.decode()
    assert 'id="stats-progress"' in html and "stats" not in waiting.context
    assert waiting.context["cells"] == 6
    state = client.get(status(exam)).json()
    assert state["finished"] and not state["failed"]
    with CaptureQueriesContext(connection) as queries:
        shown = client.get(page(exam))
    assert shown.context["stats"].test.n_attempts == 3
    assert not any('FROM "assessment_answer"' in q["sql"] for q in queries.captured_queries)


@override_settings(TAYNGHE_STATS_BACKGROUND_CELLS=5, TASKS=DUMMY_TASKS)
def test_a_queued_computation_is_started_once_and_reported(
    client, tenant_a, exam, django_capture_on_commit_callbacks
):
    backend = tasks.exam_statistics_task.get_backend()
    backend.clear()
    client.force_login(tenant_a.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(page(exam))
        client.get(page(exam))  # a second viewer (or a reload) does not queue it again
    assert len(backend.results) == 1
    state = client.get(status(exam)).json()
    assert not state["finished"] and state["percent"] == 0 and state["label"]
    # The worker runs it: as the person who asked, in their language.
    tasks.exam_statistics_task.call(**backend.results[0].kwargs)
    assert client.get(status(exam)).json()["finished"]
    assert client.get(page(exam)).context["stats"].test.n_attempts == 3


@override_settings(TAYNGHE_STATS_BACKGROUND_CELLS=1000)
def test_a_small_exam_computes_inline(client, tenant_a, exam, django_capture_on_commit_callbacks):
    client.force_login(tenant_a.teacher)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        shown = client.get(page(exam))
    assert callbacks == [] and shown.context["stats"].test.n_attempts == 3


@override_settings(TAYNGHE_STATS_BACKGROUND_CELLS=5, TASKS=DUMMY_TASKS)
def test_the_status_keeps_to_the_exams_institution(client, tenant_a, tenant_b, exam):
    client.force_login(tenant_b.teacher)
    assert client.get(status(exam)).status_code == 404
    assert client.get(status(exam) + "?version=99").status_code == 404
    client.force_login(tenant_a.learner)  # not staff: Wagtail's admin sends them to log in
    refused = client.get(status(exam))
    assert refused.status_code in (302, 403) and b"percent" not in refused.content
    client.force_login(tenant_a.teacher)
    assert client.get(status(exam) + "?version=x").status_code == 404
    assert client.get(status(exam)).status_code == 200


@override_settings(TAYNGHE_STATS_BACKGROUND_CELLS=5, TASKS=DUMMY_TASKS)
def test_a_task_run_for_someone_else_fails_and_says_so(
    client, tenant_a, tenant_b, exam, django_capture_on_commit_callbacks
):
    """The task checks the permission again; a failure is shown, not retried in a loop."""
    backend = tasks.exam_statistics_task.get_backend()
    backend.clear()
    client.force_login(tenant_a.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(page(exam))
    arguments = dict(backend.results[0].kwargs, user_id=tenant_b.teacher.pk)
    with pytest.raises(PermissionDenied):
        tasks.exam_statistics_task.call(**arguments)
    state = client.get(status(exam)).json()
    assert state["finished"] and state["failed"] and state["label"]
    with django_capture_on_commit_callbacks(execute=True):
        again = client.get(page(exam))
    assert len(backend.results) == 1 and 'id="stats-failed"' in again.content.decode()
    assert b'id="stats-failed" class="item-stats__note" hidden' not in again.content
