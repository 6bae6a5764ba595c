"""What other parts of the platform may call in `courseware` (lms launches and reads progress)."""

from .data import ActivityProgress, AttemptOutcome, AttemptProgress, CommitResult, RuntimeState
from .runtime.cmi import CmiError
from .runtime.services import (
    attempt_close,
    attempt_open,
    attempt_progress,
    navigate,
    navigation,
    runtime_commit,
    runtime_load,
)

__all__ = [
    "ActivityProgress",
    "AttemptOutcome",
    "AttemptProgress",
    "CmiError",
    "CommitResult",
    "RuntimeState",
    "attempt_close",
    "attempt_open",
    "attempt_progress",
    "navigate",
    "navigation",
    "runtime_commit",
    "runtime_load",
]

# --- Delivery (player, launch tokens, content files): appended below by its engineer ---------
