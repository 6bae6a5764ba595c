"""The signed launch token: the only credential of content, launcher and runtime requests.

Content may run on another origin without the platform's cookies, so the token in the path
says who may do what: for a learner the attempt, the learner and the version; for an author
preview the version and the staff member, and no attempt (nothing is stored). It also
carries the platform origin the launch was made from (see `courseware.origins`). Signed with
the site's secret, salt "courseware.launch", valid 12 hours.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

SALT = "courseware.launch"
MAX_AGE_SECONDS = 12 * 60 * 60


class BadToken(Exception):
    """A token that is tampered with, expired or malformed."""


@dataclass(frozen=True)
class LaunchGrant:
    """What a valid token allows."""

    user_id: int
    version_id: int
    platform_origin: str
    attempt_id: str | None = None  # Attempt ids are UUIDs

    @property
    def is_preview(self) -> bool:
        """An author preview: content and runtime run, nothing is stored."""
        return self.attempt_id is None


def launch_token(*, user_id: int, version_id: int, platform_origin: str, attempt_id=None) -> str:
    """A fresh token for a learner's attempt (or, with no attempt, an author preview)."""
    payload = {"u": user_id, "v": version_id, "o": platform_origin}
    if attempt_id is not None:
        payload["a"] = str(attempt_id)
    return signing.dumps(payload, salt=SALT, compress=True)


def read_token(token: str, *, max_age: int = MAX_AGE_SECONDS) -> LaunchGrant:
    """The grant a token holds; BadToken when it is not one we signed in the last 12 hours."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature as exc:  # SignatureExpired is a BadSignature
        raise BadToken(str(exc)) from exc
    try:
        attempt = payload.get("a")
        return LaunchGrant(
            user_id=int(payload["u"]),
            version_id=int(payload["v"]),
            platform_origin=str(payload["o"]),
            attempt_id=None if attempt is None else str(attempt),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadToken("malformed payload") from exc
