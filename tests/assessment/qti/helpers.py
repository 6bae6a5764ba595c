"""Comparing item bodies with the defaults each type assumes made explicit."""

from __future__ import annotations

import copy

# Keys whose absence means this value (see assessment/questions/).
DEFAULTS = {
    "shuffle": False,
    "points": 1,
    "case_sensitive": False,
    "diacritic_sensitive": True,
    "tolerance": 0,
    "tolerance_type": "absolute",
    "fraction": 1,
    "units": [],
    "unit_required": False,
    "min_words": 0,
    "max_files": 1,
    "accepted_types": [],
    "mode": "met",
    "critical": False,
    "evidence_required": False,
    "factor": 1,
}
SCORING_DEFAULTS = {
    "multiple_choice": "partial",
    "matching": "partial",
    "ordering": "position",
}


def _drop_defaults(value):
    if isinstance(value, dict):
        return {
            key: _drop_defaults(item)
            for key, item in value.items()
            if not (key in DEFAULTS and item == DEFAULTS[key])
        }
    if isinstance(value, list):
        return [_drop_defaults(item) for item in value]
    return value


def normalised(question_type: str, body: dict) -> dict:
    """`body` without keys that only restate a default, so equal meaning compares equal."""
    body = copy.deepcopy(body)
    if "scoring" in body and body["scoring"] == SCORING_DEFAULTS.get(question_type):
        del body["scoring"]
    return _drop_defaults(body)
