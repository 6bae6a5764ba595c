"""Plain data that `courseware.api` hands to other parts (and its signals carry)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field


@dataclass
class RuntimeState:
    """What a SCORM runtime starts a SCO session with (the GET of the runtime endpoint)."""

    standard: str  # "scorm12" | "scorm2004"
    cmi: dict  # nested, as scorm-again's loadFromJSON reads it
    seq: int  # the last accepted commit's sequence number
    entry: str  # "ab-initio", "resume" or ""
    attempt_id: str
    activity_id: int
    learner_id: str
    learner_name: str
    credit: str  # "credit" | "no-credit"
    mode: str  # "normal" | "browse" | "review"
    launch_data: str = ""
    mastery_score: float | None = None  # SCORM 1.2, 0–100
    scaled_passing_score: float | None = None  # SCORM 2004
    completion_threshold: float | None = None
    max_time_allowed: str = ""
    time_limit_seconds: float | None = None
    time_limit_action: str = ""
    session: int = 0  # number of this session of the activity


@dataclass
class CommitResult:
    """The server's answer to a commit."""

    ok: bool
    stale: bool
    seq: int
    completion_status: str
    success_status: str
    score_scaled: float | None
    total_time_seconds: float
    navigation: object = None  # courseware.sequencing.NavigationView for SCORM 2004, else None


@dataclass
class ActivityProgress:
    """One launchable activity of an attempt, for progress views."""

    activity_id: int
    identifier: str
    title: str
    completion_status: str
    success_status: str
    score_scaled: float | None
    score_raw: float | None
    total_time_seconds: float
    sessions: int
    attempts: int
    updated_at: datetime.datetime | None


@dataclass
class AttemptProgress:
    """An attempt as a whole and per activity."""

    attempt_id: str
    number: int
    status: str
    completion_status: str
    success_status: str
    score_scaled: float | None
    total_time_seconds: float
    activities: list[ActivityProgress] = field(default_factory=list)


@dataclass(frozen=True)
class AttemptOutcome:
    """Payload of `attempt_outcome_changed`: an attempt's outcome after one change."""

    attempt_id: uuid.UUID
    learner_id: int
    package_id: int
    version_id: int
    institution_id: int
    placement: str
    completion_status: str
    success_status: str
    score_scaled: float | None
    total_time_seconds: float
    changed_at: datetime.datetime
    sequence: int  # the attempt's outcome sequence: a larger one is newer
    attempt_number: int = 1
