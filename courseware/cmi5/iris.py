"""The activity ids the LMS gives a cmi5 course structure's AUs, blocks and course.

cmi5 asks the LMS for its own activity ids (the publisher's ids go in `grouping`); they are
stable across launches and registrations so that an AU keeps its State documents.
"""

from __future__ import annotations

from django.conf import settings


def _base() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def au_iri(activity) -> str:
    """The activityId of an AU (an Activity row of a cmi5 version)."""
    return f"{_base()}/courseware/cmi5/au/{activity.pk}"


def block_iri(activity) -> str:
    """The activity id of a block in the LMS's satisfied statements."""
    return f"{_base()}/courseware/cmi5/block/{activity.pk}"


def course_iri(organization) -> str:
    """The activity id of the course (the version's course structure)."""
    return f"{_base()}/courseware/cmi5/course/{organization.pk}"


def actor_home_page() -> str:
    """The account homePage of learners' actors: the platform."""
    return _base()
