"""Every write to the LRS: clients and statements.

Storing statements writes no audit event per statement: the statement store is itself
the record of who sent what (authority, client, stored). Credential changes are audited.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from institutions.api import audit_record, require_admin

from . import attachments, forwarding, validation
from .models import (
    Activity,
    AttachmentContent,
    Document,
    LRSClient,
    Statement,
    StatementActivity,
    StatementAgent,
    iri_hash,
    secret_digest,
)

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
    *,
    actor,
    institution,
    name: str,
    scopes: list[str],
    authority: dict | None = None,
    assumed_version: str = LRSClient.Version.V1_0_3,
    profile_concurrency: str = LRSClient.Concurrency.XAPI2,
) -> tuple[LRSClient, str]:
    """Issue credentials for `institution`; returns the client and its secret (shown once).

    `assumed_version` and `profile_concurrency` are the credentials' xAPI settings (see
    `LRSClient`): the version a refusal of a version-less request speaks, and when a
    profile PUT without If-Match/If-None-Match is refused.
    """
    require_admin(
        actor, institution.pk, _("Only this institution's administrators issue LRS credentials.")
    )
    unknown = set(scopes) - set(LRSClient.Scope.values)
    if unknown:
        raise validation.XAPIValidationError(f"scopes: unknown {', '.join(sorted(unknown))}")
    if assumed_version not in LRSClient.Version.values:
        raise validation.XAPIValidationError(f"assumed version: unknown {assumed_version}")
    if profile_concurrency not in LRSClient.Concurrency.values:
        raise validation.XAPIValidationError(f"concurrency: unknown {profile_concurrency}")
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
        assumed_version=assumed_version,
        profile_concurrency=profile_concurrency,
    )
    audit_record(
        actor=actor,
        action="lrs_client.create",
        obj=client,
        institution=institution,
        data={
            "scopes": list(scopes),
            "assumed_version": assumed_version,
            "profile_concurrency": profile_concurrency,
        },
    )
    return client, secret


class LaunchBoundsError(Exception):
    """Launch credentials used outside their learner or registration (answered with 403)."""


LAUNCH_SCOPES = [
    LRSClient.Scope.STATEMENTS_WRITE,
    LRSClient.Scope.STATEMENTS_READ_MINE,
    LRSClient.Scope.STATE,
]
MAX_LAUNCH_SECONDS = 24 * 3600


@transaction.atomic
def launch_credentials_issue(
    *, institution, actor: dict, registration: uuid.UUID, activity_id: str, ttl: int
) -> tuple[LRSClient, str]:
    """Credentials for one launch: they expire after `ttl` seconds and write and read only
    `actor`'s statements and state in `registration`. Issued by the platform (audited).
    """
    validation.agent(actor, "actor")
    validation.iri(activity_id, "activity_id")
    if not 0 < ttl <= MAX_LAUNCH_SECONDS:
        raise validation.XAPIValidationError(
            f"ttl: must be between 1 and {MAX_LAUNCH_SECONDS} seconds"
        )
    key = secrets.token_urlsafe(18)
    secret = secrets.token_urlsafe(32)
    client = LRSClient.objects.create(
        institution=institution,
        name=f"launch {registration}",
        key=key,
        secret_hash=secret_digest(secret),
        scopes=list(LAUNCH_SCOPES),
        authority=platform_authority(),
        expires_at=timezone.now() + timedelta(seconds=ttl),
        registration=registration,
        activity_id=activity_id,
        agent_key=validation.agent_key(actor),
    )
    audit_record(
        actor=None,
        action="lrs_client.launch",
        obj=client,
        institution=institution,
        data={"registration": str(registration), "activity_id": activity_id, "ttl": ttl},
    )
    return client, secret


@transaction.atomic
def launch_credentials_purge(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete launch credentials expired for longer than `older_than`; returns how many.

    What they wrote stays (statements and documents keep no link to deleted credentials).
    """
    cutoff = timezone.now() - older_than
    expired = LRSClient.objects.filter(registration__isnull=False, expires_at__lt=cutoff)
    count = expired.count()
    if count:
        expired.delete()
        audit_record(actor=None, action="lrs_client.launch_purge", data={"deleted": count})
    return count


def _check_launch_bounds(statements: list[dict], client: LRSClient) -> None:
    for index, statement in enumerate(statements):
        registration = statement.get("context", {}).get("registration")
        if registration is None or uuid.UUID(registration) != client.registration:
            raise LaunchBoundsError(
                f"statements[{index}]: launch credentials write only in registration "
                f"{client.registration}"
            )
        if validation.agent_key(statement["actor"]) != client.agent_key:
            raise LaunchBoundsError(
                f"statements[{index}].actor: launch credentials write only their learner's "
                "statements"
            )


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
    """A copy with context activities as lists, as the specification returns them.

    Only what changes is copied (the statement, and a context whose activities are
    listed): the caller's statement is left as received.
    """
    statement = dict(statement)
    obj = statement.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        statement["object"] = obj = dict(obj)
    for part in (statement, obj if isinstance(obj, dict) else {}):
        context = part.get("context")
        activities = context.get("contextActivities") if isinstance(context, dict) else None
        if isinstance(activities, dict) and any(
            not isinstance(value, list) for value in activities.values()
        ):
            part["context"] = {
                **context,
                "contextActivities": {
                    key: value if isinstance(value, list) else [value]
                    for key, value in activities.items()
                },
            }
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
    for item in ctx.get("contextAgents", []):
        _add_agent(item["agent"], keys)
    for item in ctx.get("contextGroups", []):
        _add_agent(item["group"], keys)
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


def statements_store(
    *,
    institution,
    statements: list[dict],
    authority: dict,
    client: LRSClient | None = None,
    parts: dict[str, attachments.Part] | None = None,
) -> StoreOutcome:
    """Validate and store a batch (all or nothing); a repeated id with equal content is a no-op.

    `parts` are the attachment contents of a multipart request by SHA-2: each attachment
    without a fileUrl needs one, each part needs an attachment, and signatures must hold.
    Raises `XAPIValidationError` (400) or `StatementConflict` (409). Queries do not grow
    with the store: the insert is the id check (`_insert`), then the activity definitions
    and forwarding destinations are read; voiding statements add one lookup and one
    update of their targets.
    """
    from . import cmi5  # its rules build on this module

    validation.statement_list(statements)
    launch = None
    if client is not None and client.registration is not None:
        _check_launch_bounds(statements, client)
        launch = cmi5.statements_check(statements, client)
    parts = parts or {}
    attachments.check(statements, parts)
    try:
        outcome = _store_with_parts(institution, statements, authority, client, parts)
    except IntegrityError:
        # A concurrent request stored one of these ids between our lookup and insert;
        # a second pass sees it and answers no-op or conflict like any repeat.
        outcome = _store_with_parts(institution, statements, authority, client, parts)
    cmi5.statements_stored(statements, outcome.ids, client, launch)
    return outcome


def _store_with_parts(institution, statements, authority, client, parts) -> StoreOutcome:
    written: list[str] = []
    try:
        with transaction.atomic():
            outcome = _store(institution, statements, authority, client)
            _attachments_store(institution, parts, written)
    except BaseException:
        # A batch that does not commit leaves no attachment file behind.
        for name in written:
            default_storage.delete(name)
        raise
    return outcome


def _attachments_store(institution, parts: dict[str, attachments.Part], written: list) -> None:
    """Keep each part once per institution (content-addressed by its SHA-2)."""
    if not parts:
        return
    known = set(
        AttachmentContent.objects.filter(institution=institution, sha2__in=list(parts)).values_list(
            "sha2", flat=True
        )
    )
    for sha2, part in parts.items():
        if sha2 in known:
            continue
        row = AttachmentContent(
            institution=institution,
            sha2=sha2,
            content_type=part.content_type,
            length=len(part.content),
        )
        row.file.save(sha2, ContentFile(part.content), save=False)
        written.append(row.file.name)
        row.save()


@dataclass(slots=True)
class _NewRow:
    """A statement about to be inserted: what forwarding and voiding need of it."""

    id: uuid.UUID
    verb_id: str
    voids: uuid.UUID | None
    values: tuple  # the STATEMENT_FIELDS' values, in order
    agents: list[str]  # its related agents' keys and activities' IRIs (related_* queries)
    activities: list[str]


# The write path writes its SQL itself rather than through the ORM's query compiler (which
# cost more CPU than everything else a write does); values still pass through each model
# field's own conversion (`get_db_prep_save`), so every backend stores what the ORM would.
STATEMENT_FIELDS = (
    "id",
    "institution",
    "client",
    "stored",
    "verb_id",
    "activity_id",
    "registration",
    "actor_key",
    "object_agent_key",
    "voids",
    "ref_target",
    "payload",
)
STATEMENT_INSERT = (
    "INSERT INTO lrs_statement (id, institution_id, client_id, stored, verb_id, activity_id, "
    "registration, actor_key, object_agent_key, voids, ref_target, payload, voided) {rows} "
    "ON CONFLICT (id) DO NOTHING RETURNING id"
)
# One row: the fields, then `voided` — true when a stored voiding statement of the same
# institution already targets this id (a probe of the partial index `lrs_st_voids`).
STATEMENT_ROW = (
    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, EXISTS (SELECT 1 FROM lrs_statement v "
    "WHERE v.voids IS NOT NULL AND v.voids = %s AND v.institution_id = %s))"
)
# PostgreSQL takes the rows as one array per column, and the payloads as one JSON array: a
# query of the same short text whatever the batch's size, and no per-element escaping of
# JSON inside an array literal (which cost more than the rest of the insert).
STATEMENT_ROWS_PG = (
    "SELECT r.id, r.institution_id, r.client_id, r.stored, r.verb_id, r.activity_id, "
    "r.registration, r.actor_key, r.object_agent_key, r.voids, r.ref_target, "
    "p.payload -> (r.n::integer - 1), "
    "EXISTS (SELECT 1 FROM lrs_statement v WHERE v.voids IS NOT NULL AND v.voids = r.id "
    "AND v.institution_id = r.institution_id) "
    "FROM UNNEST(%s::uuid[], %s::bigint[], %s::bigint[], %s::timestamptz[], %s::varchar[], "
    "%s::varchar[], %s::uuid[], %s::varchar[], %s::varchar[], %s::uuid[], %s::uuid[]) "
    "WITH ORDINALITY AS r(id, institution_id, client_id, stored, verb_id, activity_id, "
    "registration, actor_key, object_agent_key, voids, ref_target, n), "
    "(SELECT %s::jsonb AS payload) p"
)
# The rows of `related_agents` and `related_activities` elsewhere: (value field, INSERT).
PAIR_INSERT = {
    StatementAgent: ("key", 'INSERT INTO lrs_statementagent (statement_id, "key") {rows}'),
    StatementActivity: ("iri", "INSERT INTO lrs_statementactivity (statement_id, iri) {rows}"),
}
# On PostgreSQL the statements and their agent and activity rows are one query: the pairs
# are written for the statements the insert returned (not for ids stored already).
STATEMENT_INSERT_PG = (
    "WITH s AS ({statements}), "
    'a AS (INSERT INTO lrs_statementagent (statement_id, "key") SELECT x.i, x.v '
    "FROM UNNEST(%s::uuid[], %s::varchar[]) AS x(i, v) JOIN s ON s.id = x.i), "
    "c AS (INSERT INTO lrs_statementactivity (statement_id, iri) SELECT y.i, y.v "
    "FROM UNNEST(%s::uuid[], %s::varchar[]) AS y(i, v) JOIN s ON s.id = y.i) "
    "SELECT id FROM s"
)
ACTIVITY_DEFINITIONS = (
    "SELECT iri_hash, definition, owner_key FROM lrs_activity "
    "WHERE institution_id = %s AND iri_hash IN ({keys})"
)
#: Rows per INSERT: keeps the bound values under SQLite's limit (32,766) for any batch.
INSERT_CHUNK = 500


def statement_insert_sql(rows: list[_NewRow]) -> tuple[str, list]:
    """The INSERT of `rows` (at most INSERT_CHUNK) and its parameters; on PostgreSQL it
    writes their agent and activity rows too."""
    if connection.vendor == "postgresql":
        columns = [list(column) for column in zip(*(row.values for row in rows), strict=True)]
        columns[-1] = json.dumps(columns[-1])
        agents = [(row.id, key) for row in rows for key in row.agents]
        activities = [(row.id, iri) for row in rows for iri in row.activities]
        pairs = [[pair[side] for pair in kind] for kind in (agents, activities) for side in (0, 1)]
        statements = STATEMENT_INSERT.format(rows=STATEMENT_ROWS_PG)
        return STATEMENT_INSERT_PG.format(statements=statements), [*columns, *pairs]
    fields = [Statement._meta.get_field(name) for name in STATEMENT_FIELDS]
    params: list = []
    for row in rows:
        values = [
            f.get_db_prep_save(v, connection) for f, v in zip(fields, row.values, strict=True)
        ]
        params.extend(values)
        params.extend((values[0], values[1]))  # the voided-first probe: id, institution
    rows_sql = "VALUES " + ", ".join([STATEMENT_ROW] * len(rows))
    return STATEMENT_INSERT.format(rows=rows_sql), params


def _insert(rows: list[_NewRow]) -> set[uuid.UUID]:
    """Insert `rows` with their agent and activity rows, skipping ids already stored
    (`ON CONFLICT DO NOTHING`); returns the ids inserted. The id check, the insert and the
    voided-first check are one query (on PostgreSQL the agent and activity rows too).
    """
    pk = Statement._meta.pk
    inserted: set[uuid.UUID] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            cursor.execute(*statement_insert_sql(rows[start : start + INSERT_CHUNK]))
            inserted.update(pk.to_python(value) for (value,) in cursor.fetchall())
    if connection.vendor != "postgresql":
        new = [row for row in rows if row.id in inserted]
        _insert_pairs(StatementAgent, [(row.id, key) for row in new for key in row.agents])
        _insert_pairs(StatementActivity, [(row.id, iri) for row in new for iri in row.activities])
    return inserted


def _insert_pairs(model, pairs: list[tuple]) -> None:
    """INSERT the (statement id, value) rows of StatementAgent or StatementActivity."""
    value_field, sql = PAIR_INSERT[model]
    fields = [model._meta.get_field("statement"), model._meta.get_field(value_field)]
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), INSERT_CHUNK):
            chunk = pairs[start : start + INSERT_CHUNK]
            params = [
                f.get_db_prep_save(v, connection)
                for pair in chunk
                for f, v in zip(fields, pair, strict=True)
            ]
            cursor.execute(
                sql.format(rows="VALUES " + ", ".join(["(%s, %s)"] * len(chunk))), params
            )


def new_row(statement: dict, *, institution, client, stored) -> _NewRow:
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    registration = statement.get("context", {}).get("registration")
    statement_id = uuid.UUID(statement["id"])
    verb = statement["verb"]["id"]
    voids = uuid.UUID(obj["id"]) if verb == validation.VOIDED_VERB else None
    values = (
        statement_id,
        institution.pk,
        client.pk if client is not None else None,
        stored,
        verb,
        obj["id"] if kind == "Activity" else "",
        uuid.UUID(registration) if registration else None,
        validation.agent_key(statement["actor"]),
        validation.agent_key(obj) if kind in ("Agent", "Group") else "",
        voids,
        uuid.UUID(obj["id"]) if kind == "StatementRef" else None,
        statement,
    )
    keys: set[str] = set()
    _agents_of(statement, keys)
    iris: set[str] = set()
    _activities_of(statement, iris)
    return _NewRow(
        id=statement_id,
        verb_id=verb,
        voids=voids,
        values=values,
        agents=sorted(keys),
        activities=sorted(iris),
    )


def _store(institution, statements: list[dict], authority: dict, client) -> StoreOutcome:
    now = timezone.now()
    stored = now.replace(microsecond=now.microsecond // 1000 * 1000)
    stored_text = format_timestamp(stored)
    rows, new_statements, ids = [], [], []
    for original in statements:
        statement = _normalise(original)
        statement["id"] = str(uuid.UUID(statement["id"]) if "id" in statement else uuid.uuid4())
        ids.append(uuid.UUID(statement["id"]))
        # What the LRS adds; a statement already stored keeps its own (it is not rewritten).
        incoming = dict(statement)
        statement["stored"] = stored_text
        statement.setdefault("timestamp", stored_text)
        statement["authority"] = authority
        statement.setdefault("version", DEFAULT_VERSION)
        rows.append(new_row(statement, institution=institution, client=client, stored=stored))
        new_statements.append((statement, incoming))

    targets = {row.voids: row for row in rows if row.voids is not None}
    if targets:
        _void_targets(institution=institution, rows=rows, targets=targets)

    inserted = _insert(rows)
    if len(inserted) < len(rows):
        _check_repeats(institution, new_statements, inserted)
        kept = [i for i, row in enumerate(rows) if row.id in inserted]
        rows = [rows[i] for i in kept]
        new_statements = [new_statements[i] for i in kept]
        targets = {row.voids: row for row in rows if row.voids is not None}
    written = [statement for statement, _incoming in new_statements]
    _activities_merge(institution, written, authority, now)
    # The forwarding outbox, in the same transaction: a stored statement is never missed.
    forwarding.outbox_enqueue(institution=institution, rows=rows, client=client)
    if targets:
        Statement.objects.filter(institution=institution, pk__in=list(targets)).update(voided=True)
    return StoreOutcome(ids=ids, created=len(rows))


def _check_repeats(institution, statements: list[tuple[dict, dict]], inserted: set) -> None:
    """The ids of the batch that were stored already: the same content is a no-op, other
    content (or another institution's statement) a conflict (the batch rolls back)."""
    repeated = {
        uuid.UUID(statement["id"]): incoming
        for statement, incoming in statements
        if uuid.UUID(statement["id"]) not in inserted
    }
    for found in Statement.objects.filter(pk__in=list(repeated)).only(
        "id", "institution_id", "payload"
    ):
        # Another institution's id says nothing about its content.
        if found.institution_id != institution.pk or not _same_content(
            repeated[found.id], found.payload
        ):
            raise StatementConflict(
                f"statement {found.id} is already stored with different content"
            )


def _definitions_of(part: dict, found: list[tuple[str, dict]]) -> None:
    obj = part.get("object", {})
    if obj.get("objectType", "Activity") == "Activity" and obj.get("definition"):
        found.append((obj["id"], obj["definition"]))
    for items in part.get("context", {}).get("contextActivities", {}).values():
        found.extend((item["id"], item["definition"]) for item in items if item.get("definition"))
    if obj.get("objectType") == "SubStatement":
        _definitions_of(obj, found)


def _authority_key(authority: dict) -> str:
    return validation.agent_key(authority) or json.dumps(authority, sort_keys=True)


_MAPS = ("name", "description", "extensions")


def merge_definition(current: dict, incoming: dict, *, owner: bool) -> dict:
    """The owner's newer definition wins key by key (language maps merged by language);
    another authority only adds languages and properties the definition lacks."""
    merged = dict(current)
    for key, value in incoming.items():
        if key in _MAPS and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value} if owner else {**value, **merged[key]}
        elif owner or key not in merged:
            merged[key] = value
    return merged


def _activities_merge(institution, statements: list[dict], authority: dict, now) -> None:
    """Fold the batch's activity definitions into the canonical ones.

    Known activities whose definition the batch does not change (the usual case: content
    sends the same definition every time) cost one unlocked read and take no lock, so
    concurrent writers of the same lessons do not queue behind each other. New ones are
    inserted ignoring a concurrent creation; a definition that changes, or a creation
    another writer won, is merged under the row lock (taken in key order: no deadlock),
    so two batches adding languages at once both keep theirs.
    """
    found: dict[str, list[tuple[str, dict]]] = {}
    for statement in statements:
        pairs: list[tuple[str, dict]] = []
        _definitions_of(statement, pairs)
        for iri, definition in pairs:
            found.setdefault(iri_hash(iri), []).append((iri, definition))
    if not found:
        return
    who = _authority_key(authority)

    def folded(current: dict, owner: bool, key: str) -> dict:
        for _iri, definition in found[key]:
            current = merge_definition(current, definition, owner=owner)
        return current

    known = _activity_definitions(institution, list(found))
    to_lock = set()
    created = {}
    for key, pairs in found.items():
        if key not in known:
            created[key] = Activity(
                institution=institution,
                iri_hash=key,
                iri=pairs[0][0],
                definition=folded(pairs[0][1], True, key),
                owner_key=who,
                updated=now,
            )
        else:
            definition, owner_key = known[key]
            if folded(definition, owner_key == who, key) != definition:
                to_lock.add(key)
    if created:
        # In key order: two writers inserting overlapping new keys wait, never deadlock.
        Activity.objects.bulk_create(
            [created[key] for key in sorted(created)], ignore_conflicts=True
        )
        # Another writer may have created some of them since our read: theirs stands,
        # and ours is merged into it like any other change.
        for row in Activity.objects.filter(institution=institution, iri_hash__in=list(created)):
            mine = created[row.iri_hash]
            if (row.owner_key, row.definition) != (mine.owner_key, mine.definition):
                to_lock.add(row.iri_hash)
    if not to_lock:
        return
    changed = []
    for row in (
        Activity.objects.select_for_update()
        .filter(institution=institution, iri_hash__in=sorted(to_lock))
        .order_by("iri_hash")
    ):
        merged = folded(row.definition, row.owner_key == who, row.iri_hash)
        if merged != row.definition:
            row.definition, row.updated = merged, now
            changed.append(row)
    if changed:
        Activity.objects.bulk_update(changed, ["definition", "updated"])


def _activity_definitions(institution, keys: list[str]) -> dict[str, tuple[dict, str]]:
    """The stored definition and owner of each of these activities (by IRI hash) that exists."""
    definition = Activity._meta.get_field("definition")
    with connection.cursor() as cursor:
        cursor.execute(
            ACTIVITY_DEFINITIONS.format(keys=", ".join(["%s"] * len(keys))),
            [institution.pk, *keys],
        )
        return {
            key: (definition.from_db_value(value, None, connection), owner)
            for key, value, owner in cursor.fetchall()
        }


def _void_targets(*, institution, rows: list[_NewRow], targets: dict) -> None:
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


# Documents ------------------------------------------------------------------------------


class DocumentPreconditionFailed(Exception):
    """If-Match or If-None-Match does not hold (answered with 412)."""


class DocumentConflict(Exception):
    """A PUT over an existing document without If-Match or If-None-Match (409)."""


class DocumentPreconditionRequired(Exception):
    """A PUT creating a document without If-Match or If-None-Match, refused (400)."""


@dataclass(frozen=True)
class DocumentAddress:
    """Where a document lives: its kind, activity, agent and registration ("" when absent)."""

    kind: str
    activity_id: str = ""
    agent_key: str = ""
    registration: str = ""

    @property
    def scope(self) -> str:
        joined = "\x1f".join((self.kind, self.activity_id, self.agent_key, self.registration))
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def document_etag(content: bytes) -> str:
    """SHA-1 of the content in hexadecimal (the ETag, unquoted)."""
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()}


def _check_preconditions(
    existing: Document | None, *, if_match: str | None, if_none_match: str | None
) -> None:
    if if_match is not None:
        tags = _etags(if_match)
        if existing is None or ("*" not in tags and existing.etag not in tags):
            raise DocumentPreconditionFailed("If-Match does not match the current document")
    if if_none_match is not None and existing is not None:
        tags = _etags(if_none_match)
        if "*" in tags or existing.etag in tags:
            raise DocumentPreconditionFailed("If-None-Match: the document already exists")


def _json_object(content: bytes, content_type: str, what: str) -> dict:
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise validation.XAPIValidationError(f"{what}: a merge needs application/json")
    try:
        value = validation.json_loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise validation.XAPIValidationError(f"{what}: not valid JSON") from exc
    if not isinstance(value, dict):
        raise validation.XAPIValidationError(f"{what}: a merge needs a JSON object")
    return value


def _locked(institution, address: DocumentAddress, document_id: str) -> Document | None:
    # The row lock makes a check-then-write of If-Match atomic: a second writer with the
    # same ETag waits here, then sees the new ETag and fails with 412.
    return (
        Document.objects.select_for_update()
        .filter(institution=institution, scope=address.scope, document_id=document_id)
        .first()
    )


def document_save(
    *,
    institution,
    address: DocumentAddress,
    document_id: str,
    content: bytes,
    content_type: str,
    merge: bool = False,
    if_match: str | None = None,
    if_none_match: str | None = None,
    client: LRSClient | None = None,
    replace_needs_precondition: bool = True,
    create_needs_precondition: bool = False,
) -> Document:
    """PUT (replace) or POST (`merge`: JSON objects merged one level deep) a document.

    Raises `DocumentPreconditionFailed` (412), `DocumentConflict` (409: PUT over an
    existing document without a precondition) or `XAPIValidationError` (400: a merge of
    anything but JSON objects). `replace_needs_precondition` False lets a PUT without
    headers overwrite (State under xAPI 1.0.x, which asks ETags of profiles only);
    `create_needs_precondition` True refuses a headerless PUT creating one
    (`DocumentPreconditionRequired`, 400: the credentials' strict concurrency).
    Documents are not audited: like statements, each row
    records the credentials and time of its last write.
    """
    content_type = content_type or "application/octet-stream"
    if merge:
        incoming = _json_object(content, content_type, "the posted document")
    try:
        with transaction.atomic():
            existing = _locked(institution, address, document_id)
            _check_preconditions(existing, if_match=if_match, if_none_match=if_none_match)
            unconditional = if_match is None and if_none_match is None
            if existing is not None and not merge and unconditional and replace_needs_precondition:
                raise DocumentConflict(
                    "the document exists: send If-Match with its ETag to replace it, "
                    "or If-None-Match: * to create it only if absent"
                )
            if existing is None and not merge and unconditional and create_needs_precondition:
                raise DocumentPreconditionRequired(
                    "a PUT must carry If-Match or If-None-Match: send If-None-Match: * "
                    "to create this document"
                )
            if merge and existing is not None:
                stored = _json_object(
                    bytes(existing.content), existing.content_type, "the stored document"
                )
                content = json.dumps({**stored, **incoming}, ensure_ascii=False).encode("utf-8")
                content_type = "application/json"
            document = existing or Document(
                institution=institution,
                kind=address.kind,
                scope=address.scope,
                activity_id=address.activity_id,
                agent_key=address.agent_key,
                registration=address.registration,
                document_id=document_id,
            )
            document.content = content
            document.content_type = content_type
            document.etag = document_etag(content)
            document.updated = timezone.now()
            document.client = client
            document.save()
            return document
    except IntegrityError as exc:
        # A concurrent writer created the same document between our lookup and insert.
        raise DocumentPreconditionFailed(
            "the document was created concurrently; read it and retry"
        ) from exc


@transaction.atomic
def document_delete(
    *,
    institution,
    address: DocumentAddress,
    document_id: str | None,
    if_match: str | None = None,
) -> int:
    """Delete one document, or (`document_id` None) every document at the address."""
    if document_id is None:
        deleted, _kinds = Document.objects.filter(
            institution=institution, scope=address.scope
        ).delete()
        return deleted
    existing = _locked(institution, address, document_id)
    if if_match is not None:
        _check_preconditions(existing, if_match=if_match, if_none_match=None)
    if existing is None:
        return 0
    existing.delete()
    return 1
