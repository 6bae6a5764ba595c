"""Plain data that `lrs.api` hands to other parts of the platform."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LaunchCredentials:
    """Short-lived LRS credentials for one learner's launch of one activity."""

    key: str
    secret: str
    expires_at: datetime
    registration: str
    activity_id: str

    @property
    def authorization(self) -> str:
        """The HTTP Authorization value content sends (cmi5's fetch URL answers this)."""
        token = base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
        return f"Basic {token}"
