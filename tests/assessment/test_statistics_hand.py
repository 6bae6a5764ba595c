"""Item statistics checked against figures computed by hand (issue 5's acceptance).

Six learners A–F (attempts prepared in that order) sit four single-choice items of one
mark each (options a, b, c; a is right). What they chose ("–" no answer) and the marks:

    learner  Q1 Q2 Q3 Q4 | marks    total X
    A        a  a  a  a  | 1 1 1 1  4
    B        a  a  a  b  | 1 1 1 0  3
    C        a  a  b  a  | 1 1 0 1  3
    D        a  c  a  b  | 1 0 1 0  2
    E        a  –  c  –  | 1 0 0 0  1
    F        b  a  b  c  | 0 1 0 0  1

Test: ΣX = 14, mean X̄ = 7/3, median (3 + 2)/2 = 2.5.
Deviations X − X̄ = 5/3, 2/3, 2/3, −1/3, −4/3, −4/3, so (n = 6)
m2 = Σd²/n = (66/9)/6 = 11/9, m3 = Σd³/n = (4/9)/6 = 2/27, m4 = Σd⁴/n = (130/9)/6 = 65/27.
k2 = n m2/(n−1) = 22/15 (the sample variance), SD = √(22/15) = 1.211060.
k3 = n² m3/((n−1)(n−2)) = 36·(2/27)/20 = 2/15; skewness = k3/k2^1.5 = 0.0750657.
k4 = n²((n+1) m4 − 3(n−1) m2²)/((n−1)(n−2)(n−3)) = 36(455/27 − 605/27)/60 = −10/3;
kurtosis = k4/k2² = −375/242 = −1.549587.

Per item i, x = marks, r = X − x (the rest of the test); S.. are sums of products of
deviations from the mean; Smax pairs x and r each sorted ascending:

    item  x            r            Σx  Sxx  Srr   Sxr  SxX  Smax  r sorted
    Q1    1 1 1 1 1 0  3 2 2 1 0 1  5   5/6  11/2  1/2  4/3  3/2   0 1 1 2 2 3
    Q2    1 1 1 0 0 1  3 2 2 2 1 0  4   4/3  16/3  1/3  5/3  7/3   0 1 2 2 2 3
    Q3    1 1 0 1 0 0  3 2 3 1 1 1  3   3/2  29/6  1/2  2    5/2   1 1 1 2 3 3
    Q4    1 0 1 0 0 0  3 3 2 2 1 1  2   4/3  4     1    7/3  2     1 1 2 2 3 3

facility = 100 x̄/1; SD = 100 √(Sxx/5); discrimination index = 100 Sxr/√(Sxx Srr);
efficiency = 100 Sxr/Smax; point-biserial = SxX/√(Sxx·SX X) with SXX = 22/3;
effective weight = 100 √(SxX/5)/Σ√(SxX/5) (the /5 cancels: √SxX / Σ√SxX).

    item  facility  SD        DI                         efficiency  point-biserial
    Q1    83.3333   40.8248   100(1/2)/√(55/12)=23.3550  33.3333     (4/3)/√(55/9)=0.539360
    Q2    66.6667   51.6398   100(1/3)/√(64/9) =12.5000  14.2857     (5/3)/√(88/9)=0.533002
    Q3    50.0000   54.7723   100(1/2)/√(29/4) =18.5695  20.0000     2/√11        =0.603023
    Q4    33.3333   51.6398   100·1/√(16/3)   =43.3013   50.0000     (7/3)/√(88/9)=0.746203

Effective weights: √(4/3)=1.154701, √(5/3)=1.290994, √2=1.414214, √(7/3)=1.527525,
sum 5.387434 → 21.4332, 23.9631, 26.2502, 28.3535 %. Intended weight 25 % each.

Upper and lower 27 %: round(0.27·6) = 2 each; ranked by total (ties: earlier attempt
first) A B C D E F, so upper {A, B}, lower {E, F}, middle {C, D}.
D27 = mean in upper − mean in lower: Q1 1 − 1/2 = 0.5, Q2 1 − 1/2 = 0.5, Q3 1 − 0 = 1,
Q4 1/2 − 0 = 0.5.

Reliability: item variances Sxx/5 = 1/6, 4/15, 3/10, 4/15, sum 1; α = 4/3 (1 − 1/(22/15))
= 4/3 · 7/22 = 14/33 = 0.424242. KR-20 with p = 5/6, 2/3, 1/2, 1/3: Σpq = 5/36 + 2/9 +
1/4 + 2/9 = 5/6, population variance m2 = 11/9: 4/3 (1 − (5/6)/(11/9)) = 14/33 (KR-20
equals α on right/wrong items). Error ratio = 100 √(1 − 14/33) = 100 √(19/33) = 75.8787 %;
SEM = SD √(19/33) = 0.918937.

Dubious: Q2 (DI 12.5 < 20, efficiency 14.3 < 30), Q3 (DI 18.6 < 20, efficiency 20 < 30);
Q1 and Q4 are not. Random-guess score: 1 of 3 options = 33.3333 %.

Option counts (total / upper / middle / lower):
    Q1 a 5/2/2/1, b 1/0/0/1, c 0;         no answer 0
    Q2 a 4/2/1/1, b 0, c 1/0/1/0;          no answer 1/0/0/1
    Q3 a 3/2/1/0, b 2/0/1/1, c 1/0/0/1;    no answer 0
    Q4 a 2/1/1/0, b 2/1/1/0, c 1/0/0/1;    no answer 1/0/0/1
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from django.utils import translation

from assessment import statistics
from tests import factories as site_factories

from . import factories
from .stats_helpers import sit

CHOICES = {
    "A": "aaaa",
    "B": "aaab",
    "C": "aaba",
    "D": "acab",
    "E": "a-c-",
    "F": "babc",
}
HAND_MARKS = [[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 1], [1, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]


def approx(value):
    return pytest.approx(value, abs=5e-5)


@pytest.fixture(autouse=True)
def english():
    """The notes and flags are checked in English (the interface language is Vietnamese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def hand_exam(tenant_a):
    bank = factories.make_bank(tenant_a.institution, actor=tenant_a.teacher)
    items = [
        factories.make_item(bank, "single_choice", actor=tenant_a.teacher, stem=f"<p>Câu {i}</p>")
        for i in range(1, 5)
    ]
    exam = factories.make_exam(tenant_a.institution, actor=tenant_a.teacher, items=items)
    for name, choices in CHOICES.items():
        learner = site_factories.make_learner(tenant_a.institution, f"hand-{name.lower()}")
        answers = {
            item.pk: choice for item, choice in zip(items, choices, strict=True) if choice != "-"
        }
        sit(tenant_a.teacher, exam, learner, answers)
    return exam, items


@pytest.fixture
def hand(tenant_a, hand_exam):
    exam, _items = hand_exam
    return statistics.exam_statistics_for(user=tenant_a.teacher, exam=exam)


def test_the_matrix_holds_the_marks_of_the_hand_table(hand, hand_exam):
    _exam, items = hand_exam
    assert [item.item_version_id for item in hand.matrix.items] == [i.pk for i in items]
    np.testing.assert_array_equal(hand.matrix.scores, np.array(HAND_MARKS, dtype=float))
    assert len({learner.pseudonym for learner in hand.matrix.learners}) == 6


def test_test_summary_matches_the_hand_figures(hand):
    test = hand.test
    assert (test.n_attempts, test.n_items, test.awaiting_marking) == (6, 4, 0)
    assert test.complete
    assert test.mean == approx(7 / 3)
    assert test.median == approx(2.5)
    assert test.sd == approx(math.sqrt(22 / 15))
    assert test.sd == approx(1.211060)
    assert test.skewness == approx(0.0750657)
    assert test.kurtosis == approx(-375 / 242)
    assert test.alpha == approx(14 / 33)
    assert test.kr20 == approx(14 / 33)
    assert test.error_ratio == approx(75.8787)
    assert test.sem == approx(0.918937)
    assert test.max_score == approx(4)
    # Totals 4 3 3 2 1 1 of 4 marks: 100 %, 75 %, 75 %, 50 %, 25 %, 25 %.
    assert test.histogram == [0, 0, 2, 0, 0, 1, 0, 2, 0, 1]


HAND_ITEMS = {
    # facility, SD, DI, efficiency, point-biserial, effective weight, D27
    1: (83.3333, 40.8248, 23.3550, 33.3333, 0.539360, 21.4332, 0.5),
    2: (66.6667, 51.6398, 12.5000, 14.2857, 0.533002, 23.9631, 0.5),
    3: (50.0000, 54.7723, 18.5695, 20.0000, 0.603023, 26.2502, 1.0),
    4: (33.3333, 51.6398, 43.3013, 50.0000, 0.746203, 28.3535, 0.5),
}


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_item_figures_match_the_hand_figures(hand, number):
    item = hand.items[number - 1]
    facility, sd, di, efficiency, pb, weight, d27 = HAND_ITEMS[number]
    assert item.n == 6
    assert item.facility == approx(facility)
    assert item.sd == approx(sd)
    assert item.discrimination_index == approx(di)
    assert item.discriminative_efficiency == approx(efficiency)
    assert item.point_biserial == approx(pb)
    assert item.effective_weight == approx(weight)
    assert item.intended_weight == approx(25)
    assert item.discrimination_27 == approx(d27)
    assert item.random_guess == approx(100 / 3)
    assert item.dichotomous


def test_dubious_items_are_the_hand_ones_with_their_reasons(hand):
    assert [item.dubious for item in hand.items] == [False, True, True, False]
    for item in hand.items[1:3]:
        assert any("0.2" in flag for flag in item.flags)
        assert any("30 %" in flag for flag in item.flags)


def test_option_distribution_per_score_group_matches_the_hand_counts(hand):
    def counts(item):
        return {o.option_id: (o.total, o.upper, o.middle, o.lower) for o in item.options}

    q1, q2, q3, q4 = hand.items
    assert counts(q1) == {"a": (5, 2, 2, 1), "b": (1, 0, 0, 1), "c": (0, 0, 0, 0)}
    assert q1.no_answer == (0, 0, 0, 0)
    assert counts(q2) == {"a": (4, 2, 1, 1), "b": (0, 0, 0, 0), "c": (1, 0, 1, 0)}
    assert q2.no_answer == (1, 0, 0, 1)
    assert counts(q3) == {"a": (3, 2, 1, 0), "b": (2, 0, 1, 1), "c": (1, 0, 0, 1)}
    assert counts(q4) == {"a": (2, 1, 1, 0), "b": (2, 1, 1, 0), "c": (1, 0, 0, 1)}
    assert q4.no_answer == (1, 0, 0, 1)
    assert [o.correct for o in q1.options] == [True, False, False]
