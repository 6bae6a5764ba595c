"""Fixtures for the QTI tests: a bank of every question type in institution A."""

from __future__ import annotations

import copy

import pytest

from ..factories import BODIES, make_bank, make_item

# Bodies that exercise what QTI cannot say natively, beside the factories' defaults.
VARIANTS = {
    "single_choice": {**BODIES["single_choice"], "shuffle": True, "points": 2},
    "multiple_choice": {**BODIES["multiple_choice"], "scoring": "per_option"},
    "multiple_choice_all": {**BODIES["multiple_choice"], "scoring": "all_or_nothing"},
    "true_false": {"correct": False, "points": 0.5},
    "short_answer": {
        "accepted": [{"text": "Điện áp"}, {"text": "hiệu điện thế", "fraction": 0.5}],
        "case_sensitive": True,
        "diacritic_sensitive": False,
    },
    "numeric": {
        "answers": [
            {"value": 220, "tolerance": 0.05, "tolerance_type": "relative"},
            {"value": 230, "tolerance": 2, "fraction": 0.5},
        ],
        "units": [{"unit": "V", "factor": 1}, {"unit": "kV", "factor": 1000}],
        "unit_required": True,
        "points": 3,
    },
    "matching": {**BODIES["matching"], "scoring": "all_or_nothing"},
    "ordering": {**BODIES["ordering"], "scoring": "adjacent_pairs"},
    "ordering_default": BODIES["ordering"],
    "cloze": BODIES["cloze"],
    "essay": BODIES["essay"],
    "essay_points": {"points": 5, "min_words": 50},
    "file_upload": BODIES["file_upload"],
    "practical_checklist": BODIES["practical_checklist"],
}


def variant_type(name: str) -> str:
    return name.removesuffix("_all").removesuffix("_default").removesuffix("_points")


@pytest.fixture
def every_type(tenant_a):
    """One item per variant, with tags, outcome codes, difficulty and language set."""
    bank = make_bank(tenant_a.institution, actor=tenant_a.teacher, name="Điện dân dụng")
    versions = {}
    for number, (name, body) in enumerate(VARIANTS.items()):
        versions[name] = make_item(
            bank,
            variant_type(name),
            actor=tenant_a.teacher,
            body=copy.deepcopy(body),
            stem=f"<p>Câu {number}: <b>điện</b> áp &amp; dòng điện</p><ul><li>một</li></ul>",
            tags=["an toàn", f"t{number}"],
            outcome_codes=[f"KN-{number}"],
            difficulty=number % 5 + 1,
            language="en" if number % 2 else "vi",
        )
    return bank, versions
