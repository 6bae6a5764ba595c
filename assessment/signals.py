"""Signals assessment sends upward, always after commit, with a plain dataclass payload.

`attempt_graded(sender=Attempt, result=AttemptGraded)`: an attempt's marks are final
**and released** to the learner. It is sent when results are released (by an examiner,
per exam or per attempt, or automatically at submission / at the last mark when the
exam's marking settings say so), and sent again for a released attempt whose marks
change afterwards (a regrade after a key correction, a late moderation). An attempt
whose results are not released is never announced. The receiver (the lms gradebook)
must be idempotent: the same attempt may be announced any number of times.
"""

from django.dispatch import Signal

attempt_graded = Signal()
