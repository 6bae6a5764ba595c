"""The receiver of `lrs.api.cmi5_statement_stored`: courseware follows an AU's statements."""

from __future__ import annotations

from lrs import api as lrs

from .services import cmi5_statement_follow


def _on_statement(sender, *, payload, **kwargs) -> None:
    cmi5_statement_follow(payload=payload)


def connect_signals() -> None:
    """Called from CoursewareConfig.ready()."""
    lrs.cmi5_statement_stored.connect(_on_statement, dispatch_uid="courseware.cmi5_follow")
