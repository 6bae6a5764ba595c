"""Signals assessment sends upward, always after commit, with a plain dataclass payload.

`attempt_graded(sender=Attempt, result=AttemptGraded)`: an attempt's marks are final
(objective exams at submission). The receiver (the lms gradebook) must be idempotent:
the same attempt may be announced again after a regrade.
"""

from django.dispatch import Signal

attempt_graded = Signal()
