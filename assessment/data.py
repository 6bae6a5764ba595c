"""Plain data that assessment hands to the parts above it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class AttemptGraded:
    """An attempt has its final marks: the payload of `signals.attempt_graded`."""

    attempt_id: int
    exam_id: int
    exam_version: int
    learner_id: int
    institution_id: int
    score: Decimal
    max_score: Decimal
    graded_at: datetime
