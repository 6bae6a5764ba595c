"""The rules cmi5 puts on what an AU writes with its launch credentials (cmi5 §9, §10).

They apply to launch credentials whose learner, registration and activity have an
`LMS.LaunchData` state document: the LMS wrote it before the launch, so its absence means
the launch is not a cmi5 one (plain xAPI content keeps the ordinary launch bounds only).
Each launch (cmi5 session) gets its own credentials, so the statements the credentials
stored so far are the session's history; completed/passed/failed are checked over the whole
registration. A refusal is a `Cmi5Forbidden`, answered with 403 like the other launch bounds.

After a batch is stored, `cmi5_statement_stored` is sent on commit once per cmi5 defined
statement, so that courseware (which keeps sessions and moveOn) can follow the AU.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

import django.dispatch
from django.db import transaction

from . import validation
from .models import Document, LRSClient, Statement
from .services import DocumentAddress, LaunchBoundsError, document_save, platform_authority

LAUNCH_DATA = "LMS.LaunchData"
CATEGORY_CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
CATEGORY_MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon"
EXT_SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
EXT_MASTERY = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
EXT_LAUNCH_MODE = "https://w3id.org/xapi/cmi5/context/extensions/launchmode"
EXT_LAUNCH_URL = "https://w3id.org/xapi/cmi5/context/extensions/launchurl"
EXT_MOVE_ON = "https://w3id.org/xapi/cmi5/context/extensions/moveon"
EXT_LAUNCH_PARAMETERS = "https://w3id.org/xapi/cmi5/context/extensions/launchparameters"
EXT_REASON = "https://w3id.org/xapi/cmi5/result/extensions/reason"

ADL = "http://adlnet.gov/expapi/verbs/"
W3ID = "https://w3id.org/xapi/adl/verbs/"
LAUNCHED = ADL + "launched"
INITIALIZED = ADL + "initialized"
COMPLETED = ADL + "completed"
PASSED = ADL + "passed"
FAILED = ADL + "failed"
TERMINATED = ADL + "terminated"
ABANDONED = W3ID + "abandoned"
WAIVED = W3ID + "waived"
SATISFIED = W3ID + "satisfied"
# What the AU itself may say as a cmi5 defined statement, and what only the LMS says.
AU_VERBS = {INITIALIZED, COMPLETED, PASSED, FAILED, TERMINATED}
LMS_VERBS = {LAUNCHED, ABANDONED, WAIVED, SATISFIED}
OUTCOME_VERBS = {COMPLETED, PASSED, FAILED}


class Cmi5Forbidden(LaunchBoundsError):
    """An AU statement cmi5 forbids (answered with 403 Forbidden)."""


@dataclass(frozen=True)
class Cmi5StatementStored:
    """Payload of `cmi5_statement_stored`: one cmi5 defined statement an AU made."""

    institution_id: int
    registration: uuid.UUID
    activity_id: str
    session_id: str
    verb: str
    statement_id: uuid.UUID
    success: bool | None
    completion: bool | None
    score_scaled: float | None
    duration: str = ""  # result.duration as sent (terminated: the session's time)


# Sent on commit once per stored cmi5 defined statement of an AU; the receiver (courseware)
# must be idempotent (a statement id arrives once, but a receiver may run late).
cmi5_statement_stored = django.dispatch.Signal()


def _address(*, activity_id: str, agent_key: str, registration) -> DocumentAddress:
    return DocumentAddress(
        kind="state",
        activity_id=activity_id,
        agent_key=agent_key,
        registration=str(registration).lower(),
    )


def launch_data_save(
    *, institution, activity_id: str, actor: dict, registration: uuid.UUID, data: dict
) -> None:
    """Write (replace) LMS.LaunchData for a learner's AU in a registration (the LMS's own)."""
    validation.agent(actor, "actor")
    document_save(
        institution=institution,
        address=_address(
            activity_id=activity_id,
            agent_key=validation.agent_key(actor),
            registration=registration,
        ),
        document_id=LAUNCH_DATA,
        content=json.dumps(data, ensure_ascii=False).encode("utf-8"),
        content_type="application/json",
        replace_needs_precondition=False,
    )


def launch_data_for(client: LRSClient) -> dict | None:
    """The LaunchData of a launch client's learner, registration and activity, or None."""
    if client.registration is None or not client.activity_id:
        return None
    address = _address(
        activity_id=client.activity_id,
        agent_key=client.agent_key,
        registration=client.registration,
    )
    document = Document.objects.filter(
        institution_id=client.institution_id, scope=address.scope, document_id=LAUNCH_DATA
    ).first()
    if document is None:
        return None
    try:
        value = json.loads(bytes(document.content))
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _categories(statement: dict) -> set[str]:
    found = statement.get("context", {}).get("contextActivities", {}).get("category", [])
    if isinstance(found, dict):
        found = [found]
    return {item.get("id") for item in found if isinstance(item, dict)}


def _session_of(statement: dict):
    return statement.get("context", {}).get("extensions", {}).get(EXT_SESSION)


@dataclass
class _History:
    """What the session and registration have said so far (updated through a batch)."""

    initialized: bool
    terminated: bool
    completed: bool
    passed: bool
    failed: bool
    preferences_read: bool
    session_judged: bool = False  # passed or failed already in this session


def _history(client: LRSClient) -> _History:
    session_verbs = set(
        Statement.objects.filter(
            client=client, verb_id__in=[INITIALIZED, TERMINATED, PASSED, FAILED]
        ).values_list("verb_id", flat=True)
    )
    outcome_verbs = set(
        Statement.objects.filter(
            institution_id=client.institution_id,
            registration=client.registration,
            activity_id=client.activity_id,
            actor_key=client.agent_key,
            verb_id__in=list(OUTCOME_VERBS),
            voided=False,
        ).values_list("verb_id", flat=True)
    )
    return _History(
        initialized=INITIALIZED in session_verbs,
        terminated=TERMINATED in session_verbs,
        completed=COMPLETED in outcome_verbs,
        passed=PASSED in outcome_verbs,
        failed=FAILED in outcome_verbs,
        preferences_read=_preferences_marker(client).exists(),
        session_judged=bool(session_verbs & {PASSED, FAILED}),
    )


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _scaled(statement: dict) -> Decimal | None:
    score = statement.get("result", {}).get("score", {})
    value = score.get("scaled") if isinstance(score, dict) else None
    return None if value is None else Decimal(str(value))


def _refuse(index: int, message: str) -> Cmi5Forbidden:
    return Cmi5Forbidden(f"statements[{index}]: {message} (cmi5)")


def _is_utc(timestamp) -> bool:
    return isinstance(timestamp, str) and timestamp.upper().endswith(("Z", "+00:00"))


def _check_common(index: int, statement: dict, launch: dict, seen: _History) -> None:
    """What every statement of an AU needs (cmi5 §9.1, §9.6.3.1, §9.7)."""
    session = launch.get("contextTemplate", {}).get("extensions", {}).get(EXT_SESSION)
    if seen.terminated:
        raise _refuse(index, "the session has terminated; no statement may follow")
    if "id" not in statement:
        raise _refuse(index, "an AU gives each statement its id")
    if not _is_utc(statement.get("timestamp")):
        raise _refuse(index, "an AU gives each statement a timestamp in UTC")
    if _session_of(statement) != session:
        raise _refuse(index, f"context.extensions must carry the session id {session}")
    if statement["verb"]["id"] == validation.VOIDED_VERB:
        raise _refuse(index, "an AU does not void statements")


def _check_result(index: int, verb: str, result: dict, launch: dict, statement: dict) -> None:
    """result.success/completion/score/duration as cmi5 §9.5 allows them per verb."""
    if verb in OUTCOME_VERBS | {TERMINATED} and "duration" not in result:
        raise _refuse(index, "completed, passed, failed and terminated need result.duration")
    if verb != COMPLETED and "completion" in result:
        raise _refuse(index, "only completed carries result.completion")
    if verb not in (PASSED, FAILED) and "success" in result:
        raise _refuse(index, "only passed and failed carry result.success")
    score = result.get("score")
    if verb == COMPLETED and score is not None:
        raise _refuse(index, "completed carries no score")
    if isinstance(score, dict) and "raw" in score and ("min" not in score or "max" not in score):
        raise _refuse(index, "a raw score needs min and max")
    mastery = launch.get("masteryScore")
    if verb in (PASSED, FAILED) and mastery is not None:
        # Judged against the masteryScore, a scaled score says which one it was judged against.
        declared = statement.get("context", {}).get("extensions", {}).get(EXT_MASTERY)
        scored = isinstance(score, dict) and "scaled" in score
        if (scored and declared is None) or (
            declared is not None and _decimal(declared) != _decimal(mastery)
        ):
            raise _refuse(index, f"passed and failed with a score carry the masteryScore {mastery}")


def _check_one(index: int, statement: dict, launch: dict, seen: _History, au: str) -> None:
    verb = statement["verb"]["id"]
    mode = launch.get("launchMode", "Normal")
    _check_common(index, statement, launch, seen)
    categories = _categories(statement)
    if verb in LMS_VERBS:
        raise _refuse(index, f"only the LMS issues {verb}")
    if verb not in OUTCOME_VERBS and CATEGORY_MOVEON in categories:
        raise _refuse(index, "only completed, passed and failed carry the moveon category")
    if verb not in AU_VERBS:
        # A cmi5 allowed statement: after initialized, before terminated, without the category.
        if CATEGORY_CMI5 in categories:
            raise _refuse(index, "a cmi5 allowed statement must not carry the cmi5 category")
        if not seen.initialized:
            raise _refuse(index, "the first statement of a session must be initialized")
        return
    if CATEGORY_CMI5 not in categories:
        raise _refuse(index, "a cmi5 defined statement needs the cmi5 category")
    obj = statement["object"]
    if obj.get("objectType", "Activity") != "Activity" or obj.get("id") != au:
        raise _refuse(index, "a cmi5 defined statement's object is the AU's activityId")
    result = statement.get("result", {})
    _check_result(index, verb, result, launch, statement)
    if verb == INITIALIZED:
        if seen.initialized:
            raise _refuse(index, "initialized is sent once per session")
        if not seen.preferences_read:
            raise _refuse(index, "an AU reads the learner preferences before initialized")
        seen.initialized = True
        return
    if not seen.initialized:
        raise _refuse(index, "the first statement of a session must be initialized")
    if verb == TERMINATED:
        seen.terminated = True
        return
    if mode != "Normal":
        raise _refuse(index, f"no completed, passed or failed in launchMode {mode}")
    if CATEGORY_MOVEON not in categories:
        raise _refuse(index, "completed, passed and failed need the moveon category")
    mastery = launch.get("masteryScore")
    scaled = _scaled(statement)
    if verb == COMPLETED:
        if seen.completed:
            raise _refuse(index, "completed is sent once per registration")
        if result.get("completion") is not True:
            raise _refuse(index, "completed needs result.completion true")
        seen.completed = True
        return
    if seen.passed:
        raise _refuse(index, "after passed, neither passed nor failed may follow")
    if seen.session_judged:
        raise _refuse(index, "one passed or failed per session")
    seen.session_judged = True
    if verb == PASSED:
        if result.get("success") is not True:
            raise _refuse(index, "passed needs result.success true")
        if mastery is not None and scaled is not None and scaled < _decimal(mastery):
            raise _refuse(index, "passed with a scaled score below the masteryScore")
        seen.passed = True
        return
    # failed
    if result.get("success") is not False:
        raise _refuse(index, "failed needs result.success false")
    if mastery is not None and scaled is not None and scaled >= _decimal(mastery):
        raise _refuse(index, "failed with a scaled score at or above the masteryScore")
    seen.failed = True


def statements_check(statements: list[dict], client: LRSClient | None) -> dict | None:
    """Refuse (Cmi5Forbidden) a batch of an AU's statements that breaks a cmi5 rule.

    Returns the LaunchData the batch was checked against (None: not a cmi5 launch).
    The statements have been validated and checked against the launch bounds already.
    """
    if client is None or client.registration is None:
        return None
    launch = launch_data_for(client)
    if launch is None:
        return None
    seen = _history(client)
    for index, statement in enumerate(statements):
        _check_one(index, statement, launch, seen, client.activity_id)
    return launch


def statements_stored(statements: list[dict], ids, client: LRSClient | None, launch) -> None:
    """Tell courseware, on commit, about the cmi5 defined statements just stored (`ids`)."""
    if launch is None or client is None:
        return
    payloads = []
    for statement, statement_id in zip(statements, ids, strict=True):
        verb = statement["verb"]["id"]
        if verb not in AU_VERBS:
            continue
        result = statement.get("result", {})
        scaled = _scaled(statement)
        payloads.append(
            Cmi5StatementStored(
                institution_id=client.institution_id,
                registration=client.registration,
                activity_id=client.activity_id,
                session_id=str(_session_of(statement)),
                verb=verb,
                statement_id=statement_id,
                success=result.get("success"),
                completion=result.get("completion"),
                score_scaled=None if scaled is None else float(scaled),
                duration=str(result.get("duration") or ""),
            )
        )
    for payload in payloads:
        transaction.on_commit(
            lambda p=payload: cmi5_statement_stored.send(sender=LRSClient, payload=p),
            robust=False,
        )


def learner_preferences_access(client: LRSClient, kind: str) -> bool:
    """Whether a request is launch credentials at their learner's agent profile (the
    cmi5LearnerPreferences, cmi5 §11): they may read it (the caller checks the agent), and
    are answered 403 for any write."""
    return client.registration is not None and kind == Document.Kind.AGENT_PROFILE


def _preferences_address(client: LRSClient) -> DocumentAddress:
    # No agent: no xAPI request can name this address, only the LRS itself.
    return DocumentAddress(kind="state", activity_id=f"urn:taynghe:cmi5:preferences:{client.pk}")


def _preferences_marker(client: LRSClient):
    return Document.objects.filter(
        institution_id=client.institution_id,
        scope=_preferences_address(client).scope,
        document_id="read",
    )


def learner_preferences_read(client: LRSClient) -> None:
    """Note that launch credentials read the learner preferences (initialized may follow)."""
    if client.registration is None or _preferences_marker(client).exists():
        return
    document_save(
        institution=client.institution,
        address=_preferences_address(client),
        document_id="read",
        content=b"1",
        content_type="text/plain",
        replace_needs_precondition=False,
    )


def launch_data_write(client: LRSClient, kind: str, document_id: str | None, method: str) -> bool:
    """Whether launch credentials try to change or delete LMS.LaunchData (refused, §10.2.1)."""
    return (
        client.registration is not None
        and kind == Document.Kind.STATE
        and method not in ("GET", "HEAD")
        and document_id in (LAUNCH_DATA, None)
        and launch_data_for(client) is not None
    )


def session_credentials_end(*, registration: uuid.UUID, activity_id: str, agent_key: str) -> int:
    """Stop every launch credential of a learner's AU in a registration (a session ended)."""
    return LRSClient.objects.filter(
        registration=registration, activity_id=activity_id, agent_key=agent_key, active=True
    ).update(active=False)


__all__ = [
    "Cmi5Forbidden",
    "Cmi5StatementStored",
    "cmi5_statement_stored",
    "launch_data_save",
    "platform_authority",
    "session_credentials_end",
    "statements_check",
    "statements_stored",
]
