"""Item statistics of an exam, after Moodle's quiz statistics report.

Two steps: `response_matrix` reads the graded attempts of an exam as a learner × item
matrix (a handful of queries whatever the number of attempts), and `exam_statistics`
computes the item and test figures from it with numpy. The definitions, their units and
where they come from are in `docs/item-statistics.md`; the short form:

- a *column* is one item version (blueprints draw different items per learner, so a
  column is NaN for the learners who were not shown it);
- an attempt's *total* is the sum of its question marks (before the floor at 0 that
  negative marking applies to the attempt's score), its *rest* for an item is the total
  without that item;
- Moodle's figures are percentages (facility, SD, random-guess score, weights,
  discrimination index, discriminative efficiency); point-biserial correlation and the
  upper/lower 27 % discrimination are coefficients between −1 and 1; α and KR-20 are
  coefficients (Moodle's "coefficient of internal consistency" is 100 α).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, FloatField, IntegerField, Max, OuterRef, Q, Subquery, TextField
from django.db.models.functions import Cast, Coalesce
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from institutions.api import require_staff

from .models import Attempt, AttemptQuestion, Exam, ExamVersion, ItemVersion, MarkingEvent

SCHEMA_VERSION = 1
FIRST, ALL = "first", "all"
CHOICE_TYPES = ("single_choice", "multiple_choice", "true_false")
# Question types whose responses carry this attempt's opaque option ids.
ID_TYPES = ("single_choice", "multiple_choice", "ordering", "matching", "cloze")
UPPER_LOWER_SHARE = 0.27
HISTOGRAM_BINS = 10

# Dubious-item thresholds (the brief of issue 5; Moodle highlights similar ones).
FACILITY_LOW, FACILITY_HIGH = 5.0, 95.0
DISCRIMINATION_LOW = 20.0  # discrimination index in % (a correlation of 0.2)
EFFICIENCY_LOW = 30.0


# Told how a long computation moves on: phase ("reading", "responses", "computing",
# "options"), items done, items in all (0 when not counted).
Progress = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    """The progress callback of a computation nobody watches."""


# ---------------------------------------------------------------------------
# The response matrix.


@dataclass(frozen=True)
class MatrixItem:
    """One column: an item version as the exam presented it."""

    item_version_id: int
    item_uid: str
    version: int
    question_type: str
    label: str
    max_mark: float
    options: tuple[tuple[str, str], ...] = ()  # (authored id, text) for choice types
    correct: tuple[str, ...] = ()  # the right options' ids, for choice types
    random_guess: float | None = None  # Moodle's random-guess score, in %


@dataclass(frozen=True)
class MatrixLearner:
    """One row: a graded attempt, named by a pseudonym rather than the learner."""

    attempt_id: int
    pseudonym: str
    exam_version: int
    attempt_number: int
    max_score: float


@dataclass
class ResponseMatrix:
    """Graded attempts × item versions: marks (NaN where not presented) and raw responses."""

    exam_id: int
    exam_title: str
    versions: tuple[int, ...]
    attempts: str  # FIRST or ALL
    learners: list[MatrixLearner]
    items: list[MatrixItem]
    scores: np.ndarray  # float64 [n_learners, n_items]
    awaiting_marking: int = 0
    # Per (row, column) presented: the response in the authored ids, None for not
    # answered. Filled for every column when asked for, else only for choice-type
    # columns (the option distribution needs them).
    responses: dict[tuple[int, int], Any] = field(default_factory=dict)


def pseudonym(exam_id: int, learner_id: int) -> str:
    """A stable id for a learner within one exam that does not name them (HMAC of the key)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"exam-statistics:{exam_id}:{learner_id}".encode(), "sha256"
    )
    return "L" + digest.hexdigest()[:12]


def _label(stem: str) -> str:
    text = " ".join(strip_tags(stem or "").split())
    return Truncator(text).chars(80)


def _choice_options(question_type: str, body: dict) -> tuple[tuple[str, str], ...]:
    if question_type == "true_false":
        return (("true", _("True")), ("false", _("False")))
    if question_type in ("single_choice", "multiple_choice"):
        return tuple(
            (str(option.get("id")), _label(str(option.get("text", ""))))
            for option in body.get("options", [])
        )
    return ()


def _correct_ids(question_type: str, body: dict) -> tuple[str, ...]:
    if question_type not in CHOICE_TYPES:
        return ()
    if question_type == "true_false":
        return ("true" if body.get("correct") else "false",)
    correct = body.get("correct")
    if isinstance(correct, list):
        return tuple(str(value) for value in correct)
    return (str(correct),) if correct is not None else ()


def random_guess_score(question_type: str, body: dict) -> float | None:
    """Moodle's random-guess score in %: the mean mark of a blind guess, where it is defined.

    One of n options is 1/n; true/false is 1/2; matching with partial marks is 1/(number
    of choices) per prompt. Other types (free text, several answers, hand-marked) have none,
    as in Moodle.
    """
    if question_type == "single_choice":
        options = body.get("options") or []
        return 100.0 / len(options) if options else None
    if question_type == "true_false":
        return 50.0
    if question_type == "matching" and body.get("scoring", "partial") == "partial":
        choices = body.get("choices") or []
        return 100.0 / len(choices) if choices else None
    return None


def _authored(value: Any, id_map: dict) -> Any:
    """A response in this attempt's opaque ids, rewritten with the authored ids."""
    if isinstance(value, str):
        return id_map.get(value, value)
    if isinstance(value, list):
        return [_authored(entry, id_map) for entry in value]
    if isinstance(value, dict):
        return {id_map.get(k, k): _authored(v, id_map) for k, v in value.items()}
    return value


def response_matrix(
    *,
    user,
    exam: Exam,
    version: ExamVersion | None = None,
    attempts: str = FIRST,
    with_responses: bool = False,
    progress: Progress | None = None,
) -> ResponseMatrix:
    """The graded attempts of `exam` (one version, or all) as a learner × item matrix.

    `attempts=FIRST` keeps each learner's first submitted attempt (as Moodle's default),
    `ALL` every one. An attempt still waiting for hand marking is left out and counted in
    `awaiting_marking`: its total is not known yet. Staff of the exam's institution only.
    """
    require_staff(
        user, exam.institution_id, _("Only staff of the exam's institution may see this.")
    )
    if attempts not in (FIRST, ALL):
        raise ValueError(attempts)
    progress = progress or _no_progress
    progress("reading", 0, 0)
    submitted = Attempt.objects.filter(exam=exam, status=Attempt.Status.SUBMITTED)
    if version is not None:
        submitted = submitted.filter(version=version)
    rows = list(
        submitted.order_by("learner_id", "number", "pk").values_list(
            "pk", "learner_id", "number", "version__number", "needs_manual"
        )
    )
    if attempts == FIRST:
        firsts, seen = [], set()
        for row in rows:
            if row[1] not in seen:
                seen.add(row[1])
                firsts.append(row)
        rows = firsts
    awaiting = sum(1 for row in rows if row[4])
    rows = sorted((row for row in rows if not row[4]), key=lambda row: row[0])
    row_of = {row[0]: index for index, row in enumerate(rows)}

    # The matrix: one query over every question of the submitted attempts, marks read as
    # floats by the database (no Decimal per cell) and placed with numpy.
    questions = AttemptQuestion.objects.filter(attempt__in=submitted)
    cells = np.array(
        list(
            questions.annotate(
                stat_mark=Cast("score", FloatField()), stat_max=Cast("max_score", FloatField())
            ).values_list("attempt_id", "item_version_id", "position", "stat_mark", "stat_max")
        ),
        dtype=float,
    ).reshape(-1, 5)
    included = np.array([row[0] for row in rows], dtype=np.int64)  # sorted: row = rank
    found = np.searchsorted(included, cells[:, 0].astype(np.int64))
    keep = found < len(included)
    keep[keep] = included[found[keep]] == cells[keep, 0].astype(np.int64)
    cells, row_index = cells[keep], found[keep]
    version_ids, inverse = np.unique(cells[:, 1].astype(np.int64), return_inverse=True)
    first_position = np.full(len(version_ids), np.inf)
    np.minimum.at(first_position, inverse, cells[:, 2])
    order = np.lexsort((version_ids, first_position))  # paper order, then pk
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    column_index = rank[inverse]
    column_ids = [int(pk) for pk in version_ids[order]]
    column_of = {pk: index for index, pk in enumerate(column_ids)}
    scores = np.full((len(rows), len(column_ids)), np.nan)
    # A question of a graded attempt always has a mark; None would be a marking gap: 0.
    scores[row_index, column_index] = np.nan_to_num(cells[:, 3], nan=0.0)
    max_marks = np.zeros(len(column_ids))
    np.maximum.at(max_marks, column_index, cells[:, 4])
    paper_max = np.bincount(row_index, weights=cells[:, 4], minlength=len(rows))
    versions = {
        row["pk"]: row
        for row in ItemVersion.objects.filter(pk__in=column_ids).values(
            "pk", "number", "question_type", "stem", "body", "item__uid"
        )
    }
    items = []
    for column, pk in enumerate(column_ids):
        info = versions[pk]
        items.append(
            MatrixItem(
                item_version_id=pk,
                item_uid=str(info["item__uid"]),
                version=info["number"],
                question_type=info["question_type"],
                label=_label(info["stem"]),
                max_mark=float(max_marks[column]),
                options=_choice_options(info["question_type"], info["body"] or {}),
                correct=_correct_ids(info["question_type"], info["body"] or {}),
                random_guess=random_guess_score(info["question_type"], info["body"] or {}),
            )
        )
    matrix = ResponseMatrix(
        exam_id=exam.pk,
        exam_title=exam.title,
        versions=tuple(sorted({row[3] for row in rows})),
        attempts=attempts,
        learners=[
            MatrixLearner(
                attempt_id=row[0],
                pseudonym=pseudonym(exam.pk, row[1]),
                exam_version=row[3],
                attempt_number=row[2],
                max_score=float(paper_max[index]),
            )
            for index, row in enumerate(rows)
        ],
        items=items,
        scores=scores,
        awaiting_marking=awaiting,
    )
    # Responses: a second query, only for the columns that need them, JSON decoded here
    # (cheaper than the ORM's converters on half a million cells).
    progress("responses", 0, 0)
    wanted = (
        questions
        if with_responses
        else questions.filter(item_version__question_type__in=CHOICE_TYPES)
    )
    loads = json.loads
    for attempt_id, item_version_id, question_type, id_map, response in (
        wanted.annotate(
            stat_map=Cast("id_map", TextField()), stat_answer=Cast("answer__response", TextField())
        )
        .values_list(
            "attempt_id",
            "item_version_id",
            "item_version__question_type",
            "stat_map",
            "stat_answer",
        )
        .iterator(chunk_size=5000)
    ):
        row = row_of.get(attempt_id)
        if row is None:
            continue
        response = loads(response) if response is not None else None
        if question_type in ID_TYPES and response is not None:
            response = _authored(response, loads(id_map) if id_map else {})
        matrix.responses[(row, column_of[item_version_id])] = response
    return matrix


# ---------------------------------------------------------------------------
# The statistics.


@dataclass(frozen=True)
class OptionCount:
    """How many chose one option of a choice item, overall and in each score group."""

    option_id: str
    text: str
    correct: bool
    total: int
    upper: int
    middle: int
    lower: int


@dataclass
class ItemStatistics:
    """One item's figures (None where the data cannot give one)."""

    item: MatrixItem
    number: int  # 1-based column number, as the screens and exports name it
    n: int
    mean: float | None = None
    facility: float | None = None  # %
    sd: float | None = None  # % of the item's marks
    intended_weight: float | None = None  # %
    effective_weight: float | None = None  # %
    discrimination_index: float | None = None  # %, correlation with the rest of the test
    discrimination_27: float | None = None  # upper 27 % minus lower 27 %, share of the marks
    discriminative_efficiency: float | None = None  # %
    point_biserial: float | None = None  # correlation with the total (item included)
    dichotomous: bool = False
    options: list[OptionCount] = field(default_factory=list)
    no_answer: tuple[int, int, int, int] = (0, 0, 0, 0)  # total, upper, middle, lower
    flags: list[str] = field(default_factory=list)

    @property
    def random_guess(self) -> float | None:
        return self.item.random_guess

    @property
    def dubious(self) -> bool:
        return bool(self.flags)


@dataclass
class TestStatistics:
    """The whole test's figures over the attempts' totals."""

    n_attempts: int
    n_items: int
    awaiting_marking: int
    complete: bool  # every attempt was shown every item (no blueprint gaps)
    mean: float | None = None
    median: float | None = None
    sd: float | None = None
    skewness: float | None = None
    kurtosis: float | None = None
    alpha: float | None = None
    kr20: float | None = None
    error_ratio: float | None = None  # %
    sem: float | None = None
    max_score: float | None = None  # the mean of the papers' maximum marks
    mean_percent: float | None = None
    histogram: list[int] = field(default_factory=list)  # HISTOGRAM_BINS bins of % of the paper
    notes: list[str] = field(default_factory=list)


@dataclass
class ExamStatistics:
    """What the statistics screen shows and the exports write."""

    matrix: ResponseMatrix
    test: TestStatistics
    items: list[ItemStatistics]


def _cov(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sum((a - a.mean()) * (b - b.mean())) / (len(a) - 1))


def score_groups(totals: np.ndarray, attempt_ids: list[int]) -> tuple[set[int], set[int]]:
    """Rows in the upper and the lower 27 % by total (ties at a cut go to the earlier attempt).

    Each group has round(0.27 n) rows (half up, at least 1); fewer than 2 attempts make
    no groups.
    """
    n = len(totals)
    if n < 2:
        return set(), set()
    size = max(1, math.floor(UPPER_LOWER_SHARE * n + 0.5))
    ranking = sorted(range(n), key=lambda row: (-totals[row], attempt_ids[row]))
    return set(ranking[:size]), set(ranking[-size:])


def exam_statistics(matrix: ResponseMatrix, progress: Progress | None = None) -> ExamStatistics:
    """Every item and test figure from a response matrix (pure: no database)."""
    progress = progress or _no_progress
    scores = matrix.scores
    n = scores.shape[0]
    presented = ~np.isnan(scores)
    totals = np.where(presented, scores, 0.0).sum(axis=1)
    paper_max = np.array([learner.max_score for learner in matrix.learners])
    test = _test_statistics(matrix, scores, presented, totals, paper_max)
    upper, lower = score_groups(totals, [learner.attempt_id for learner in matrix.learners])
    mean_paper = float(paper_max.mean()) if n else 0.0

    items: list[ItemStatistics] = []
    for column, item in enumerate(matrix.items):
        progress("computing", column, len(matrix.items))
        mask = presented[:, column]
        x, total = scores[mask, column], totals[mask]
        stats = ItemStatistics(item=item, number=column + 1, n=int(mask.sum()))
        items.append(stats)
        if mean_paper:
            stats.intended_weight = 100 * item.max_mark / mean_paper
        if stats.n == 0:
            continue
        stats.mean = float(x.mean())
        stats.dichotomous = bool(np.all((x == 0) | (x == item.max_mark)))
        if item.max_mark:
            stats.facility = 100 * stats.mean / item.max_mark
        _upper_lower(stats, scores[:, column], mask, upper, lower)
        if stats.n >= 2:
            rest = total - x
            var_x, var_rest, var_total = _cov(x, x), _cov(rest, rest), _cov(total, total)
            cov_rest = _cov(x, rest)
            if item.max_mark:
                stats.sd = 100 * math.sqrt(var_x) / item.max_mark
            if var_x * var_rest > 0:
                stats.discrimination_index = 100 * cov_rest / math.sqrt(var_x * var_rest)
            cov_max = _cov(np.sort(x), np.sort(rest))
            if cov_max:
                stats.discriminative_efficiency = 100 * cov_rest / cov_max
            if var_x * var_total > 0:
                stats.point_biserial = _cov(x, total) / math.sqrt(var_x * var_total)
        stats.flags = _flags(stats)
    _effective_weights(items, scores, presented, totals)
    progress("options", len(matrix.items), len(matrix.items))
    _option_distribution(matrix, items, upper, lower)
    return ExamStatistics(matrix=matrix, test=test, items=items)


def _upper_lower(stats, column_scores, mask, upper, lower) -> None:
    top = [column_scores[row] for row in upper if mask[row]]
    bottom = [column_scores[row] for row in lower if mask[row]]
    if top and bottom and stats.item.max_mark:
        stats.discrimination_27 = (np.mean(top) - np.mean(bottom)) / stats.item.max_mark


def _effective_weights(items, scores, presented, totals) -> None:
    """Moodle: 100 √cov(item, total) / Σ √cov(item_j, total); none where a covariance is < 0."""
    roots: dict[int, float] = {}
    for column, stats in enumerate(items):
        mask = presented[:, column]
        if stats.n >= 2:
            covariance = _cov(scores[mask, column], totals[mask])
            if covariance >= 0:
                roots[column] = math.sqrt(covariance)
    denominator = sum(roots.values())
    if denominator:
        for column, root in roots.items():
            items[column].effective_weight = 100 * root / denominator


def _flags(stats: ItemStatistics) -> list[str]:
    flags = []
    if stats.facility is not None and stats.facility < FACILITY_LOW:
        flags.append(_("too hard: facility under 5 %"))
    if stats.facility is not None and stats.facility > FACILITY_HIGH:
        flags.append(_("too easy: facility over 95 %"))
    if stats.discrimination_index is not None:
        if stats.discrimination_index < 0:
            flags.append(_("negative discrimination: stronger learners did worse"))
        elif stats.discrimination_index < DISCRIMINATION_LOW:
            flags.append(_("weak discrimination: under 0.2"))
    if (
        stats.discriminative_efficiency is not None
        and stats.discriminative_efficiency < EFFICIENCY_LOW
    ):
        flags.append(_("low discriminative efficiency: under 30 %"))
    return flags


def _option_distribution(matrix, items, upper, lower) -> None:
    for column, stats in enumerate(items):
        item = stats.item
        if item.question_type not in CHOICE_TYPES:
            continue
        counts = {option_id: [0, 0, 0, 0] for option_id, _text in item.options}
        none = [0, 0, 0, 0]
        for row in range(len(matrix.learners)):
            if (row, column) not in matrix.responses:
                continue
            group = 1 if row in upper else 3 if row in lower else 2
            response = matrix.responses[(row, column)]
            chosen = (
                []
                if response is None
                else ["true" if response else "false"]
                if isinstance(response, bool)
                else [str(value) for value in response]
                if isinstance(response, list)
                else [str(response)]
            )
            targets = [counts[option] for option in chosen if option in counts] or [none]
            for target in targets:
                target[0] += 1
                target[group] += 1
        correct = set(item.correct)
        stats.options = [
            OptionCount(option_id, text, option_id in correct, *counts[option_id])
            for option_id, text in item.options
        ]
        stats.no_answer = tuple(none)


def _test_statistics(matrix, scores, presented, totals, paper_max) -> TestStatistics:
    """Moodle's quiz statistics: mean, median, SD, skewness, kurtosis, α, error ratio, SEM."""
    n, m = scores.shape
    test = TestStatistics(
        n_attempts=n,
        n_items=m,
        awaiting_marking=matrix.awaiting_marking,
        complete=bool(n and presented.all()),
    )
    if n == 0:
        test.notes.append(_("Not enough data: no graded attempt yet."))
        return test
    test.mean = float(totals.mean())
    test.median = float(np.median(totals))
    test.max_score = float(paper_max.mean())
    percents = np.divide(100 * totals, paper_max, out=np.zeros(n), where=paper_max > 0)
    test.mean_percent = float(percents.mean())
    edges = np.clip(
        (np.clip(percents, 0, 100) // (100 / HISTOGRAM_BINS)).astype(int), 0, HISTOGRAM_BINS - 1
    )
    test.histogram = [int(np.sum(edges == b)) for b in range(HISTOGRAM_BINS)]
    if n < 2:
        test.notes.append(
            _("Not enough data: spread, correlations and reliability need at least two attempts.")
        )
        return test
    deviations = totals - test.mean
    m2, m3, m4 = (float(np.mean(deviations**k)) for k in (2, 3, 4))
    k2 = n * m2 / (n - 1)
    test.sd = math.sqrt(k2)
    if n > 2 and k2:
        k3 = n * n * m3 / ((n - 1) * (n - 2))
        test.skewness = k3 / k2**1.5
        if n > 3:
            k4 = n * n * ((n + 1) * m4 - 3 * (n - 1) * m2 * m2) / ((n - 1) * (n - 2) * (n - 3))
            test.kurtosis = k4 / (k2 * k2)
    if not test.complete:
        test.notes.append(
            _(
                "Not every attempt was shown the same items (blueprints), so Cronbach's α "
                "and KR-20 are not computed: they need one common paper."
            )
        )
    elif m < 2:
        test.notes.append(_("Reliability needs at least two items."))
    elif not k2:
        test.notes.append(_("Every attempt has the same total: reliability cannot be computed."))
    else:
        item_variances = scores.var(axis=0, ddof=1)
        test.alpha = m / (m - 1) * (1 - float(item_variances.sum()) / k2)
        test.error_ratio = 100 * math.sqrt(max(0.0, 1 - test.alpha))
        test.sem = test.sd * math.sqrt(max(0.0, 1 - test.alpha))
        max_marks = np.array([item.max_mark for item in matrix.items])
        dichotomous = np.all((scores == 0) | (scores == max_marks), axis=0)
        if dichotomous.all() and np.all(max_marks > 0):
            p = scores.mean(axis=0) / max_marks
            variance = m2  # the population variance, as KR-20 is written with p q
            test.kr20 = m / (m - 1) * (1 - float(np.sum(max_marks**2 * p * (1 - p))) / variance)
        else:
            test.notes.append(_("KR-20 applies only when every item is marked right or wrong."))
    if n < 4:
        test.notes.append(_("Few attempts: read these figures with care."))
    return test


def exam_statistics_for(
    *,
    user,
    exam: Exam,
    version: ExamVersion | None = None,
    attempts: str = FIRST,
    with_responses: bool = False,
    progress: Progress | None = None,
) -> ExamStatistics:
    """Read the matrix and compute its statistics (staff of the exam's institution only)."""
    matrix = response_matrix(
        user=user,
        exam=exam,
        version=version,
        attempts=attempts,
        with_responses=with_responses,
        progress=progress,
    )
    return exam_statistics(matrix, progress=progress)


# ---------------------------------------------------------------------------
# The cache: computed figures are kept (Django's cache: locmem on a laptop, Redis in
# production) under a key naming the exam, the version and attempts chosen, the language
# (notes and flags are worded when computed) and a fingerprint of the data, so any new
# grade, mark, moderation, regrade or release makes the next view compute afresh.

CACHE_PREFIX = "assessment:item-statistics"
CACHE_SECONDS = 7 * 24 * 3600  # a stale entry is never read (its key changes); this frees it
JOB_SECONDS = 30 * 60  # a background computation not heard of for this long is forgotten
PROGRESS_EVERY = 0.5  # seconds between two progress writes of a background computation


@dataclass(frozen=True)
class DataFingerprint:
    """What the figures of an exam depend on, read in one query."""

    digest: str
    cells: int  # attempt-items of the chosen attempts (the size of the work)


def data_fingerprint(*, exam: Exam, version: ExamVersion | None = None) -> DataFingerprint:
    """Counts and newest ids/times of the exam's submitted attempts and marking events.

    Submitting an attempt changes the attempts' count and newest submission; every hand
    mark, second mark, moderation, regrade and release writes a `MarkingEvent` (count and
    newest pk). One query: scalar subqueries on the exam's row.
    """
    submitted = Attempt.objects.filter(exam=OuterRef("pk"), status=Attempt.Status.SUBMITTED)
    events = MarkingEvent.objects.filter(attempt__exam=OuterRef("pk"))
    cells = AttemptQuestion.objects.filter(
        attempt__exam=OuterRef("pk"), attempt__status=Attempt.Status.SUBMITTED
    )
    if version is not None:
        submitted = submitted.filter(version=version)
        events = events.filter(attempt__version=version)
        cells = cells.filter(attempt__version=version)

    def scalar(queryset, aggregate):
        return Subquery(
            queryset.order_by()
            .values("attempt__exam" if queryset is not submitted else "exam")
            .annotate(value=aggregate)
            .values("value")[:1]
        )

    row = (
        Exam.objects.filter(pk=exam.pk)
        .annotate(
            n_attempts=Coalesce(scalar(submitted, Count("pk")), 0, output_field=IntegerField()),
            n_manual=scalar(submitted, Count("pk", filter=Q(needs_manual=True))),
            last_attempt=scalar(submitted, Max("pk")),
            last_submitted=Cast(scalar(submitted, Max("submitted_at")), TextField()),
            n_events=scalar(events, Count("pk")),
            last_event=scalar(events, Max("pk")),
            n_cells=Coalesce(scalar(cells, Count("pk")), 0, output_field=IntegerField()),
        )
        .values_list(
            "n_attempts",
            "n_manual",
            "last_attempt",
            "last_submitted",
            "n_events",
            "last_event",
            "n_cells",
            "title",
        )
        .get()
    )
    digest = hashlib.sha256(repr(row).encode()).hexdigest()[:24]
    return DataFingerprint(digest=digest, cells=int(row[6] or 0))


def cache_key(
    *, exam: Exam, version: ExamVersion | None, attempts: str, fingerprint: DataFingerprint
) -> str:
    """The key of one choice's figures for the data as they are now, in this language."""
    return ":".join(
        [
            CACHE_PREFIX,
            str(SCHEMA_VERSION),
            str(exam.pk),
            str(version.pk) if version is not None else "all",
            attempts,
            get_language() or settings.LANGUAGE_CODE,
            fingerprint.digest,
        ]
    )


def _for_screen(stats: ExamStatistics) -> ExamStatistics:
    """The figures without the per-learner matrix (the screen shows none of it)."""
    matrix = replace(
        stats.matrix, learners=[], scores=np.empty((0, len(stats.matrix.items))), responses={}
    )
    return replace(stats, matrix=matrix)


def cached_statistics(
    *, user, exam: Exam, version: ExamVersion | None = None, attempts: str = FIRST
) -> tuple[ExamStatistics | None, str, DataFingerprint]:
    """The cached figures of a choice, or None; with their key and the data's fingerprint.

    Staff of the exam's institution only (checked before the cache is read).
    """
    require_staff(
        user, exam.institution_id, _("Only staff of the exam's institution may see this.")
    )
    if attempts not in (FIRST, ALL):
        raise ValueError(attempts)
    fingerprint = data_fingerprint(exam=exam, version=version)
    key = cache_key(exam=exam, version=version, attempts=attempts, fingerprint=fingerprint)
    return cache.get(key), key, fingerprint


def exam_statistics_cached(
    *,
    user,
    exam: Exam,
    version: ExamVersion | None = None,
    attempts: str = FIRST,
    progress: Progress | None = None,
) -> ExamStatistics:
    """The screen's figures: from the cache when the data have not changed, else computed
    (and kept). The matrix is left out of what is kept and returned (`_for_screen`)."""
    stats, key, _fingerprint = cached_statistics(
        user=user, exam=exam, version=version, attempts=attempts
    )
    if stats is None:
        stats = _for_screen(
            exam_statistics_for(
                user=user, exam=exam, version=version, attempts=attempts, progress=progress
            )
        )
        cache.set(key, stats, CACHE_SECONDS)
    return stats


def background_threshold() -> int:
    """Above this many attempt-items a cold screen computes in the background."""
    return int(getattr(settings, "TAYNGHE_STATS_BACKGROUND_CELLS", 100_000))


def job_key(key: str) -> str:
    return key + ":job"


def job_state(key: str) -> dict | None:
    """A background computation's state: status ("queued", "running", "failed"), phase,
    done, total, percent; None when there is none."""
    return cache.get(job_key(key))


def job_start(key: str) -> bool:
    """Mark a computation as queued; False when one is already queued or running (or failed
    recently), so two viewers never start the same work twice."""
    state = {"status": "queued", "phase": "", "done": 0, "total": 0, "percent": 0}
    return cache.add(job_key(key), state, JOB_SECONDS)


def statistics_job_run(
    *, user, exam: Exam, version: ExamVersion | None, attempts: str, key: str
) -> None:
    """Compute a choice's figures for the screen in the background, telling its progress
    under the job of `key` (the key the screen asked for) and keeping the result under the
    key of the data as the computation found them (the same, unless they changed since)."""
    last = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == last_phase[0] and now - last[0] < PROGRESS_EVERY:
            return
        last[0], last_phase[0] = now, phase
        # Reading is the first ~half of the work, the figures the rest.
        percent = {"reading": 5, "responses": 40, "options": 95}.get(phase, 0)
        if phase == "computing" and total:
            percent = 50 + int(45 * done / total)
        state = {
            "status": "running",
            "phase": phase,
            "done": done,
            "total": total,
            "percent": percent,
        }
        cache.set(job_key(key), state, JOB_SECONDS)

    last_phase = [""]
    try:
        exam_statistics_cached(
            user=user, exam=exam, version=version, attempts=attempts, progress=progress
        )
    except Exception:
        state = {"status": "failed", "phase": "", "done": 0, "total": 0, "percent": 0}
        cache.set(job_key(key), state, JOB_SECONDS)
        raise
    cache.delete(job_key(key))
