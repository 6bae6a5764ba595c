"""Events courseware sends upward (calls go down, events go up)."""

from __future__ import annotations

import django.dispatch

# Sent on transaction commit, once per change of an attempt's completion, success or score,
# with `outcome=courseware.data.AttemptOutcome`. Receivers must be idempotent: an outcome can
# arrive late, after a newer one of the same attempt.
attempt_outcome_changed = django.dispatch.Signal()
