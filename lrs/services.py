"""Every write to the LRS: clients and statements.

Storing statements writes no audit event per statement: the statement store is itself
the record of who sent what (authority, client, stored). Credential changes are audited.
"""

from __future__ import annotations

import copy
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from institutions.api import audit_record, require_admin

from . import validation
from .models import LRSClient, Statement, StatementActivity, StatementAgent, secret_digest

DEFAULT_VERSION = "1.0.0"


class StatementConflict(Exception):
    """A statement id already stored with different content (answered with 409)."""


@dataclass(frozen=True)
class StoreOutcome:
    """The ids of a stored batch, in the order received, and how many were new."""

    ids: list[uuid.UUID]
    created: int


def platform_authority(name: str = "Taynghe") -> dict:
    """The authority of statements the platform writes itself."""
    return {
        "objectType": "Agent",
        "name": name,
        "account": {"homePage": settings.WAGTAILADMIN_BASE_URL, "name": "taynghe"},
    }


@transaction.atomic
def lrs_client_create(
    *, actor, institution, name: str, scopes: list[str], authority: dict | None = None
) -> tuple[LRSClient, str]:
    """Issue credentials for `institution`; returns the client and its secret (shown once)."""
    require_admin(
        actor, institution.pk, _("Only this institution's administrators issue LRS credentials.")
    )
    unknown = set(scopes) - set(LRSClient.Scope.values)
    if unknown:
        raise validation.XAPIValidationError(f"scopes: unknown {', '.join(sorted(unknown))}")
    key = secrets.token_urlsafe(18)
    secret = secrets.token_urlsafe(32)
    if authority is None:
        authority = {
            "objectType": "Agent",
            "name": name,
            "account": {"homePage": settings.WAGTAILADMIN_BASE_URL, "name": key},
        }
    validation.actor(authority, "authority")
    client = LRSClient.objects.create(
        institution=institution,
        name=name,
        key=key,
        secret_hash=secret_digest(secret),
        scopes=list(scopes),
        authority=authority,
    )
    audit_record(
        actor=actor,
        action="lrs_client.create",
        obj=client,
        institution=institution,
        data={"scopes": list(scopes)},
    )
    return client, secret


@transaction.atomic
def lrs_client_deactivate(*, actor, client: LRSClient) -> None:
    """Revoke credentials: the key stops working at once."""
    require_admin(
        actor,
        client.institution_id,
        _("Only this institution's administrators revoke LRS credentials."),
    )
    client.active = False
    client.save(update_fields=["active"])
    audit_record(
        actor=actor, action="lrs_client.deactivate", obj=client, institution=client.institution
    )


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as every `stored` is written."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _normalise(statement: dict) -> dict:
    """Context activities as lists, as the specification returns them."""
    for part in (statement, statement.get("object", {})):
        activities = part.get("context", {}).get("contextActivities")
        if isinstance(activities, dict):
            for key, value in activities.items():
                if not isinstance(value, list):
                    activities[key] = [value]
    return statement


def _comparable(statement: dict, *, keep_timestamp: bool) -> dict:
    """A statement without what the LRS adds, for the same-content test of a repeated id."""
    result = {
        k: v for k, v in statement.items() if k not in {"id", "stored", "authority", "version"}
    }
    if "timestamp" in result:
        if keep_timestamp:
            result["timestamp"] = validation.parse_timestamp(result["timestamp"], "timestamp")
        else:
            del result["timestamp"]
    return result


def _same_content(incoming: dict, stored: dict) -> bool:
    keep = "timestamp" in incoming
    return _comparable(incoming, keep_timestamp=keep) == _comparable(stored, keep_timestamp=keep)


def _agents_of(part: dict, keys: set[str]) -> None:
    for who in (part.get("actor"), part.get("authority")):
        _add_agent(who, keys)
    obj = part.get("object", {})
    if obj.get("objectType") in ("Agent", "Group"):
        _add_agent(obj, keys)
    ctx = part.get("context", {})
    _add_agent(ctx.get("instructor"), keys)
    _add_agent(ctx.get("team"), keys)
    if obj.get("objectType") == "SubStatement":
        _agents_of(obj, keys)


def _add_agent(who: dict | None, keys: set[str]) -> None:
    if not who:
        return
    key = validation.agent_key(who)
    if key:
        keys.add(key)
    for member in who.get("member", []):
        keys.add(validation.agent_key(member))


def _activities_of(part: dict, iris: set[str]) -> None:
    obj = part.get("object", {})
    if obj.get("objectType", "Activity") == "Activity":
        iris.add(obj["id"])
    for items in part.get("context", {}).get("contextActivities", {}).values():
        iris.update(item["id"] for item in items)
    if obj.get("objectType") == "SubStatement":
        _activities_of(obj, iris)


def _row(statement: dict, *, institution, client, stored) -> Statement:
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    registration = statement.get("context", {}).get("registration")
    return Statement(
        id=uuid.UUID(statement["id"]),
        institution=institution,
        client=client,
        stored=stored,
        verb_id=statement["verb"]["id"],
        activity_id=obj["id"] if kind == "Activity" else "",
        registration=uuid.UUID(registration) if registration else None,
        actor_key=validation.agent_key(statement["actor"]),
        object_agent_key=validation.agent_key(obj) if kind in ("Agent", "Group") else "",
        voids=uuid.UUID(obj["id"]) if statement["verb"]["id"] == validation.VOIDED_VERB else None,
        payload=statement,
    )


def statements_store(
    *, institution, statements: list[dict], authority: dict, client: LRSClient | None = None
) -> StoreOutcome:
    """Validate and store a batch (all or nothing); a repeated id with equal content is a no-op.

    Raises `XAPIValidationError` (400) or `StatementConflict` (409). Queries do not grow
    with the store: one primary-key lookup for the batch's ids, bulk inserts, and for
    voiding statements one lookup and one update of their targets.
    """
    validation.statement_list(statements)
    try:
        with transaction.atomic():
            return _store(institution, statements, authority, client)
    except IntegrityError:
        # A concurrent request stored one of these ids between our lookup and insert;
        # a second pass sees it and answers no-op or conflict like any repeat.
        with transaction.atomic():
            return _store(institution, statements, authority, client)


def _lookup(institution, ids: set[uuid.UUID]) -> tuple[dict[uuid.UUID, Statement], set]:
    """Stored statements with these ids, and which ids a stored voiding statement targets."""
    existing: dict[uuid.UUID, Statement] = {}
    voided_later: set[uuid.UUID] = set()
    if ids:
        # One indexed lookup: the ids themselves, and voiding statements that arrived first.
        for row in Statement.objects.filter(
            Q(pk__in=ids) | Q(institution=institution, voids__in=ids)
        ).only("id", "institution_id", "payload", "voids"):
            if row.id in ids:
                existing[row.id] = row
            if row.voids is not None and row.institution_id == institution.pk:
                voided_later.add(row.voids)
    return existing, voided_later


def _store(institution, statements: list[dict], authority: dict, client) -> StoreOutcome:
    now = timezone.now()
    stored = now.replace(microsecond=now.microsecond // 1000 * 1000)
    stored_text = format_timestamp(stored)
    prepared = []
    for original in statements:
        statement = _normalise(copy.deepcopy(original))
        statement["id"] = str(uuid.UUID(statement["id"])) if "id" in statement else None
        prepared.append(statement)
    existing, voided_later = _lookup(institution, {uuid.UUID(s["id"]) for s in prepared if s["id"]})

    rows, new_statements = [], []
    for statement in prepared:
        if statement["id"] is None:
            statement["id"] = str(uuid.uuid4())
        else:
            found = existing.get(uuid.UUID(statement["id"]))
            if found is not None:
                # Another institution's id says nothing about its content.
                if found.institution_id != institution.pk or not _same_content(
                    statement, found.payload
                ):
                    raise StatementConflict(
                        f"statement {statement['id']} is already stored with different content"
                    )
                continue
        statement["stored"] = stored_text
        statement.setdefault("timestamp", stored_text)
        statement["authority"] = authority
        statement.setdefault("version", DEFAULT_VERSION)
        row = _row(statement, institution=institution, client=client, stored=stored)
        row.voided = row.id in voided_later
        rows.append(row)
        new_statements.append(statement)

    targets = {row.voids: row for row in rows if row.voids is not None}
    if targets:
        _void_targets(institution=institution, rows=rows, targets=targets)

    Statement.objects.bulk_create(rows)
    agent_rows, activity_rows = [], []
    for row, statement in zip(rows, new_statements, strict=True):
        keys: set[str] = set()
        _agents_of(statement, keys)
        agent_rows.extend(StatementAgent(statement_id=row.id, key=key) for key in keys)
        iris: set[str] = set()
        _activities_of(statement, iris)
        activity_rows.extend(StatementActivity(statement_id=row.id, iri=i) for i in iris)
    StatementAgent.objects.bulk_create(agent_rows)
    StatementActivity.objects.bulk_create(activity_rows)
    if targets:
        Statement.objects.filter(institution=institution, pk__in=list(targets)).update(voided=True)
    return StoreOutcome(ids=[uuid.UUID(s["id"]) for s in prepared], created=len(rows))


def _void_targets(*, institution, rows: list[Statement], targets: dict) -> None:
    """Refuse to void a voiding statement, stored or in the same batch."""
    in_batch = {row.id: row for row in rows}
    stored_voiders = set(
        Statement.objects.filter(
            institution=institution, pk__in=list(targets), voids__isnull=False
        ).values_list("pk", flat=True)
    )
    for target in targets:
        if target in stored_voiders or (target in in_batch and in_batch[target].voids is not None):
            raise validation.XAPIValidationError(
                f"statement {targets[target].id}: a voiding statement cannot be voided"
            )
        if target in in_batch:
            in_batch[target].voided = True
