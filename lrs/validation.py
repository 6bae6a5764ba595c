"""Strict validation of xAPI statements and query parameters (xAPI 1.0.3, and 2.0.0).

Every check raises `XAPIValidationError` with the JSON path of the faulty property,
so a 400 tells the author what to fix. Nothing invalid is ever stored.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")
_MBOX = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_LANGUAGE_TAG = re.compile(
    r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"  # language
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"  # variants
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"  # extensions
    r"(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?$"  # private use
    r"|^[Xx](?:-[A-Za-z0-9]{1,8})+$"
)
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
# ISO 8601 durations: weeks stand alone (PnW); otherwise years to seconds.
_DURATION = re.compile(
    r"^P(?:\d+(?:\.\d+)?W|(?!$)(\d+(?:\.\d+)?Y)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?D)?"
    r"(T(?=\d)(\d+(?:\.\d+)?H)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?S)?)?)$"
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

INTERACTION_TYPES = {
    "true-false": set(),
    "choice": {"choices"},
    "fill-in": set(),
    "long-fill-in": set(),
    "matching": {"source", "target"},
    "performance": {"steps"},
    "sequencing": {"choices"},
    "likert": {"scale"},
    "numeric": set(),
    "other": set(),
}
_COMPONENT_LISTS = {"choices", "scale", "source", "target", "steps"}

_STATEMENT_KEYS = {
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
}
_SUBSTATEMENT_KEYS = {
    "objectType",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "attachments",
}
_AGENT_KEYS = {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}
_GROUP_KEYS = _AGENT_KEYS | {"member"}
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


class XAPIValidationError(ValueError):
    """A statement or request that breaks the specification (answered with 400)."""


def _fail(path: str, message: str):
    raise XAPIValidationError(f"{path}: {message}")


def _not_json(constant: str):
    raise ValueError(f"{constant} is not a JSON number")


def json_loads(data: str | bytes) -> Any:
    """JSON as RFC 8259 defines it: Python's reader also takes NaN and Infinity, which no
    JSON store accepts (PostgreSQL refused them with a 500); raises ValueError."""
    return json.loads(data, parse_constant=_not_json)


def _object(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        _fail(path, "must be a JSON object")
    return value


def _keys(value: dict, allowed: set[str], path: str, required: tuple[str, ...] = ()) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        _fail(path, f"unknown propert{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)}")
    for key, item in value.items():
        if item is None:
            _fail(f"{path}.{key}", "must not be null")
    for key in required:
        if key not in value:
            _fail(path, f"'{key}' is required")


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, "must be a string")
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        _fail(path, "must be true or false")
    return value


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(path, "must be a number")
    return value


def is_iri(value: Any) -> bool:
    return isinstance(value, str) and bool(_IRI.match(value))


# Indexed columns hold IRIs and identifiers; PostgreSQL's B-tree entries stop near 2.7 kB.
MAX_IRI_BYTES = 2048
MAX_IDENTIFIER_BYTES = 1000


def iri(value: Any, path: str) -> str:
    if not is_iri(value):
        _fail(path, "must be an absolute IRI, such as http://example.com/verbs/completed")
    if len(value.encode("utf-8")) > MAX_IRI_BYTES:
        _fail(path, f"is longer than {MAX_IRI_BYTES} bytes")
    return value


def uuid_string(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _UUID.match(value):
        _fail(path, "must be a UUID such as 1f7b2a38-3c3b-4a2e-9a57-0c2d4b2c1d5e")
    return value


def language_tag(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _LANGUAGE_TAG.match(value):
        _fail(path, f"{value!r} is not an RFC 5646 language tag")
    return value


def language_map(value: Any, path: str) -> None:
    _object(value, path)
    for tag, text in value.items():
        language_tag(tag, f"{path}[{tag!r}]")
        _string(text, f"{path}.{tag}")


def extensions(value: Any, path: str) -> None:
    _object(value, path)
    for key in value:
        iri(key, f"{path}[{key!r}]")


def parse_timestamp(value: Any, path: str) -> datetime:
    """An ISO 8601 date-time; without an offset it is read as UTC; -00:00 is refused."""
    match = _TIMESTAMP.match(value) if isinstance(value, str) else None
    if not match:
        _fail(path, "must be an ISO 8601 date-time such as 2024-05-01T08:30:00.000Z")
    zone = match.group(8)
    if zone and zone.startswith("-") and not zone[1:].replace(":", "").strip("0"):
        _fail(path, "must not use the offset -00:00")
    try:
        year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
        fraction = match.group(7) or ""
        micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
        tz = UTC
        if zone and zone != "Z":
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            tz = timezone(offset if zone[0] == "+" else -offset)
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError:
        _fail(path, "is not a valid date-time")


def agent_key(value: dict) -> str:
    """The normalised identifier of an Agent or identified Group ("" for anonymous groups)."""
    kind = value.get("objectType", "Agent")
    if "mbox" in value:
        return f"{kind}|mbox|{value['mbox'].lower()}"
    if "mbox_sha1sum" in value:
        return f"{kind}|mbox_sha1sum|{value['mbox_sha1sum'].lower()}"
    if "openid" in value:
        return f"{kind}|openid|{value['openid']}"
    if "account" in value:
        account = value["account"]
        return f"{kind}|account|{account['homePage']}|{account['name']}"
    return ""


def _ifi(value: dict, path: str, *, required: bool) -> None:
    present = [name for name in _IFIS if name in value]
    if len(present) > 1:
        _fail(path, f"must have exactly one identifier, found {', '.join(present)}")
    if required and not present:
        _fail(path, "needs one identifier: mbox, mbox_sha1sum, openid or account")
    if "mbox" in value and not (isinstance(value["mbox"], str) and _MBOX.match(value["mbox"])):
        _fail(f"{path}.mbox", "must be a mailto: IRI such as mailto:learner@example.com")
    if "mbox_sha1sum" in value and not (
        isinstance(value["mbox_sha1sum"], str) and _SHA1.match(value["mbox_sha1sum"])
    ):
        _fail(f"{path}.mbox_sha1sum", "must be 40 hexadecimal digits")
    if "openid" in value:
        iri(value["openid"], f"{path}.openid")
    if "account" in value:
        account = _object(value["account"], f"{path}.account")
        _keys(account, {"homePage", "name"}, f"{path}.account", ("homePage", "name"))
        iri(account["homePage"], f"{path}.account.homePage")
        _string(account["name"], f"{path}.account.name")
    if "name" in value:
        _string(value["name"], f"{path}.name")
    if len(agent_key(value).encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        _fail(path, f"its identifier is longer than {MAX_IDENTIFIER_BYTES} bytes")


def agent(value: Any, path: str) -> None:
    """An Agent: exactly one identifier."""
    _object(value, path)
    _keys(value, _AGENT_KEYS, path)
    if value.get("objectType", "Agent") != "Agent":
        _fail(f"{path}.objectType", "must be 'Agent'")
    _ifi(value, path, required=True)


def group(value: Any, path: str) -> None:
    """A Group: identified (one identifier) or anonymous (members only)."""
    _object(value, path)
    _keys(value, _GROUP_KEYS, path, ("objectType",))
    if value["objectType"] != "Group":
        _fail(f"{path}.objectType", "must be 'Group'")
    identified = any(name in value for name in _IFIS)
    _ifi(value, path, required=False)
    if "member" in value or not identified:
        members = value.get("member")
        if not isinstance(members, list) or (not identified and not members):
            _fail(f"{path}.member", "an anonymous Group needs a non-empty list of Agents")
        for index, member in enumerate(members):
            agent(member, f"{path}.member[{index}]")


def actor(value: Any, path: str) -> None:
    """An Agent or a Group, told apart by objectType."""
    _object(value, path)
    if value.get("objectType") == "Group":
        group(value, path)
    else:
        agent(value, path)


def verb(value: Any, path: str) -> None:
    _object(value, path)
    _keys(value, {"id", "display"}, path, ("id",))
    iri(value["id"], f"{path}.id")
    if "display" in value:
        language_map(value["display"], f"{path}.display")


def _components(value: Any, path: str) -> None:
    if not isinstance(value, list):
        _fail(path, "must be a list of interaction components")
    seen = set()
    for index, component in enumerate(value):
        where = f"{path}[{index}]"
        _object(component, where)
        _keys(component, {"id", "description"}, where, ("id",))
        if not _string(component["id"], f"{where}.id").strip():
            _fail(f"{where}.id", "must not be empty")
        if component["id"] in seen:
            _fail(f"{where}.id", f"duplicate component id {component['id']!r}")
        seen.add(component["id"])
        if "description" in component:
            language_map(component["description"], f"{where}.description")


def activity_definition(value: Any, path: str) -> None:
    _object(value, path)
    allowed = {
        "name",
        "description",
        "type",
        "moreInfo",
        "extensions",
        "interactionType",
        "correctResponsesPattern",
    } | _COMPONENT_LISTS
    _keys(value, allowed, path)
    for key in ("name", "description"):
        if key in value:
            language_map(value[key], f"{path}.{key}")
    for key in ("type", "moreInfo"):
        if key in value:
            iri(value[key], f"{path}.{key}")
    if "extensions" in value:
        extensions(value["extensions"], f"{path}.extensions")
    interaction = value.get("interactionType")
    if interaction is not None and (
        not isinstance(interaction, str) or interaction not in INTERACTION_TYPES
    ):
        _fail(f"{path}.interactionType", f"must be one of {', '.join(INTERACTION_TYPES)}")
    if "correctResponsesPattern" in value:
        if interaction is None:
            _fail(f"{path}.correctResponsesPattern", "needs an interactionType")
        pattern = value["correctResponsesPattern"]
        if not isinstance(pattern, list) or not all(isinstance(p, str) for p in pattern):
            _fail(f"{path}.correctResponsesPattern", "must be a list of strings")
    for key in _COMPONENT_LISTS & set(value):
        if interaction is None or key not in INTERACTION_TYPES[interaction]:
            _fail(f"{path}.{key}", f"is not allowed for interactionType {interaction!r}")
        _components(value[key], f"{path}.{key}")


def activity(value: Any, path: str) -> None:
    _object(value, path)
    _keys(value, {"objectType", "id", "definition"}, path, ("id",))
    if value.get("objectType", "Activity") != "Activity":
        _fail(f"{path}.objectType", "must be 'Activity'")
    iri(value["id"], f"{path}.id")
    if "definition" in value:
        activity_definition(value["definition"], f"{path}.definition")


def statement_ref(value: Any, path: str) -> None:
    _object(value, path)
    _keys(value, {"objectType", "id"}, path, ("objectType", "id"))
    if value["objectType"] != "StatementRef":
        _fail(f"{path}.objectType", "must be 'StatementRef'")
    uuid_string(value["id"], f"{path}.id")


def score(value: Any, path: str) -> None:
    _object(value, path)
    _keys(value, {"scaled", "raw", "min", "max"}, path)
    for key in value:
        _number(value[key], f"{path}.{key}")
    if "scaled" in value and not -1 <= value["scaled"] <= 1:
        _fail(f"{path}.scaled", "must be between -1 and 1")
    low, high = value.get("min"), value.get("max")
    if low is not None and high is not None and low >= high:
        _fail(f"{path}.max", "must be greater than min")
    if "raw" in value:
        if low is not None and value["raw"] < low:
            _fail(f"{path}.raw", "must not be below min")
        if high is not None and value["raw"] > high:
            _fail(f"{path}.raw", "must not be above max")


def result(value: Any, path: str) -> None:
    _object(value, path)
    _keys(value, {"score", "success", "completion", "response", "duration", "extensions"}, path)
    if "score" in value:
        score(value["score"], f"{path}.score")
    for key in ("success", "completion"):
        if key in value:
            _bool(value[key], f"{path}.{key}")
    if "response" in value:
        _string(value["response"], f"{path}.response")
    if "duration" in value and not (
        isinstance(value["duration"], str) and _DURATION.match(value["duration"])
    ):
        _fail(f"{path}.duration", "must be an ISO 8601 duration such as PT1H30M")
    if "extensions" in value:
        extensions(value["extensions"], f"{path}.extensions")


def context(value: Any, path: str, *, object_is_activity: bool) -> None:
    _object(value, path)
    allowed = {
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
        "contextAgents",
        "contextGroups",
    }
    _keys(value, allowed, path)
    for key, kind, member, check in (
        ("contextAgents", "contextAgent", "agent", agent),
        ("contextGroups", "contextGroup", "group", group),
    ):
        if key in value:
            _context_actors(value[key], f"{path}.{key}", kind, member, check)
    if "registration" in value:
        uuid_string(value["registration"], f"{path}.registration")
    if "instructor" in value:
        actor(value["instructor"], f"{path}.instructor")
    if "team" in value:
        group(value["team"], f"{path}.team")
    for key in ("revision", "platform"):
        if key in value:
            _string(value[key], f"{path}.{key}")
            if not object_is_activity:
                _fail(f"{path}.{key}", "is only allowed when the object is an Activity")
    if "language" in value:
        language_tag(value["language"], f"{path}.language")
    if "statement" in value:
        statement_ref(value["statement"], f"{path}.statement")
    if "extensions" in value:
        extensions(value["extensions"], f"{path}.extensions")
    if "contextActivities" in value:
        where = f"{path}.contextActivities"
        activities = _object(value["contextActivities"], where)
        _keys(activities, {"parent", "grouping", "category", "other"}, where)
        for key, items in activities.items():
            for index, item in enumerate(items if isinstance(items, list) else [items]):
                activity(item, f"{where}.{key}[{index}]")


def _context_actors(value: Any, path: str, kind: str, member: str, check) -> None:
    """xAPI 2.0 contextAgents / contextGroups: typed Agents or Groups with relevantTypes."""
    if not isinstance(value, list) or not value:
        _fail(path, "must be a non-empty list")
    for index, item in enumerate(value):
        where = f"{path}[{index}]"
        _object(item, where)
        _keys(item, {"objectType", member, "relevantTypes"}, where, ("objectType", member))
        if item["objectType"] != kind:
            _fail(f"{where}.objectType", f"must be '{kind}'")
        check(item[member], f"{where}.{member}")
        if "relevantTypes" in item:
            types = item["relevantTypes"]
            if not isinstance(types, list) or not types:
                _fail(f"{where}.relevantTypes", "must be a non-empty list of IRIs")
            for position, type_iri in enumerate(types):
                iri(type_iri, f"{where}.relevantTypes[{position}]")


def attachments(value: Any, path: str) -> None:
    if not isinstance(value, list):
        _fail(path, "must be a list")
    for index, item in enumerate(value):
        where = f"{path}[{index}]"
        _object(item, where)
        _keys(
            item,
            {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"},
            where,
            ("usageType", "display", "contentType", "length", "sha2"),
        )
        iri(item["usageType"], f"{where}.usageType")
        language_map(item["display"], f"{where}.display")
        if "description" in item:
            language_map(item["description"], f"{where}.description")
        _string(item["contentType"], f"{where}.contentType")
        if isinstance(item["length"], bool) or not isinstance(item["length"], int):
            _fail(f"{where}.length", "must be an integer")
        _string(item["sha2"], f"{where}.sha2")
        # Without fileUrl the content must come as a multipart part (`attachments.check`).
        if "fileUrl" in item:
            iri(item["fileUrl"], f"{where}.fileUrl")


def _statement_object(value: Any, path: str, *, sub: bool) -> None:
    _object(value, path)
    kind = value.get("objectType", "Activity")
    if kind == "Activity":
        activity(value, path)
    elif kind == "Agent":
        agent(value, path)
    elif kind == "Group":
        group(value, path)
    elif kind == "StatementRef":
        statement_ref(value, path)
    elif kind == "SubStatement" and not sub:
        substatement(value, path)
    elif kind == "SubStatement":
        _fail(f"{path}.objectType", "a SubStatement cannot contain another SubStatement")
    else:
        _fail(
            f"{path}.objectType",
            "must be Activity, Agent, Group, StatementRef or SubStatement",
        )


def _body(value: dict, path: str, *, sub: bool) -> None:
    actor(value["actor"], f"{path}.actor")
    verb(value["verb"], f"{path}.verb")
    _statement_object(value["object"], f"{path}.object", sub=sub)
    if "result" in value:
        result(value["result"], f"{path}.result")
    if "context" in value:
        is_activity = value["object"].get("objectType", "Activity") == "Activity"
        context(value["context"], f"{path}.context", object_is_activity=is_activity)
    if "timestamp" in value:
        parse_timestamp(value["timestamp"], f"{path}.timestamp")
    if "attachments" in value:
        attachments(value["attachments"], f"{path}.attachments")


def substatement(value: Any, path: str) -> None:
    _object(value, path)
    _keys(value, _SUBSTATEMENT_KEYS, path, ("objectType", "actor", "verb", "object"))
    _body(value, path, sub=True)


def authority(value: Any, path: str) -> None:
    """An Agent, or an anonymous Group of exactly two Agents (OAuth: consumer and user)."""
    actor(value, path)
    if value.get("objectType") == "Group":
        if any(name in value for name in _IFIS):
            _fail(path, "a Group authority must be anonymous (an OAuth consumer and user)")
        if len(value["member"]) != 2:
            _fail(f"{path}.member", "a Group authority has exactly two Agents")


def statement(value: Any, path: str = "statement") -> None:
    """Validate one statement as received, raising `XAPIValidationError` on the first fault."""
    _object(value, path)
    _keys(value, _STATEMENT_KEYS, path, ("actor", "verb", "object"))
    if "id" in value:
        uuid_string(value["id"], f"{path}.id")
    if "version" in value:
        version = _string(value["version"], f"{path}.version")
        if not re.match(r"^(1\.0(\.\d+)?|2\.0\.\d+)$", version):
            _fail(f"{path}.version", "must be 1.0.x or 2.0.x")
    if "stored" in value:
        parse_timestamp(value["stored"], f"{path}.stored")
    if "authority" in value:
        authority(value["authority"], f"{path}.authority")
    _body(value, path, sub=False)
    if value["verb"]["id"] == VOIDED_VERB and value["object"].get("objectType") != "StatementRef":
        _fail(f"{path}.object", "a voiding statement's object must be a StatementRef")


def statement_list(value: Any) -> list[dict]:
    """A single statement or a batch, returned as a list."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise XAPIValidationError("statements: the batch is empty")
    seen: set[str] = set()
    for index, item in enumerate(items):
        statement(item, f"statements[{index}]" if isinstance(value, list) else "statement")
        if "id" in item:
            normalised = str(uuid.UUID(item["id"]))
            if normalised in seen:
                raise XAPIValidationError(f"statements[{index}].id: appears twice in the batch")
            seen.add(normalised)
    return items
