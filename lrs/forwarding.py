"""Forwarding an institution's statements to an external LRS it runs.

Every statement stored for an institution with an active destination gets an outbox row
(`ForwardingItem`) per matching destination, written in the same transaction as the
statement (`outbox_enqueue`, called from the write path), so nothing stored is missed and
nothing is queued that did not commit. `forward_due` (task `lrs_forward_task`, command
`manage.py lrs_forward`) claims due rows, POSTs them in batches, marks them sent, and on
failure retries with exponential backoff until `max_attempts`, then marks them failed
with the error kept. Statement ids make a resend harmless: an LRS answers a repeated id
with equal content as a no-op (xAPI 1.0.3 §2.2.s4), so a batch that reached the
destination but whose answer was lost is simply sent again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from institutions.api import audit_record, require_admin

from . import validation
from .models import ForwardingDestination, ForwardingItem

logger = logging.getLogger(__name__)

#: First retry after this long; each further failure doubles it, up to `BACKOFF_CAP`.
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=6)
#: A claimed batch is left alone by other senders for this long (a crashed sender's batch
#: becomes due again afterwards).
LEASE = timedelta(minutes=5)
#: Seconds to connect and to wait for an answer.
TIMEOUT = (5, 30)
#: Sent rows are kept this long, for the admin view's counts, then deleted.
KEEP_SENT = timedelta(days=7)
ERROR_LENGTH = 2000


# Secrets ----------------------------------------------------------------------------------


def _fernet() -> Fernet:
    # Derived from the deployment's secret key (config/env.py: DJANGO_SECRET_KEY), so no
    # second secret needs managing; rotating the secret key means re-entering passwords.
    digest = hashlib.sha256(b"taynghe.lrs.forwarding\x00" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def password_encrypt(password: str) -> str:
    """The password as a Fernet token (AES-128-CBC with HMAC-SHA256, random IV)."""
    return _fernet().encrypt(password.encode("utf-8")).decode("ascii")


def password_decrypt(token: str) -> str:
    """The password back; `InvalidToken` if the secret key changed since it was stored."""
    return _fernet().decrypt(token.encode("ascii")).decode("utf-8")


# Destinations -----------------------------------------------------------------------------


def _clean_endpoint(endpoint: str) -> str:
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise validation.XAPIValidationError("endpoint: must be an http or https URL")
    if parts.query or parts.fragment:
        raise validation.XAPIValidationError("endpoint: must not have a query or fragment")
    return endpoint.strip().rstrip("/") + "/"


def _clean_verbs(verbs) -> list[str]:
    cleaned = []
    for index, verb in enumerate(verbs or []):
        verb = verb.strip()
        if verb:
            validation.iri(verb, f"verbs[{index}]")
            cleaned.append(verb)
    return cleaned


@transaction.atomic
def destination_create(
    *,
    actor,
    institution,
    name: str,
    endpoint: str,
    username: str,
    password: str,
    version: str = ForwardingDestination.Version.V103,
    only_platform: bool = False,
    verbs=(),
    batch_size: int = 100,
    max_attempts: int = 8,
) -> ForwardingDestination:
    """Forward `institution`'s statements from now on to the LRS at `endpoint` (audited).

    Raises `PermissionDenied` unless `actor` administers the institution, and
    `XAPIValidationError` for a bad endpoint, version or verb IRI.
    """
    require_admin(
        actor, institution.pk, _("Only this institution's administrators configure forwarding.")
    )
    if version not in ForwardingDestination.Version.values:
        raise validation.XAPIValidationError(f"version: must be one of 1.0.3, 2.0.0, not {version}")
    if not 1 <= batch_size <= 500 or not 1 <= max_attempts <= 50:
        raise validation.XAPIValidationError("batch_size 1–500 and max_attempts 1–50")
    destination = ForwardingDestination.objects.create(
        institution=institution,
        name=name,
        endpoint=_clean_endpoint(endpoint),
        version=version,
        username=username,
        password_encrypted=password_encrypt(password),
        only_platform=only_platform,
        verbs=_clean_verbs(verbs),
        batch_size=batch_size,
        max_attempts=max_attempts,
    )
    audit_record(
        actor=actor,
        action="lrs_forwarding.create",
        obj=destination,
        institution=institution,
        data={
            "endpoint": destination.endpoint,
            "only_platform": only_platform,
            "verbs": destination.verbs,
        },
    )
    return destination


@transaction.atomic
def destination_deactivate(*, actor, destination: ForwardingDestination) -> None:
    """Stop forwarding to a destination: nothing more is queued or sent (audited)."""
    require_admin(
        actor,
        destination.institution_id,
        _("Only this institution's administrators configure forwarding."),
    )
    destination.active = False
    destination.save(update_fields=["active"])
    audit_record(
        actor=actor,
        action="lrs_forwarding.deactivate",
        obj=destination,
        institution=destination.institution,
    )


@transaction.atomic
def destination_retry_failed(*, actor, destination: ForwardingDestination) -> int:
    """Queue the destination's failed statements again, due now; returns how many (audited)."""
    require_admin(
        actor,
        destination.institution_id,
        _("Only this institution's administrators configure forwarding."),
    )
    count = ForwardingItem.objects.filter(
        destination=destination, status=ForwardingItem.Status.FAILED
    ).update(status=ForwardingItem.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
    audit_record(
        actor=actor,
        action="lrs_forwarding.retry_failed",
        obj=destination,
        institution=destination.institution,
        data={"items": count},
    )
    return count


# The outbox -------------------------------------------------------------------------------


ACTIVE_DESTINATIONS = (
    "SELECT id, only_platform, verbs FROM lrs_forwardingdestination "
    "WHERE institution_id = %s AND active = %s"
)


def outbox_enqueue(*, institution, rows, client) -> int:
    """Queue newly stored statements for the institution's active destinations.

    Called inside the transaction that inserts `rows` (Statement objects). One query when
    the institution forwards nothing; two otherwise. A statement written without
    credentials (`client` None: `lrs.api.record`) is a platform statement.
    """
    if not rows:
        return 0
    verbs_field = ForwardingDestination._meta.get_field("verbs")
    with connection.cursor() as cursor:
        # Written by hand: this runs on every statement write (see services.STATEMENT_INSERT).
        cursor.execute(ACTIVE_DESTINATIONS, [institution.pk, True])
        destinations = [
            (pk, only_platform, verbs_field.from_db_value(verbs, None, connection))
            for pk, only_platform, verbs in cursor.fetchall()
        ]
    if not destinations:
        return 0
    now = timezone.now()
    items = [
        ForwardingItem(destination_id=pk, statement_id=row.id, next_attempt_at=now)
        for pk, only_platform, verbs in destinations
        if not (only_platform and client is not None)
        for row in rows
        if not verbs or row.verb_id in verbs
    ]
    ForwardingItem.objects.bulk_create(items)
    return len(items)


# Sending ----------------------------------------------------------------------------------


@dataclass
class ForwardReport:
    """What one run of `forward_due` did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class _BatchFailed(Exception):
    """The destination did not take the batch; retry it later."""


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 30 s, 1 min, 2 min, … at most 6 h."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def _claim(destination: ForwardingDestination, now) -> list[ForwardingItem]:
    """Take the next due batch; concurrent senders skip rows another one holds."""
    with transaction.atomic():
        ids = list(
            ForwardingItem.objects.select_for_update(skip_locked=True)
            .filter(
                destination=destination,
                status=ForwardingItem.Status.PENDING,
                next_attempt_at__lte=now,
            )
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[: destination.batch_size]
        )
        if ids:
            ForwardingItem.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return list(
        ForwardingItem.objects.filter(pk__in=ids).select_related("statement").order_by("id")
    )


def _outgoing(payload: dict) -> dict:
    # `stored` and `authority` are the receiving LRS's to set (xAPI 1.0.3 §2.4.8, §2.4.9).
    return {k: v for k, v in payload.items() if k not in ("stored", "authority")}


def _request(session, destination, password, method, body, statement_id=None):
    url = destination.endpoint + "statements"
    params = {"statementId": statement_id} if statement_id else None
    try:
        return session.request(
            method,
            url,
            params=params,
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={
                "Content-Type": "application/json",
                "X-Experience-API-Version": destination.version,
                "Authorization": _basic(destination.username, password),
            },
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise _BatchFailed(f"{type(exc).__name__}: {exc}") from exc


def _basic(username: str, password: str) -> str:
    # UTF-8, as RFC 7617 allows (requests would encode Latin-1 and fail on Vietnamese).
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def _answer_error(response) -> str:
    return f"HTTP {response.status_code}: {response.text[:500]}"


def _send(session, destination, password, items) -> dict[int, str]:
    """Send a batch; returns the items that the destination refuses for good, with why.

    One POST of the whole batch. When the destination refuses it as a whole (400 or 409),
    each statement goes alone by PUT, so one bad or conflicting statement does not hold
    back the others. Raises `_BatchFailed` when the destination cannot take it now.
    """
    response = _request(
        session, destination, password, "POST", [_outgoing(i.statement.payload) for i in items]
    )
    if response.status_code == 200:
        return {}
    if response.status_code not in (400, 409):
        raise _BatchFailed(_answer_error(response))
    refused = {}
    for item in items:
        payload = _outgoing(item.statement.payload)
        single = _request(session, destination, password, "PUT", payload, payload["id"])
        if single.status_code in (200, 204):
            continue
        if single.status_code in (400, 409):
            refused[item.pk] = _answer_error(single)
        else:
            raise _BatchFailed(_answer_error(single))
    return refused


def _record_failure(items, error: str, now, report: ForwardReport, max_attempts: int) -> None:
    error = error[:ERROR_LENGTH]
    for item in items:
        item.attempts += 1
        item.last_error = error
        item.last_attempt_at = now
        if item.attempts >= max_attempts:
            item.status = ForwardingItem.Status.FAILED
            report.failed += 1
        else:
            item.next_attempt_at = now + backoff(item.attempts)
            report.retried += 1
    ForwardingItem.objects.bulk_update(
        items, ["attempts", "last_error", "last_attempt_at", "status", "next_attempt_at"]
    )


def destination_forward(
    destination: ForwardingDestination, *, max_batches: int = 100, session=None
) -> ForwardReport:
    """Send one destination's due statements, batch after batch, until none is due, a
    batch fails, or `max_batches` were sent."""
    report = ForwardReport()
    session = session or requests.Session()
    try:
        password = password_decrypt(destination.password_encrypted)
    except InvalidToken:
        password = None
    for _batch in range(max_batches):
        now = timezone.now()
        items = _claim(destination, now)
        if not items:
            break
        try:
            if password is None:
                raise _BatchFailed("the stored password cannot be read: enter it again")
            refused = _send(session, destination, password, items)
        except Exception as exc:  # any failure is this batch's: kept and retried
            error = str(exc) if isinstance(exc, _BatchFailed) else f"{type(exc).__name__}: {exc}"
            logger.warning("LRS forwarding to %s failed: %s", destination.endpoint, error)
            report.errors.append(error)
            _record_failure(items, error, now, report, destination.max_attempts)
            break
        now = timezone.now()
        for item in items:
            item.attempts += 1
            item.last_attempt_at = now
            if item.pk in refused:
                # The destination will never take it as it is: no point retrying.
                item.status = ForwardingItem.Status.FAILED
                item.last_error = refused[item.pk][:ERROR_LENGTH]
                report.failed += 1
            else:
                item.status = ForwardingItem.Status.SENT
                item.sent_at = now
                item.last_error = ""
                report.sent += 1
        ForwardingItem.objects.bulk_update(
            items, ["attempts", "last_attempt_at", "status", "sent_at", "last_error"]
        )
    return report


def forward_due(*, destination_id: int | None = None, max_batches: int = 100) -> ForwardReport:
    """Send every active destination's due statements (the task and the command call this).

    Sent rows older than `KEEP_SENT` are deleted on the way, so the outbox stays small.
    """
    total = ForwardReport()
    destinations = ForwardingDestination.objects.filter(active=True).order_by("pk")
    if destination_id is not None:
        destinations = destinations.filter(pk=destination_id)
    session = requests.Session()
    for destination in destinations:
        report = destination_forward(destination, max_batches=max_batches, session=session)
        total.sent += report.sent
        total.retried += report.retried
        total.failed += report.failed
        total.errors += report.errors
    ForwardingItem.objects.filter(
        status=ForwardingItem.Status.SENT, sent_at__lt=timezone.now() - KEEP_SENT
    ).delete()
    return total


# Reading (the admin view) -----------------------------------------------------------------


@dataclass(frozen=True)
class DestinationSummary:
    """A destination with its pending, sent and failed counts and its latest errors."""

    destination: ForwardingDestination
    pending: int
    sent: int
    failed: int
    last_attempt_at: object
    errors: list[tuple[uuid.UUID, str, object]]


def destinations_summary(destinations) -> list[DestinationSummary]:
    """Counts for each destination (one query), and each one's five latest errors."""
    destinations = list(destinations)
    counts = {
        row["destination"]: row
        for row in ForwardingItem.objects.filter(destination__in=destinations)
        .values("destination")
        .annotate(
            pending=Count("pk", filter=Q(status=ForwardingItem.Status.PENDING)),
            sent=Count("pk", filter=Q(status=ForwardingItem.Status.SENT)),
            failed=Count("pk", filter=Q(status=ForwardingItem.Status.FAILED)),
            last=Max("last_attempt_at"),
        )
    }
    summaries = []
    for destination in destinations:
        row = counts.get(destination.pk, {})
        errors = list(
            ForwardingItem.objects.filter(destination=destination)
            .exclude(last_error="")
            .order_by("-last_attempt_at", "-pk")
            .values_list("statement_id", "last_error", "last_attempt_at")[:5]
        )
        summaries.append(
            DestinationSummary(
                destination=destination,
                pending=row.get("pending", 0),
                sent=row.get("sent", 0),
                failed=row.get("failed", 0),
                last_attempt_at=row.get("last"),
                errors=errors,
            )
        )
    return summaries
