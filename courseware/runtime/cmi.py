"""The SCORM 1.2 and SCORM 2004 (4th edition) run-time data models, checked on the server.

A commit arrives as the nested JSON scorm-again renders (`{"cmi": {"core": {...},
"interactions": {"0": {...}}}}`); `flatten` turns it into dotted elements
("cmi.interactions.0.id") and `validate_commit` checks every one of them against the
standard's type, vocabulary, range and access, raising `CmiError` with the standard's error
code. The server never trusts what the browser checked.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

SCORM12 = "scorm12"
SCORM2004 = "scorm2004"

# SCORM 1.2 allows 4096 characters of suspend_data; real content stores more and every major
# LMS keeps it, so the server accepts (and restores whole) as much as SCORM 2004 allows.
SUSPEND_DATA_MAX = 64000
# Elements in one commit: far above what content sets (every interaction of a long test).
MAX_ELEMENTS = 20000

# Error codes, as each standard numbers them.
E12_INVALID_ARGUMENT = 201
E12_NOT_IMPLEMENTED = 401
E12_KEYWORD = 402
E12_READ_ONLY = 403
E12_WRITE_ONLY = 404
E12_TYPE = 405

E04_GENERAL_SET = 351
E04_UNDEFINED = 401
E04_NOT_IMPLEMENTED = 402
E04_KEYWORD = 404  # 2004 reports a keyword set as read-only
E04_READ_ONLY = 404
E04_WRITE_ONLY = 405
E04_TYPE = 406
E04_RANGE = 407
E04_DEPENDENCY = 408


class CmiError(Exception):
    """A value the data model refuses: the standard's error code, the element and why."""

    def __init__(self, code: int, element: str, message: str):
        super().__init__(f"{code} {element}: {message}")
        self.code = code
        self.element = element
        self.message = message


# --- value types ---------------------------------------------------------------------------

_DECIMAL = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
_REAL = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_INTEGER = re.compile(r"^-?\d+$")
_TIMESPAN_12 = re.compile(r"^(\d{2,4}):([0-5]\d):([0-5]\d)(\.\d{1,2})?$")
_TIME_12 = re.compile(r"^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{1,2})?$")
# SCORM 1.2 says no white space, but scorm-again (the runtime the SCO talked to) accepts it;
# refusing on the server what the runtime accepted would lose the whole commit.
_IDENTIFIER_12 = re.compile(r"^[\x20-\x7e]{1,255}$")
_DURATION = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?"
    r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,2})?)S)?)?$"
)
_TIMESTAMP = re.compile(
    r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])"
    r"(T([01]\d|2[0-3])(:[0-5]\d(:[0-5]\d(\.\d{1,2})?)?)?"
    r"(Z|[+-]([01]\d|2[0-3])(:?[0-5]\d)?)?)?)?)?$"
)
_LONG_IDENTIFIER = re.compile(r"^\S{1,4000}$")
_LANGUAGE = re.compile(r"^(|[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*)$")
_LOCALIZED = re.compile(r"^\{lang=([^}]*)\}")


def duration_seconds(value: str) -> float:
    """Seconds of a SCORM 2004 timeinterval (ISO 8601 duration); ValueError if malformed."""
    match = _DURATION.match(value)
    if not match or value in ("P", "") or value.endswith("T"):
        raise ValueError(value)
    years, months, days, hours, minutes, seconds = (float(part or 0) for part in match.groups())
    return (
        years * 365 * 86400
        + months * 30 * 86400
        + days * 86400
        + hours * 3600
        + minutes * 60
        + seconds
    )


def timespan_seconds(value: str) -> float:
    """Seconds of a SCORM 1.2 CMITimespan (HHHH:MM:SS.SS); ValueError if malformed."""
    match = _TIMESPAN_12.match(value)
    if not match:
        raise ValueError(value)
    hours, minutes, seconds, fraction = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds) + float(fraction or 0)


def seconds_as_timespan(seconds: float) -> str:
    """CMITimespan for SCORM 1.2 total time: HHHH:MM:SS.SS."""
    centis = round(seconds * 100)
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    secs, centis = divmod(rest, 100)
    return f"{min(hours, 9999):04d}:{minutes:02d}:{secs:02d}.{centis:02d}"


def seconds_as_duration(seconds: float) -> str:
    """ISO 8601 duration for SCORM 2004 total time and xAPI results: PT1H2M3.45S."""
    centis = round(seconds * 100)
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    secs = rest / 100
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    return text + f"{secs:g}S"


def _real(value: str) -> float | None:
    if not _REAL.match(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


# A type checker returns None when the value is good, or the kind of fault: "type" or "range".
def _string(limit: int):
    return lambda value: None if len(value) <= limit else "type"


def _localized(limit: int):
    def check(value: str):
        match = _LOCALIZED.match(value)
        if match and not _LANGUAGE.match(match.group(1)):
            return "type"
        body = value[match.end() :] if match else value
        return None if len(body) <= limit else "type"

    return check


def _vocabulary(*words: str):
    allowed = set(words)
    return lambda value: None if value in allowed else "type"


def _decimal_12(low: float | None = None, high: float | None = None, blank: bool = False):
    def check(value: str):
        if blank and value == "":
            return None
        if not _DECIMAL.match(value):
            return "type"
        number = float(value)
        if (low is not None and number < low) or (high is not None and number > high):
            return "type"  # SCORM 1.2 has no range error: out of range is 405 too
        return None

    return check


def _integer_12(low: int, high: int):
    def check(value: str):
        if not _INTEGER.match(value) or not low <= int(value) <= high:
            return "type"
        return None

    return check


def _real_2004(low: float | None = None, high: float | None = None):
    def check(value: str):
        number = _real(value)
        if number is None:
            return "type"
        if (low is not None and number < low) or (high is not None and number > high):
            return "range"
        return None

    return check


def _regex(pattern: re.Pattern):
    return lambda value: None if pattern.match(value) else "type"


def _identifier_12(value: str):
    return None if _IDENTIFIER_12.match(value) else "type"


def _duration(value: str):
    try:
        duration_seconds(value)
    except ValueError:
        return "type"
    return None


def _timespan(value: str):
    try:
        timespan_seconds(value)
    except ValueError:
        return "type"
    return None


def _result_12(value: str):
    if value in {"correct", "wrong", "unanticipated", "neutral"} or _DECIMAL.match(value):
        return None
    return "type"


def _result_2004(value: str):
    if value in {"correct", "incorrect", "unanticipated", "neutral"} or _real(value) is not None:
        return None
    return "type"


# --- the two data models ---------------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    """One element of a data model: who may read/write it and how its value is checked."""

    access: str  # "rw", "ro", "wo"
    check: object = None  # callable(value) -> None | "type" | "range"; None: any string


STATUS_12 = ("passed", "completed", "failed", "incomplete", "browsed", "not attempted")
INTERACTION_TYPES_12 = (
    "true-false",
    "choice",
    "fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
)
INTERACTION_TYPES_2004 = (*INTERACTION_TYPES_12, "long-fill-in", "other")
COMPLETION_2004 = ("completed", "incomplete", "not attempted", "unknown")
SUCCESS_2004 = ("passed", "failed", "unknown")

_SCORE_12 = _decimal_12(0, 100, blank=True)

SCORM12_ELEMENTS: dict[str, Element] = {
    "cmi.core.student_id": Element("ro"),
    "cmi.core.student_name": Element("ro"),
    "cmi.core.lesson_location": Element("rw", _string(255)),
    "cmi.core.credit": Element("ro"),
    # "not attempted" is the LMS's initial value: a runtime sends it back when the SCO set none.
    "cmi.core.lesson_status": Element("rw", _vocabulary(*STATUS_12)),
    "cmi.core.entry": Element("ro"),
    "cmi.core.score.raw": Element("rw", _SCORE_12),
    "cmi.core.score.min": Element("rw", _SCORE_12),
    "cmi.core.score.max": Element("rw", _SCORE_12),
    "cmi.core.total_time": Element("ro"),
    "cmi.core.lesson_mode": Element("ro"),
    "cmi.core.exit": Element("wo", _vocabulary("time-out", "suspend", "logout", "")),
    "cmi.core.session_time": Element("wo", _timespan),
    "cmi.suspend_data": Element("rw", _string(SUSPEND_DATA_MAX)),
    "cmi.launch_data": Element("ro"),
    "cmi.comments": Element("rw", _string(4096)),
    "cmi.comments_from_lms": Element("ro"),
    "cmi.objectives.n.id": Element("rw", _identifier_12),
    "cmi.objectives.n.score.raw": Element("rw", _SCORE_12),
    "cmi.objectives.n.score.min": Element("rw", _SCORE_12),
    "cmi.objectives.n.score.max": Element("rw", _SCORE_12),
    "cmi.objectives.n.status": Element("rw", _vocabulary(*STATUS_12)),
    "cmi.student_data.mastery_score": Element("ro"),
    "cmi.student_data.max_time_allowed": Element("ro"),
    "cmi.student_data.time_limit_action": Element("ro"),
    "cmi.student_preference.audio": Element("rw", _integer_12(-1, 100)),
    "cmi.student_preference.language": Element("rw", _string(255)),
    "cmi.student_preference.speed": Element("rw", _integer_12(-100, 100)),
    "cmi.student_preference.text": Element("rw", _integer_12(-1, 1)),
    "cmi.interactions.n.id": Element("wo", _identifier_12),
    "cmi.interactions.n.objectives.n.id": Element("wo", _identifier_12),
    "cmi.interactions.n.time": Element("wo", _regex(_TIME_12)),
    "cmi.interactions.n.type": Element("wo", _vocabulary(*INTERACTION_TYPES_12)),
    "cmi.interactions.n.correct_responses.n.pattern": Element("wo", _string(255)),
    "cmi.interactions.n.weighting": Element("wo", _decimal_12()),
    "cmi.interactions.n.student_response": Element("wo", _string(255)),
    "cmi.interactions.n.result": Element("wo", _result_12),
    "cmi.interactions.n.latency": Element("wo", _timespan),
}

_SCALED = _real_2004(-1, 1)
_REAL_ANY = _real_2004()

SCORM2004_ELEMENTS: dict[str, Element] = {
    "cmi._version": Element("ro"),
    "cmi.comments_from_learner.n.comment": Element("rw", _localized(4000)),
    "cmi.comments_from_learner.n.location": Element("rw", _string(250)),
    "cmi.comments_from_learner.n.timestamp": Element("rw", _regex(_TIMESTAMP)),
    "cmi.comments_from_lms.n.comment": Element("ro"),
    "cmi.comments_from_lms.n.location": Element("ro"),
    "cmi.comments_from_lms.n.timestamp": Element("ro"),
    "cmi.completion_status": Element("rw", _vocabulary(*COMPLETION_2004)),
    "cmi.completion_threshold": Element("ro"),
    "cmi.credit": Element("ro"),
    "cmi.entry": Element("ro"),
    "cmi.exit": Element("wo", _vocabulary("time-out", "suspend", "logout", "normal", "")),
    "cmi.interactions.n.id": Element("rw", _regex(_LONG_IDENTIFIER)),
    "cmi.interactions.n.type": Element("rw", _vocabulary(*INTERACTION_TYPES_2004)),
    "cmi.interactions.n.objectives.n.id": Element("rw", _regex(_LONG_IDENTIFIER)),
    "cmi.interactions.n.timestamp": Element("rw", _regex(_TIMESTAMP)),
    "cmi.interactions.n.correct_responses.n.pattern": Element("rw", _string(4000)),
    "cmi.interactions.n.weighting": Element("rw", _REAL_ANY),
    "cmi.interactions.n.learner_response": Element("rw", _string(4000)),
    "cmi.interactions.n.result": Element("rw", _result_2004),
    "cmi.interactions.n.latency": Element("rw", _duration),
    "cmi.interactions.n.description": Element("rw", _localized(250)),
    "cmi.launch_data": Element("ro"),
    "cmi.learner_id": Element("ro"),
    "cmi.learner_name": Element("ro"),
    "cmi.learner_preference.audio_level": Element("rw", _real_2004(0)),
    "cmi.learner_preference.language": Element("rw", _regex(_LANGUAGE)),
    "cmi.learner_preference.delivery_speed": Element("rw", _real_2004(0)),
    "cmi.learner_preference.audio_captioning": Element("rw", _vocabulary("-1", "0", "1")),
    "cmi.location": Element("rw", _string(1000)),
    "cmi.max_time_allowed": Element("ro"),
    "cmi.mode": Element("ro"),
    "cmi.objectives.n.id": Element("rw", _regex(_LONG_IDENTIFIER)),
    "cmi.objectives.n.score.scaled": Element("rw", _SCALED),
    "cmi.objectives.n.score.raw": Element("rw", _REAL_ANY),
    "cmi.objectives.n.score.min": Element("rw", _REAL_ANY),
    "cmi.objectives.n.score.max": Element("rw", _REAL_ANY),
    "cmi.objectives.n.success_status": Element("rw", _vocabulary(*SUCCESS_2004)),
    "cmi.objectives.n.completion_status": Element("rw", _vocabulary(*COMPLETION_2004)),
    "cmi.objectives.n.progress_measure": Element("rw", _real_2004(0, 1)),
    "cmi.objectives.n.description": Element("rw", _localized(250)),
    "cmi.progress_measure": Element("rw", _real_2004(0, 1)),
    "cmi.scaled_passing_score": Element("ro"),
    "cmi.score.scaled": Element("rw", _SCALED),
    "cmi.score.raw": Element("rw", _REAL_ANY),
    "cmi.score.min": Element("rw", _REAL_ANY),
    "cmi.score.max": Element("rw", _REAL_ANY),
    "cmi.session_time": Element("wo", _duration),
    "cmi.success_status": Element("rw", _vocabulary(*SUCCESS_2004)),
    "cmi.suspend_data": Element("rw", _string(SUSPEND_DATA_MAX)),
    "cmi.time_limit_action": Element("ro"),
    "cmi.total_time": Element("ro"),
}

MODELS = {SCORM12: SCORM12_ELEMENTS, SCORM2004: SCORM2004_ELEMENTS}
# Arrays, with the child that must be set before any other (SCORM 2004 error 408).
ARRAYS = (
    "cmi.interactions",
    "cmi.objectives",
    "cmi.comments_from_learner",
    "cmi.comments_from_lms",
)
_INDEX = re.compile(r"\.(\d+)(?=\.|$)")
# Interaction types whose responses have a checkable shape (the rest are free text).
_RESPONSE_ELEMENTS = ("learner_response", "student_response")


def pattern_of(element: str) -> str:
    """The model key of a concrete element: cmi.interactions.3.id -> cmi.interactions.n.id."""
    return _INDEX.sub(".n", element)


def _codes(standard: str) -> dict[str, int]:
    if standard == SCORM12:
        return {
            "undefined": E12_INVALID_ARGUMENT,
            "keyword": E12_KEYWORD,
            "read_only": E12_READ_ONLY,
            "write_only": E12_WRITE_ONLY,
            "type": E12_TYPE,
            "range": E12_TYPE,
            "dependency": E12_INVALID_ARGUMENT,
            "general": E12_INVALID_ARGUMENT,
        }
    return {
        "undefined": E04_UNDEFINED,
        "keyword": E04_KEYWORD,
        "read_only": E04_READ_ONLY,
        "write_only": E04_WRITE_ONLY,
        "type": E04_TYPE,
        "range": E04_RANGE,
        "dependency": E04_DEPENDENCY,
        "general": E04_GENERAL_SET,
    }


def _value_text(value) -> str | None:
    """Values arrive as JSON: strings, or numbers a runtime did not quote."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return repr(value) if isinstance(value, float) else str(value)
    return None


def flatten(cmi) -> dict[str, object]:
    """Dotted elements of a nested commit body; arrays may be lists, {"0": …} or {"childArray": […]}."""
    if isinstance(cmi, dict) and set(cmi) <= {"cmi", "adl"} and "cmi" in cmi:
        cmi = cmi["cmi"]
    if not isinstance(cmi, dict):
        raise CmiError(E04_GENERAL_SET, "cmi", "The data model must be a JSON object.")
    flat: dict[str, object] = {}

    def walk(node, prefix: str, depth: int) -> None:
        if depth > 8:
            raise CmiError(E04_GENERAL_SET, prefix, "The data model is nested too deeply.")
        if isinstance(node, dict) and "childArray" in node:
            node = node["childArray"]
        if isinstance(node, list):
            node = {str(index): child for index, child in enumerate(node)}
        if isinstance(node, dict):
            for key, child in node.items():
                if not isinstance(key, str) or key.startswith("_") or "." in key:
                    continue  # _children, _count, _version are keywords the server answers
                walk(child, f"{prefix}.{key}", depth + 1)
            return
        flat[prefix] = node

    walk(cmi, "cmi", 0)
    if len(flat) > MAX_ELEMENTS:
        raise CmiError(E04_GENERAL_SET, "cmi", "The commit holds too many elements.")
    return flat


def validate_commit(standard: str, flat: dict[str, object]) -> dict[str, str]:
    """Check every element a commit sets; return the writable ones as strings.

    A commit is the runtime's whole data model: read-only elements are dropped (the server
    owns them; a runtime sends them back as it received them) and so are empty ones (never
    set); anything undefined, mistyped or out of range raises `CmiError`.
    """
    model = MODELS[standard]
    codes = _codes(standard)
    accepted: dict[str, str] = {}
    for element, raw in flat.items():
        key = pattern_of(element)
        spec = model.get(key)
        if spec is None:
            raise CmiError(codes["undefined"], element, "The data model has no such element.")
        if spec.access == "ro":
            continue
        if raw is None:
            continue  # null: never set, like an empty string
        text = _value_text(raw)
        if text is None:
            raise CmiError(codes["type"], element, "The value must be a string or a number.")
        if text == "":
            continue  # a runtime renders every element; an empty one was never set
        if "\x00" in text:
            raise CmiError(codes["type"], element, "The value holds a NUL character.")
        fault = spec.check(text) if spec.check else None
        if fault:
            message = (
                "The value is out of range."
                if fault == "range"
                else "The value has the wrong type."
            )
            raise CmiError(codes[fault], element, message)
        accepted[element] = text
    _check_arrays(standard, accepted, codes)
    _check_responses(standard, accepted, codes)
    return accepted


def _check_arrays(standard: str, values: dict[str, str], codes: dict[str, int]) -> None:
    """Array records are dense (0..n-1) and every record that sets anything sets its id."""
    records: dict[str, set[int]] = {}
    for element in values:
        for match in _INDEX.finditer(element):
            array = element[: match.start()]
            records.setdefault(array, set()).add(int(match.group(1)))
    for array, indexes in records.items():
        if max(indexes) >= 1000:
            raise CmiError(codes["general"], f"{array}.{max(indexes)}", "Too many records.")
        if standard == SCORM12:
            continue  # SCORM 1.2 sets no order among a record's children
        if indexes != set(range(max(indexes) + 1)):
            missing = min(set(range(max(indexes) + 1)) - indexes)
            raise CmiError(codes["general"], f"{array}.{missing}", "Array records are not dense.")
        if pattern_of(array) in (
            "cmi.interactions",
            "cmi.objectives",
            "cmi.interactions.n.objectives",
        ):
            for index in indexes:
                if f"{array}.{index}.id" not in values:
                    raise CmiError(
                        codes["dependency"], f"{array}.{index}.id", "The record has no id."
                    )


def _check_responses(standard: str, values: dict[str, str], codes: dict[str, int]) -> None:
    """SCORM 2004 responses of the interaction types whose format is fixed (true-false, numeric,
    choice, likert); each needs the interaction's type first (error 408)."""
    for element, value in values.items():
        if not element.startswith("cmi.interactions.") or not element.endswith(
            (*_RESPONSE_ELEMENTS, ".pattern")
        ):
            continue
        index = element.split(".")[2]
        kind = values.get(f"cmi.interactions.{index}.type")
        if kind is None:
            if standard == SCORM2004:
                raise CmiError(
                    codes["dependency"], element, "The interaction's type must be set first."
                )
            continue
        if value == "" and element.endswith(_RESPONSE_ELEMENTS):
            continue
        fault = False
        if standard == SCORM12:
            continue  # 1.2 responses are CMIFeedback: free text up to 255 characters
        if kind == "true-false":
            fault = value not in {"true", "false"}
        elif kind == "numeric" and element.endswith(_RESPONSE_ELEMENTS):
            fault = _real(value) is None
        elif kind == "likert" and standard == SCORM2004:
            fault = not _LONG_IDENTIFIER.match(value)
        elif kind == "choice" and standard == SCORM2004 and element.endswith(_RESPONSE_ELEMENTS):
            choices = value.split("[,]") if value else []
            fault = any(not _LONG_IDENTIFIER.match(c) for c in choices) or len(choices) != len(
                set(choices)
            )
        if fault:
            raise CmiError(
                codes["type"], element, "The response does not fit the interaction type."
            )


def nest(flat: dict[str, str]) -> dict:
    """The nested shape scorm-again's loadFromJSON reads; array records keep their id first."""
    root: dict = {}
    # Ids and types first within each record: SCORM 2004 refuses other children before them.
    ordered = sorted(
        flat.items(),
        key=lambda item: (
            [int(p) if p.isdigit() else 0 for p in item[0].split(".")],
            item[0].rsplit(".", 1)[-1] not in ("id", "type"),
            item[0].rsplit(".", 1)[-1] != "id",
        ),
    )
    for element, value in ordered:
        parts = element.split(".")[1:]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return root
