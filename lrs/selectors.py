"""Reads of the statement store: one statement, filtered pages, and the response formats.

Every read takes the institution of the credentials, so no query can reach another
institution's statements.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
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


def _content_branches(query: StatementFilter) -> list[Q] | None:
    """What agent, verb, activity and registration ask of a statement's own content, as
    disjoint-enough branches (an agent is the actor *or* the object): each branch alone
    is one range of one index, read in `stored` order, where their OR would be a scan.
    None when nothing is asked."""
    common = Q()
    branches = [Q()]
    if query.agent_key:
        if query.related_agents:
            agents = StatementAgent.objects.filter(key=query.agent_key).values("statement_id")
            common &= Q(pk__in=agents)
        else:
            branches = [
                Q(actor_key=query.agent_key),
                # The partial index's condition, repeated so the planner can use it.
                Q(object_agent_key=query.agent_key) & ~Q(object_agent_key=""),
            ]
    if query.verb:
        common &= Q(verb_id=query.verb)
    if query.activity:
        if query.related_activities:
            activities = StatementActivity.objects.filter(iri=query.activity).values("statement_id")
            common &= Q(pk__in=activities)
        else:
            common &= Q(activity_id=query.activity)
    if query.registration:
        common &= Q(registration=query.registration)
    if not query.agent_key and not common:
        return None
    return [branch & common for branch in branches]


def statements_page(
    *,
    institution,
    query: StatementFilter,
    position: Position | None = None,
    client: LRSClient | None = None,
) -> Page:
    """One page of live statements matching `query`, newest first unless ascending.

    The first page fixes an upper bound on `stored`; later pages keep it, so statements
    that arrive while a client pages never shift or repeat what it reads. A filtered read
    is one query per branch of the filter (the actor, the object agent, and statements
    whose StatementRef target matches), each walking its index in `stored` order and
    stopping at the page's size, merged here: its cost follows the page, not the store.
    """
    now = timezone.now()
    position = position or Position(through=now)
    statements = _scoped(institution, client).filter(voided=False, stored__lte=position.through)
    if query.since:
        statements = statements.filter(stored__gt=query.since)
    if query.until:
        statements = statements.filter(stored__lte=query.until)
    if position.stored is not None:
        # One bound the index can range over, then the tie on `stored` broken by id.
        if query.ascending:
            statements = statements.filter(stored__gte=position.stored).exclude(
                stored=position.stored, id__lte=position.id
            )
        else:
            statements = statements.filter(stored__lte=position.stored).exclude(
                stored=position.stored, id__gte=position.id
            )
    order = ("stored", "id") if query.ascending else ("-stored", "-id")
    limit = min(query.limit or MAX_LIMIT, MAX_LIMIT)
    branches = _content_branches(query)
    if branches is None:
        parts = [statements]
    else:
        # The StatementRef rule: a statement whose object is a StatementRef matches when
        # its target does (one level), the target voided or not.
        targets = (
            Statement.objects.filter(institution=institution).filter(_any(branches)).values("id")
        )
        parts = [statements.filter(branch) for branch in branches]
        parts.append(statements.filter(ref_target__isnull=False, ref_target__in=targets))
    found = {row[2]: row for row in _first_rows(parts, order, limit + 1)}
    rows = sorted(found.values(), key=lambda row: (row[1], row[2]), reverse=not query.ascending)
    next_position = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_position = Position(through=position.through, stored=last[1], id=last[2])
    return Page(
        statements=[row[0] for row in rows], next_position=next_position, consistent_through=now
    )


def _first_rows(parts: list, order: tuple, count: int) -> list:
    """The first `count` rows of each part in `order`, in one query (a part may repeat a
    row of another; the caller merges). PostgreSQL: a UNION ALL of the parts, each an
    ordered, limited index range; SQLite (no LIMIT in a compound's arms): the parts' ids as
    limited subqueries."""
    columns = ("payload", "stored", "id")
    if len(parts) == 1:
        return list(parts[0].order_by(*order).values_list(*columns)[:count])
    if connection.features.supports_slicing_ordering_in_compound:
        first, *rest = (part.order_by(*order).values_list(*columns)[:count] for part in parts)
        return list(first.union(*rest, all=True))
    chosen = _any([Q(pk__in=part.order_by(*order).values("id")[:count]) for part in parts])
    return list(
        Statement.objects.filter(chosen)
        .order_by(*order)
        .values_list(*columns)[: count * len(parts)]
    )


def _any(branches: list[Q]) -> Q:
    combined = branches[0]
    for branch in branches[1:]:
        combined |= branch
    return combined


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
