"""Reads of the statement store: one statement, filtered pages, and the response formats.

Every read takes the institution of the credentials, so no query can reach another
institution's statements.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from .models import (
    Activity,
    AttachmentContent,
    Document,
    LRSClient,
    Statement,
    StatementActivity,
    StatementAgent,
    iri_hash,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


@dataclass(frozen=True)
class StatementFilter:
    """The query parameters of GET /statements, already validated."""

    agent_key: str = ""
    verb: str = ""
    activity: str = ""
    registration: uuid.UUID | None = None
    related_agents: bool = False
    related_activities: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = DEFAULT_LIMIT
    ascending: bool = False


@dataclass(frozen=True)
class Position:
    """Where a page ended: the snapshot's upper bound and the last (stored, id) returned."""

    through: datetime
    stored: datetime | None = None
    id: uuid.UUID | None = None


@dataclass(frozen=True)
class Page:
    statements: list[dict]
    next_position: Position | None
    consistent_through: datetime


def _scoped(institution, client: LRSClient | None):
    statements = Statement.objects.filter(institution=institution)
    if client is not None:
        # statements/read/mine: only what these credentials wrote.
        statements = statements.filter(client=client)
    return statements


def statement_get(
    *, institution, statement_id: uuid.UUID, voided: bool, client: LRSClient | None = None
) -> dict | None:
    """One statement by id: a live one for statementId, a voided one for voidedStatementId."""
    return (
        _scoped(institution, client)
        .filter(pk=statement_id, voided=voided)
        .values_list("payload", flat=True)
        .first()
    )


def _content_filter(query: StatementFilter) -> Q | None:
    """What agent, verb, activity and registration ask of a statement's own content."""
    conditions = []
    if query.agent_key:
        if query.related_agents:
            agents = StatementAgent.objects.filter(key=query.agent_key).values("statement_id")
            conditions.append(Q(pk__in=agents))
        else:
            conditions.append(Q(actor_key=query.agent_key) | Q(object_agent_key=query.agent_key))
    if query.verb:
        conditions.append(Q(verb_id=query.verb))
    if query.activity:
        if query.related_activities:
            activities = StatementActivity.objects.filter(iri=query.activity).values("statement_id")
            conditions.append(Q(pk__in=activities))
        else:
            conditions.append(Q(activity_id=query.activity))
    if query.registration:
        conditions.append(Q(registration=query.registration))
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined &= condition
    return combined


def statements_page(
    *,
    institution,
    query: StatementFilter,
    position: Position | None = None,
    client: LRSClient | None = None,
) -> Page:
    """One page of live statements matching `query`, newest first unless ascending.

    The first page fixes an upper bound on `stored`; later pages keep it, so statements
    that arrive while a client pages never shift or repeat what it reads.
    """
    now = timezone.now()
    position = position or Position(through=now)
    statements = _scoped(institution, client).filter(voided=False, stored__lte=position.through)
    content = _content_filter(query)
    if content is not None:
        # The StatementRef rule: a statement whose object is a StatementRef matches when
        # its target does (one level), the target voided or not.
        targets = Statement.objects.filter(content, institution=institution).values("id")
        statements = statements.filter(content | Q(ref_target__in=targets))
    if query.since:
        statements = statements.filter(stored__gt=query.since)
    if query.until:
        statements = statements.filter(stored__lte=query.until)
    if position.stored is not None:
        if query.ascending:
            after = Q(stored__gt=position.stored) | Q(stored=position.stored, id__gt=position.id)
        else:
            after = Q(stored__lt=position.stored) | Q(stored=position.stored, id__lt=position.id)
        statements = statements.filter(after)
    order = ("stored", "id") if query.ascending else ("-stored", "-id")
    limit = min(query.limit or MAX_LIMIT, MAX_LIMIT)
    rows = list(statements.order_by(*order).values_list("payload", "stored", "id")[: limit + 1])
    next_position = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_position = Position(through=position.through, stored=last[1], id=last[2])
    return Page(
        statements=[row[0] for row in rows], next_position=next_position, consistent_through=now
    )


# Formats ---------------------------------------------------------------------------------

_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def _agent_ids(who: dict) -> dict:
    kept = {"objectType": who.get("objectType", "Agent")}
    kept.update({k: who[k] for k in _IFIS if k in who})
    if "member" in who:
        kept["member"] = [_agent_ids(member) for member in who["member"]]
    return kept


def _pick(language_map: dict, languages: list[str]) -> dict:
    """The one entry of a language map a reader asked for (Accept-Language), or the first."""
    if not language_map:
        return language_map
    lowered = {tag.lower(): tag for tag in language_map}
    for wanted in languages:
        wanted = wanted.lower()
        if wanted in lowered:
            tag = lowered[wanted]
            return {tag: language_map[tag]}
        for low, tag in lowered.items():
            if low.split("-")[0] == wanted.split("-")[0]:
                return {tag: language_map[tag]}
    tag = next(iter(language_map))
    return {tag: language_map[tag]}


def _walk(part: dict, fmt: str, languages: list[str]) -> dict:
    part = dict(part)
    for key in ("actor", "authority"):
        if key in part and fmt == "ids":
            part[key] = _agent_ids(part[key])
    if "verb" in part:
        if fmt == "ids":
            part["verb"] = {"id": part["verb"]["id"]}
        elif "display" in part["verb"]:
            part["verb"] = {**part["verb"], "display": _pick(part["verb"]["display"], languages)}
    if "object" in part:
        part["object"] = _object(part["object"], fmt, languages)
    ctx = part.get("context")
    if ctx:
        ctx = dict(ctx)
        for key in ("instructor", "team"):
            if key in ctx and fmt == "ids":
                ctx[key] = _agent_ids(ctx[key])
        if "contextActivities" in ctx:
            ctx["contextActivities"] = {
                key: [_object(item, fmt, languages) for item in items]
                for key, items in ctx["contextActivities"].items()
            }
        part["context"] = ctx
    return part


def _object(obj: dict, fmt: str, languages: list[str]) -> dict:
    kind = obj.get("objectType", "Activity")
    if kind == "SubStatement":
        return _walk(obj, fmt, languages)
    if kind in ("Agent", "Group"):
        return _agent_ids(obj) if fmt == "ids" else obj
    if kind != "Activity":
        return obj
    if fmt == "ids":
        # The least that identifies it: Activity is the default objectType.
        return {"id": obj["id"]}
    definition = obj.get("definition")
    if not definition:
        return obj
    definition = dict(definition)
    for key in ("name", "description"):
        if key in definition:
            definition[key] = _pick(definition[key], languages)
    for key in ("choices", "scale", "source", "target", "steps"):
        if key in definition:
            definition[key] = [
                {**c, "description": _pick(c["description"], languages)}
                if "description" in c
                else c
                for c in definition[key]
            ]
    return {**obj, "definition": definition}


def statement_format(payload: dict, fmt: str, languages: list[str]) -> dict:
    """A stored statement as `exact` (as stored), `ids` or `canonical` (one language)."""
    if fmt == "exact":
        return payload
    return _walk(payload, fmt, languages)


# Documents -------------------------------------------------------------------------------


def document_get(*, institution, address, document_id: str) -> Document | None:
    """One document at `address` in `institution`, or None."""
    return Document.objects.filter(
        institution=institution, scope=address.scope, document_id=document_id
    ).first()


def document_ids(*, institution, address, since: datetime | None = None) -> list[str]:
    """The ids of the documents at `address`, changed after `since` when given."""
    documents = Document.objects.filter(institution=institution, scope=address.scope)
    if since is not None:
        documents = documents.filter(updated__gt=since)
    return list(documents.order_by("document_id").values_list("document_id", flat=True))


# Activities and agents ---------------------------------------------------------------------


def activity_get(*, institution, activity_id: str) -> dict:
    """The Activity object with its canonical definition (just the id when none is known)."""
    activity = {"objectType": "Activity", "id": activity_id}
    definition = (
        Activity.objects.filter(institution=institution, iri_hash=iri_hash(activity_id))
        .values_list("definition", flat=True)
        .first()
    )
    if definition:
        activity["definition"] = definition
    return activity


PERSON_NAMES_SCANNED = 50


def person_get(*, institution, agent: dict, key: str) -> dict:
    """The Person for an identifier: its identifier and the names its statements gave it.

    Reads the newest statements of that actor only (one index range, a bounded page).
    """
    names = [agent["name"]] if agent.get("name") else []
    payloads = (
        Statement.objects.filter(institution=institution, actor_key=key)
        .order_by("-stored")
        .values_list("payload", flat=True)[:PERSON_NAMES_SCANNED]
    )
    for payload in payloads:
        name = payload["actor"].get("name")
        if name and name not in names:
            names.append(name)
    person: dict = {"objectType": "Person"}
    if names:
        person["name"] = names
    for ifi in _IFIS:
        if ifi in agent:
            person[ifi] = [agent[ifi]]
    return person


# Attachments -------------------------------------------------------------------------------


def attachment_parts(*, institution, statements) -> list[tuple[str, str, bytes]]:
    """The stored attachment contents the statements name, as (sha2, content type, bytes)."""
    wanted = {
        attachment["sha2"].lower()
        for statement in statements
        for attachment in statement.get("attachments", [])
    }
    if not wanted:
        return []
    parts = []
    for row in AttachmentContent.objects.filter(institution=institution, sha2__in=wanted):
        with row.file.open("rb") as handle:
            parts.append((row.sha2, row.content_type, handle.read()))
    return parts
