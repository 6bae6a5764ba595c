"""Item statistics on awkward data: hand-marked items, blueprints, few attempts, repeats,
people who may not see them; and the HDF5, CSV and XLSX exports read back."""

from __future__ import annotations

import csv
import io
import json
import math

import h5py
import numpy as np
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from assessment import exams, exports, statistics
from assessment.models import Attempt
from tests import factories as site_factories

from . import factories
from .stats_helpers import mark_by_hand, sit


def approx(value):
    return pytest.approx(value, abs=5e-5)


@pytest.fixture(autouse=True)
def english():
    """The notes and flags are checked in English (the interface language is Vietnamese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def bank(tenant_a):
    return factories.make_bank(tenant_a.institution, actor=tenant_a.teacher)


def learners(tenant, count, prefix):
    return [site_factories.make_learner(tenant.institution, f"{prefix}-{i}") for i in range(count)]


# --- an essay: non-dichotomous, marked by hand ----------------------------------------------


# The factories' essay rubric: accuracy 0 / 2 / 4 points (levels "0" "1" "2"), clarity
# 0 / 1 (levels "0" "1").
RUBRIC_LEVELS = {
    5: {"accuracy": "2", "clarity": "1"},
    3: {"accuracy": "1", "clarity": "1"},
    0: {"accuracy": "0", "clarity": "0"},
}


@pytest.fixture
def essay_exam(tenant_a, bank):
    """Three learners, a one-mark choice item and a five-mark essay (rubric 4 + 1):

        learner  choice  essay | total
        A        a → 1   5     | 6
        B        b → 0   3     | 3
        C        a → 1   0     | 1

    Choice x̄ = 2/3, Sxx = 2/3; essay ȳ = 8/3, Syy = 114/9; totals X̄ = 10/3, SXX = 114/9,
    so k2 = 19/3 and the item variances are 1/3 and 19/3:
    α = 2 (1 − (1/3 + 19/3)/(19/3)) = −2/19; KR-20: none (3 of 5 is neither right nor wrong).
    Error ratio 100 √(1 + 2/19) = 105.1315 %; SEM = √(19/3) √(21/19) = √7 = 2.645751.
    Essay: facility 100 (8/3)/5 = 53.3333 %, SD 100 √(19/3)/5 = 50.3322 %; its rest is the
    choice mark r = 1 0 1 (r̄ = 2/3, Srr = 2/3): Syr = (7·1 − 1·2 − 8·1)/9 = −1/3, so
    DI = 100 (−1/3)/√((114/9)(2/3)) = −11.4708 (negative: flagged); sorted pairs
    (0,0) (3,1) (5,1) give Smax = 8/3, efficiency = 100 (−1/3)/(8/3) = −12.5 %;
    SyX = 111/9, point-biserial 111/114 = 0.973684; intended weight 5/6 = 83.3333 %.
    """
    choice = factories.make_item(bank, "single_choice", actor=tenant_a.teacher)
    essay = factories.make_item(bank, "essay", actor=tenant_a.teacher)
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=[choice, essay])
    for learner, option, mark in zip(learners(tenant_a, 3, "essay"), "aba", (5, 3, 0), strict=True):
        attempt = sit(tenant_a.teacher, exam, learner, {choice.pk: option, essay.pk: "Trả lời."})
        assert attempt.needs_manual
        mark_by_hand(tenant_a.teacher, attempt, {essay.pk: {"levels": RUBRIC_LEVELS[mark]}})
        attempt.refresh_from_db()
        assert not attempt.needs_manual
    return exam


def test_an_essay_gets_figures_but_the_test_no_kr20(tenant_a, essay_exam):
    stats = statistics.exam_statistics_for(user=tenant_a.teacher, exam=essay_exam)
    test = stats.test
    assert test.n_attempts == 3
    assert test.alpha == approx(-2 / 19)
    assert test.kr20 is None
    assert any("KR-20" in note for note in test.notes)
    assert test.error_ratio == approx(105.1315)
    assert test.sem == approx(math.sqrt(7))
    assert test.kurtosis is None  # needs four attempts
    choice, essay = stats.items
    assert choice.dichotomous and not essay.dichotomous
    assert essay.facility == approx(53.3333)
    assert essay.sd == approx(50.3322)
    assert essay.discrimination_index == approx(-11.4708)
    assert essay.discriminative_efficiency == approx(-12.5)
    assert essay.point_biserial == approx(111 / 114)
    assert essay.intended_weight == approx(83.3333)
    assert essay.random_guess is None
    assert essay.effective_weight is not None  # its covariance with the total is positive
    assert any("negative" in flag for flag in essay.flags)
    assert essay.options == []  # no option distribution for an essay


def test_attempts_awaiting_hand_marking_are_left_out_and_counted(tenant_a, bank):
    essay = factories.make_item(bank, "essay", actor=tenant_a.teacher)
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=[essay])
    for learner in learners(tenant_a, 2, "waiting"):
        sit(tenant_a.teacher, exam, learner, {essay.pk: "Bài làm"})
    stats = statistics.exam_statistics_for(user=tenant_a.teacher, exam=exam)
    assert stats.test.n_attempts == 0
    assert stats.test.awaiting_marking == 2


# --- blueprints: each learner sees different items -------------------------------------------


def test_a_blueprint_leaves_nan_where_an_item_was_not_presented(tenant_a, bank):
    drawn_from = [
        factories.make_item(bank, "true_false", actor=tenant_a.teacher, tags=["an-toàn"])
        for _ in range(3)
    ]
    exam = factories.make_exam(
        tenant_a.institution,
        actor=tenant_a.teacher,
        rules=[exams.RuleSpec(bank=bank, count=2, tag="an-toàn")],
    )
    sat = [
        sit(tenant_a.teacher, exam, learner, {item.pk: True for item in drawn_from})
        for learner in learners(tenant_a, 5, "blueprint")
    ]
    stats = statistics.exam_statistics_for(user=tenant_a.teacher, exam=exam)
    matrix = stats.matrix
    columns = [item.item_version_id for item in matrix.items]
    for row, attempt in enumerate(sorted(sat, key=lambda a: a.pk)):
        shown = set(attempt.questions.values_list("item_version_id", flat=True))
        assert len(shown) == 2
        assert {
            columns[c] for c in range(len(columns)) if not np.isnan(matrix.scores[row, c])
        } == shown
    presented = ~np.isnan(matrix.scores)
    assert [item.n for item in stats.items] == presented.sum(axis=0).tolist()
    assert sum(item.n for item in stats.items) == 10
    if not presented.all():  # five draws of 2 of 3 items: a gap is all but certain
        assert not stats.test.complete
        assert stats.test.alpha is None and stats.test.kr20 is None
        assert any("blueprint" in note for note in stats.test.notes)
    # True/false is right/wrong with a random-guess score of 50 %.
    assert all(item.random_guess == 50 for item in stats.items)
    assert stats.test.mean == approx(2)


# --- too little data --------------------------------------------------------------------------


def test_no_attempt_gives_no_figure_and_a_clear_note(tenant_a, bank):
    item = factories.make_item(bank, "single_choice", actor=tenant_a.teacher)
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=[item])
    stats = statistics.exam_statistics_for(user=tenant_a.teacher, exam=exam)
    assert stats.test.n_attempts == 0 and stats.test.mean is None
    assert stats.items == []
    assert any("Not enough data" in note for note in stats.test.notes)
    # The exports still write a file of the documented shape.
    with h5py.File(io.BytesIO(exports.export_hdf5(stats)), "r") as store:
        assert store["responses/score"].shape == (0, 0)
    assert exports.export_xlsx(stats)[:2] == b"PK"


def test_one_attempt_gives_means_but_no_spread(tenant_a, bank):
    items = [factories.make_item(bank, "single_choice", actor=tenant_a.teacher) for _ in range(2)]
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=items)
    sit(tenant_a.teacher, exam, tenant_a.learner, {items[0].pk: "a", items[1].pk: "b"})
    stats = statistics.exam_statistics_for(user=tenant_a.teacher, exam=exam)
    assert stats.test.mean == 1 and stats.test.median == 1
    assert stats.test.sd is None and stats.test.alpha is None
    assert [item.facility for item in stats.items] == [100, 0]
    assert all(item.discrimination_index is None for item in stats.items)
    assert all(item.point_biserial is None for item in stats.items)
    assert any("Not enough data" in note for note in stats.test.notes)
    # Facility 100 % and 0 % are flagged even without a spread.
    assert all(item.dubious for item in stats.items)


def test_every_learner_right_gives_no_correlation_rather_than_a_division_by_zero(tenant_a, bank):
    items = [factories.make_item(bank, "single_choice", actor=tenant_a.teacher) for _ in range(2)]
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=items)
    for learner in learners(tenant_a, 3, "same"):
        sit(tenant_a.teacher, exam, learner, {item.pk: "a" for item in items})
    stats = statistics.exam_statistics_for(user=tenant_a.teacher, exam=exam)
    assert stats.test.sd == 0 and stats.test.skewness is None and stats.test.alpha is None
    assert all(item.sd == 0 and item.discrimination_index is None for item in stats.items)
    assert all(item.effective_weight is None for item in stats.items)


# --- first or all attempts ----------------------------------------------------------------------


def test_first_attempts_only_or_all_of_them(tenant_a, bank):
    item = factories.make_item(bank, "single_choice", actor=tenant_a.teacher)
    exam = factories.make_exam(
        tenant_a.institution, actor=tenant_a.teacher, items=[item], attempts_allowed=2
    )
    sit(tenant_a.teacher, exam, tenant_a.learner, {item.pk: "b"})  # first: wrong
    sit(tenant_a.teacher, exam, tenant_a.learner, {item.pk: "a"})  # second: right
    first = statistics.exam_statistics_for(user=tenant_a.teacher, exam=exam)
    every = statistics.exam_statistics_for(user=tenant_a.teacher, exam=exam, attempts="all")
    assert first.test.n_attempts == 1 and first.items[0].facility == 0
    assert every.test.n_attempts == 2 and every.items[0].facility == 50
    assert [x.attempt_number for x in every.matrix.learners] == [1, 2]
    assert len({x.pseudonym for x in every.matrix.learners}) == 1


def test_one_version_or_every_version(tenant_a, bank):
    items = [factories.make_item(bank, "single_choice", actor=tenant_a.teacher) for _ in range(2)]
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=items[:1])
    first_learner, second_learner = learners(tenant_a, 2, "versions")
    sit(tenant_a.teacher, exam, first_learner, {items[0].pk: "a"})
    exams.exam_update(
        actor=tenant_a.teacher,
        exam=exam,
        sections=[exams.SectionSpec(title="Phần 1", items=items)],
    )
    sit(tenant_a.teacher, exam, second_learner, {items[0].pk: "a", items[1].pk: "a"})
    version_2 = exam.versions.get(number=2)
    both = statistics.exam_statistics_for(user=tenant_a.teacher, exam=exam)
    only_2 = statistics.exam_statistics_for(user=tenant_a.teacher, exam=exam, version=version_2)
    assert both.matrix.versions == (1, 2) and both.matrix.scores.shape == (2, 2)
    assert np.isnan(both.matrix.scores[0, 1])
    assert only_2.matrix.versions == (2,) and only_2.matrix.scores.shape == (1, 2)


# --- who may see them ----------------------------------------------------------------------------


def test_only_staff_of_the_exams_institution_compute_them(tenant_a, tenant_b, bank):
    item = factories.make_item(bank, "single_choice", actor=tenant_a.teacher)
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=[item])
    for outsider in (tenant_b.teacher, tenant_b.admin, tenant_a.learner):
        with pytest.raises(PermissionDenied):
            statistics.response_matrix(user=outsider, exam=exam)
    assert statistics.response_matrix(user=tenant_a.admin, exam=exam).exam_id == exam.pk


# --- exports -----------------------------------------------------------------------------------


@pytest.fixture
def hostile(tenant_a, bank):
    """Two attempts at a short-answer item whose answers and stem look like formulas."""
    short = factories.make_item(
        bank,
        "short_answer",
        actor=tenant_a.teacher,
        stem='<p>=HYPERLINK("http://evil","x")</p>',
        body={"accepted": [{"text": "=1+1"}]},
    )
    choice = factories.make_item(bank, "single_choice", actor=tenant_a.teacher)
    exam = factories.make_exam(
        tenant_a.institution, actor=tenant_a.teacher, items=[short, choice], title="@SUM(A1)"
    )
    answers = ["=1+1", "+cmd|' /C calc'!A0"]
    for learner, answer in zip(learners(tenant_a, 2, "hostile"), answers, strict=True):
        sit(tenant_a.teacher, exam, learner, {short.pk: answer, choice.pk: "c"})
    return exam


def test_hdf5_holds_the_documented_layout_and_values(tenant_a, hostile):
    stats = statistics.exam_statistics_for(user=tenant_a.teacher, exam=hostile, with_responses=True)
    with h5py.File(io.BytesIO(exports.export_hdf5(stats)), "r") as store:
        assert store.attrs["schema_version"] == statistics.SCHEMA_VERSION
        assert store.attrs["exam_id"] == hostile.pk
        assert store.attrs["exam_title"] == "@SUM(A1)"
        assert list(store.attrs["exam_versions"]) == [1]
        assert store.attrs["attempts"] == "first"
        assert "generated_at" in store.attrs
        score = store["responses/score"][...]
        assert score.shape == (2, 2) and score.dtype == np.float64
        np.testing.assert_array_equal(score, [[1, 0], [0, 0]])
        raw = store["responses/raw"].asstr()[...]
        assert json.loads(raw[0, 0]) == "=1+1"
        assert json.loads(raw[0, 1]) == "c"  # the authored id, not the attempt's token
        ids = store["learners/id"].asstr()[...]
        assert list(ids) == [x.pseudonym for x in stats.matrix.learners]
        assert all(not value.startswith("hostile") for value in ids)
        assert list(store["items/question_type"].asstr()[...]) == ["short_answer", "single_choice"]
        assert store["items/facility"][...].tolist() == [50.0, 0.0]
        assert math.isnan(store["items/random_guess"][0])
        assert store["items/random_guess"][1] == pytest.approx(100 / 3)
        assert store["test"].attrs["n_attempts"] == 2
        assert store["test"].attrs["mean"] == pytest.approx(0.5)


def test_csv_and_xlsx_never_start_a_cell_with_a_formula(tenant_a, hostile):
    from openpyxl import load_workbook

    stats = statistics.exam_statistics_for(user=tenant_a.teacher, exam=hostile, with_responses=True)
    tables = [
        exports.responses_table(stats),
        exports.items_table(stats),
        exports.scores_table(stats),
    ]
    for table in tables:
        data = exports.export_csv(table).decode("utf-8-sig")
        for row in csv.reader(io.StringIO(data)):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@")), cell
    responses = list(csv.reader(io.StringIO(exports.export_csv(tables[0]).decode("utf-8-sig"))))
    assert responses[1][3] == '"=1+1"'  # JSON text: quoted, so it cannot start a formula
    items = list(csv.reader(io.StringIO(exports.export_csv(tables[1]).decode("utf-8-sig"))))
    assert items[1][4].startswith("'=HYPERLINK")
    workbook = load_workbook(io.BytesIO(exports.export_xlsx(stats)))
    assert workbook.sheetnames == ["Scores", "Responses", "Items", "Test"]
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and value.startswith(("=", "+", "@"))), value
    assert workbook["Items"]["E2"].value.startswith("'=HYPERLINK")
    assert Attempt.objects.filter(exam=hostile).count() == 2
