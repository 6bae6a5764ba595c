"""Plain data that assessment hands to the parts above it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class AttemptGraded:
    """An attempt's marks are final and released: the payload of `signals.attempt_graded`.

    `passed` is None when the exam has no pass mark; `grade_policy` ("best" or "latest")
    says which of a learner's attempts counts in the gradebook.
    """

    attempt_id: int
    exam_id: int
    exam_version: int
    learner_id: int
    institution_id: int
    score: Decimal
    max_score: Decimal
    graded_at: datetime
    attempt_number: int = 1
    exam_title: str = ""
    passed: bool | None = None
    grade_policy: str = "best"
    released_at: datetime | None = None
