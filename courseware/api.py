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


def launch_token(*, learner_id: int, version_id: int, platform_origin: str, attempt=None) -> str:
    """A signed launch for the player: a learner's attempt, or (no attempt) an author preview."""
    from .views.tokens import launch_token as make

    return make(
        user_id=learner_id,
        version_id=version_id,
        platform_origin=platform_origin,
        attempt_id=None if attempt is None else attempt.pk,
    )


def player_url(*, token: str, item: int | None = None, window: str = "", next_url: str = "") -> str:
    """The player's path for a launch token: one item first, a new window, where exit goes."""
    from .views.player import player_url as make

    return make(token=token, item=item, window=window, next_url=next_url)


def request_origin(request) -> str:
    """The platform origin of a request, as launch tokens record it."""
    from .origins import request_origin as origin

    return origin(request)


def package_version(*, package_id: int, number: int | None):
    """A package's ready version by number (None: the latest), or None."""
    from .models import PackageVersion

    versions = PackageVersion.objects.filter(
        package_id=package_id, status=PackageVersion.Status.READY
    )
    if number:
        return versions.filter(number=number).first()
    return versions.order_by("-number").first()


def activity_id_for(*, version, identifier: str) -> int | None:
    """The id of a launchable item of a version by its manifest identifier."""
    from .models import Activity

    return (
        Activity.objects.filter(version=version, identifier=identifier, is_launchable=True)
        .values_list("pk", flat=True)
        .first()
    )


def package_titles(package_ids) -> dict[int, str]:
    """Titles of packages by id, in one query (for lists of placed courseware)."""
    from .models import Package

    ids = [pk for pk in package_ids if isinstance(pk, int)]
    return dict(Package.objects.filter(pk__in=ids).values_list("pk", "title")) if ids else {}


# --- cmi5 (launch an AU of a course structure; the registration is the attempt) ------------


def is_cmi5(version) -> bool:
    """Whether a version is a cmi5 course structure (launched with `cmi5_launch`)."""
    return version.kind == "cmi5"


def cmi5_launch(
    *, learner, attempt, item: str, platform_origin: str, return_url: str, launch_mode="Normal"
) -> str:
    """Start a session of an AU (`item`: its publisher id; empty: the first) and return its
    launch URL with the cmi5 parameters. lms has decided access."""
    from .cmi5.services import au_of
    from .cmi5.services import cmi5_launch as launch

    _session, url = launch(
        learner=learner,
        attempt=attempt,
        activity=au_of(attempt=attempt, identifier=item),
        platform_origin=platform_origin,
        return_url=return_url,
        launch_mode=launch_mode,
    )
    return url
