"""The attempt engine: attempts prepared before the start, a server-owned clock, idempotent
sequenced saves, and an idempotent submit that marks what the server confirmed.

Every state change is keyword-only and atomic, checks who acts, and is audited (saves,
being the hot path, are not: the stored answer with its sequence number is their record).
"""

from __future__ import annotations

import ipaddress
import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from wagtail.rich_text import expand_db_html

from institutions.api import InstitutionRole, audit_record, institution_ids_for, require_staff

from . import questions, xapi
from . import services as item_services
from .models import (
    Accommodation,
    Answer,
    Attempt,
    AttemptQuestion,
    AttemptRelease,
    BlueprintRule,
    Exam,
    ExamItem,
    ExamVersion,
    ItemVersion,
    ItemVersionLabel,
)
from .questions.base import to_score

# A response is a learner's answer to one question; nothing legitimate comes near this.
MAX_RESPONSE_BYTES = 64 * 1024
MAX_SEQ = 2**31 - 1
# A save in one statement: the answer is inserted, or replaces a stored one of lower seq.
ANSWER_UPSERT = (
    "INSERT INTO assessment_answer (question_id, seq, response, client_time, saved_at) "
    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (question_id) DO UPDATE SET "
    "seq = excluded.seq, response = excluded.response, "
    "client_time = excluded.client_time, saved_at = excluded.saved_at "
    "WHERE assessment_answer.seq < excluded.seq RETURNING seq"
)
# The token-held save's locked read: the question, its item version's type and body, and the
# attempt's state (overdue: the deadline plus grace has passed), for an active learner.
HELD_QUESTION_SQL = (
    "SELECT q.id, q.id_map, q.view, v.question_type, v.body, a.status, "
    "a.paused_at IS NOT NULL, a.deadline IS NOT NULL AND a.deadline < %s "
    "FROM assessment_attemptquestion q "
    "JOIN assessment_attempt a ON a.id = q.attempt_id "
    "JOIN institutions_user u ON u.id = a.learner_id "
    "JOIN assessment_itemversion v ON v.id = q.item_version_id "
    "WHERE q.attempt_id = %s AND a.learner_id = %s AND u.is_active AND q.key = %s"
)
# The save token's signing salt: a token signed for anything else never verifies here.
SAVE_TOKEN_SALT = "assessment.attempt-save"  # noqa: S105 -- a namespace, not a secret
# A real token is about 100 characters; a longer header is not hashed at all.
MAX_SAVE_TOKEN_CHARS = 200
# Lists of a learner view whose entries carry ids the response refers to.
ID_LISTS = ("options", "steps", "prompts", "choices")


def grace_seconds() -> int:
    """Seconds after the deadline in which saves are still accepted (they were made in time
    on a slow or broken network) and before the attempt is submitted automatically."""
    return int(getattr(settings, "ASSESSMENT_SAVE_GRACE_SECONDS", 120))


class AttemptRefused(Exception):
    """An attempt operation that cannot happen now; `code` names why for clients."""

    code = "refused"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AttemptClosed(AttemptRefused):
    code = "closed"


class DeadlinePassed(AttemptRefused):
    code = "deadline_passed"


class NotStarted(AttemptRefused):
    code = "not_started"


class SeqConflict(AttemptRefused):
    code = "seq_conflict"


class UnknownQuestion(AttemptRefused):
    code = "unknown_question"


class AccessRefused(AttemptRefused):
    code = "access_refused"


class AttemptPaused(AttemptRefused):
    code = "paused"


@dataclass(frozen=True)
class SaveResult:
    """The outcome of a save: `saved`, `unchanged` (the same seq again) or `stale` (a newer
    answer is stored, it stays); `seq` is the stored sequence number afterwards."""

    status: str
    seq: int
    saved_at: datetime


# ---------------------------------------------------------------------------
# Preparation: drawing, shuffling and presenting happen here, before the start.


def _token(used: set[str], prefix: str) -> str:
    while True:
        token = prefix + secrets.token_hex(5)
        if token not in used:
            used.add(token)
            return token


def _opaque(view: dict, question_type: str) -> tuple[dict, dict[str, str]]:
    """Replace authored option/step/prompt/choice ids by per-attempt tokens; answers the map back."""
    id_map: dict[str, str] = {}
    used: set[str] = set()

    def rewrite(container: dict) -> None:
        for key in ID_LISTS:
            for entry in container.get(key) or []:
                token = _token(used, "o")
                id_map[token] = entry["id"]
                entry["id"] = token

    rewrite(view)
    if question_type == "cloze":
        for gap in view.get("gaps", []):
            rewrite(gap)
    return view, id_map


def marks_text(value: Decimal) -> str:
    """A score as people write it: 1, 2.5, 0.3333 (not 1.0000)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _stem(version: ItemVersion, cache: dict) -> str:
    """The stem as HTML (embeds expanded), expanded once per version while preparing."""
    if version.pk not in cache:
        cache[version.pk] = expand_db_html(version.stem)
    return cache[version.pk]


def _present(
    version: ItemVersion, rng: random.Random, shuffle_options: bool, stems: dict | None = None
) -> tuple[dict, dict]:
    body = version.body
    if shuffle_options and "options" in body:
        body = {**body, "shuffle": True}
    question = version.question
    learner_body, id_map = _opaque(question.learner_view(body, rng), version.question_type)
    view = {
        "type": version.question_type,
        "stem": _stem(version, stems if stems is not None else {}),
        "body": learner_body,
        "points": marks_text(question.max_score(version.body)),
    }
    return view, id_map


class _Drawer:
    """Draws and presents questions for many learners of one exam version, reading the
    banks once."""

    def __init__(self, *, actor, version: ExamVersion):
        self.actor = actor
        self.version = version
        self.sections = list(version.sections.prefetch_related("items", "rules__bank"))
        self.candidates: dict[int, list[tuple[int, int]]] = {}
        self.stems: dict[int, str] = {}
        self.versions: dict[int, ItemVersion] = {
            row.item_version_id: row.item_version
            for row in ExamItem.objects.filter(section__version=version).select_related(
                "item_version"
            )
        }
        self.locked: set[int] = {pk for pk, v in self.versions.items() if v.is_locked}

    def _candidates(self, rule: BlueprintRule) -> list[tuple[int, int]]:
        if rule.pk not in self.candidates:
            newest = (
                ItemVersion.objects.filter(item=OuterRef("item"))
                .order_by("-number")
                .values("number")
            )
            query = ItemVersion.objects.all()
            if self.actor is not None:
                query = ItemVersion.objects.visible_to(self.actor)
            query = query.filter(item__bank=rule.bank_id, number=Subquery(newest[:1]))
            if rule.tag:
                query = query.filter(
                    pk__in=ItemVersionLabel.objects.filter(
                        kind=ItemVersionLabel.Kind.TAG, value=rule.tag
                    ).values("version")
                )
            if rule.outcome_code:
                query = query.filter(
                    pk__in=ItemVersionLabel.objects.filter(
                        kind=ItemVersionLabel.Kind.OUTCOME, value=rule.outcome_code
                    ).values("version")
                )
            if rule.difficulty:
                query = query.filter(difficulty=rule.difficulty)
            self.candidates[rule.pk] = list(query.order_by("pk").values_list("pk", "item_id"))
        return self.candidates[rule.pk]

    def _version(self, pk: int) -> ItemVersion:
        if pk not in self.versions:
            self.versions.update(ItemVersion.objects.in_bulk([pk]))
        version = self.versions[pk]
        if pk not in self.locked:
            version = item_services.item_version_lock(
                actor=self.actor, version=version, reason=f"exam {self.version.exam_id}"
            )
            self.versions[pk] = version
            self.locked.add(pk)
        return version

    def draw(self, rng: random.Random) -> list[tuple[str, ItemVersion]]:
        """(section title, version) in the order this learner sees them."""
        drawn: list[tuple[str, ItemVersion]] = []
        used_items = {v.item_id for v in self.versions.values() if v.pk in self._fixed_pks()}
        for section in self.sections:
            chosen = [self._version(row.item_version_id) for row in section.items.all()]
            for rule in section.rules.all():
                available = [pk for pk, item in self._candidates(rule) if item not in used_items]
                if len(available) < rule.count:
                    raise ValidationError(
                        _("Only %(found)d items match a rule that needs %(count)d.")
                        % {"found": len(available), "count": rule.count}
                    )
                for pk in rng.sample(available, rule.count):
                    version = self._version(pk)
                    used_items.add(version.item_id)
                    chosen.append(version)
            if self.version.shuffle_items:
                rng.shuffle(chosen)
            drawn.extend((section.title, version) for version in chosen)
        return drawn

    def _fixed_pks(self) -> set[int]:
        return {row.item_version_id for section in self.sections for row in section.items.all()}


def _is_learner_of(user, institution_id: int) -> bool:
    return institution_id in institution_ids_for(user, {InstitutionRole.LEARNER})


@transaction.atomic
def exam_attempts_prepare(*, actor, exam: Exam, learners, admitted: bool = False) -> list[Attempt]:
    """Draw, shuffle and present each learner's next attempt ahead of the start, so starting
    is a read. A learner with an attempt not yet submitted gets that one back; a learner with
    no attempts left is skipped. Answers the attempts ready to sit.

    `admitted` says the caller's access decision already admitted these learners (a course's
    enrolment, through `assessment.api`): they need not be learners of the institution."""
    exam = Exam.objects.select_for_update().select_related("institution").get(pk=exam.pk)
    require_staff(actor, exam.institution_id, _("Only this exam's institution prepares it."))
    if exam.published_at is None:
        raise ValidationError(_("Publish the exam before preparing attempts."))
    version = exam.current_version
    if version.locked_at is None:
        ExamVersion.objects.filter(pk=version.pk).update(locked_at=timezone.now())
        version.refresh_from_db(fields=["locked_at"])
    drawer = _Drawer(actor=actor, version=version)
    ready: list[Attempt] = []
    created = 0
    for learner in learners:
        if not admitted and not _is_learner_of(learner, exam.institution_id):
            raise ValidationError(
                _("%(name)s is not a learner of this institution.") % {"name": learner}
            )
        previous = list(Attempt.objects.filter(exam=exam, learner=learner))
        open_attempt = next((a for a in previous if a.status != Attempt.Status.SUBMITTED), None)
        if open_attempt is not None:
            ready.append(open_attempt)
            continue
        if len(previous) >= version.attempts_allowed:
            continue
        seed = secrets.randbits(62)
        attempt = Attempt.objects.create(
            exam=exam, version=version, learner=learner, number=len(previous) + 1, seed=seed
        )
        rng = random.Random(seed)  # noqa: S311 -- a reproducible draw, not a secret
        rows = []
        keys: set[str] = set()
        for position, (section_title, item_version) in enumerate(drawer.draw(rng), start=1):
            view, id_map = _present(item_version, rng, version.shuffle_options, drawer.stems)
            rows.append(
                AttemptQuestion(
                    attempt=attempt,
                    key=_token(keys, "q"),
                    position=position,
                    section_title=section_title,
                    item_version=item_version,
                    view=view,
                    id_map=id_map,
                    max_score=item_version.question.max_score(item_version.body),
                )
            )
        AttemptQuestion.objects.bulk_create(rows)
        ready.append(attempt)
        created += 1
    audit_record(
        actor=actor,
        action="exam.attempts_prepare",
        obj=exam,
        institution=exam.institution,
        data={"version": version.number, "created": created, "ready": len(ready)},
    )
    return ready


# ---------------------------------------------------------------------------
# The clock.


def deadline_for(version: ExamVersion, accommodation: Accommodation | None, started_at):
    """Start + limit (+ the learner's extra time), never after the exam closes; None if untimed."""
    deadline = None
    if version.time_limit_minutes:
        seconds = version.time_limit_minutes * 60
        if accommodation is not None:
            seconds = seconds * (100 + accommodation.extra_percent) // 100
            seconds += accommodation.extra_minutes * 60
        deadline = started_at + timedelta(seconds=seconds)
    if version.closes_at is not None and (deadline is None or version.closes_at < deadline):
        deadline = version.closes_at
    return deadline


def _ip_allowed(version: ExamVersion, ip: str | None) -> bool:
    if not version.allowed_networks:
        return True
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in version.allowed_networks
    )


def _require_own(attempt: Attempt, learner) -> None:
    if learner is None or attempt.learner_id != getattr(learner, "pk", None):
        raise PermissionDenied(_("This is not your attempt."))


@transaction.atomic
def attempt_start(
    *, attempt: Attempt, learner, access_code: str = "", ip: str | None = None, now=None
) -> Attempt:
    """Start the clock (idempotent: a started or submitted attempt is answered as it is)."""
    locked = _attempt_for_start(Attempt.objects.filter(pk=attempt.pk))
    if locked is None:
        raise Attempt.DoesNotExist
    return _start(locked, learner, access_code, ip, now)


@transaction.atomic
def attempt_start_own(
    *, public_id, learner, access_code: str = "", ip: str | None = None, now=None
) -> Attempt | None:
    """`attempt_start` for the exam client's start spike: the learner's own attempt, named by
    its public id, locked and read in one query (with whether an accommodation applies).

    Returns None when the learner has no such attempt; the caller then asks through the
    attempt, which tells which refusal applies.
    """
    locked = _attempt_for_start(Attempt.objects.filter(public_id=public_id, learner=learner))
    return _start(locked, learner, access_code, ip, now) if locked is not None else None


def _attempt_for_start(rows) -> Attempt | None:
    accommodated = Accommodation.objects.filter(exam=OuterRef("exam"), learner=OuterRef("learner"))
    return (
        rows.select_for_update(of=("self",))
        .select_related("version", "exam__institution")
        .annotate(accommodated=Exists(accommodated))
        .order_by()
        .first()
    )


def _start(attempt: Attempt, learner, access_code, ip, now) -> Attempt:
    now = now or timezone.now()
    _require_own(attempt, learner)
    if attempt.status != Attempt.Status.PREPARED:
        return attempt
    version = attempt.version
    if attempt.exam.published_at is None:
        raise AccessRefused(_("This exam is not open."))
    if version.opens_at is not None and now < version.opens_at:
        raise AccessRefused(_("This exam has not opened yet."))
    if version.closes_at is not None and now >= version.closes_at:
        raise AttemptClosed(_("This exam has closed."))
    if version.access_code and not constant_time_compare(
        str(access_code or ""), version.access_code
    ):
        raise AccessRefused(_("The access code is not right."))
    if not _ip_allowed(version, ip):
        raise AccessRefused(_("This exam cannot be taken from this network."))
    accommodation = (
        Accommodation.objects.filter(exam=attempt.exam, learner=learner).first()
        if attempt.accommodated
        else None
    )
    attempt.started_at = now
    attempt.deadline = deadline_for(version, accommodation, now)
    attempt.status = Attempt.Status.IN_PROGRESS
    attempt.save(update_fields=["started_at", "deadline", "status"])
    audit_record(
        actor=learner,
        action="attempt.start",
        obj=attempt,
        institution=attempt.exam.institution,
        data={"deadline": attempt.deadline.isoformat() if attempt.deadline else None},
    )
    return attempt


def is_overdue(attempt: Attempt, now=None) -> bool:
    """Past the deadline and its grace: no more saves, and the sweep submits it."""
    now = now or timezone.now()
    return (
        attempt.paused_at is None  # a held attempt's clock stands still
        and attempt.deadline is not None
        and now > attempt.deadline + timedelta(seconds=grace_seconds())
    )


# ---------------------------------------------------------------------------
# Answers.


def _map_id(id_map: dict, value: Any) -> str:
    if not isinstance(value, str) or value not in id_map:
        raise ValidationError(_("The answer refers to an option this question does not have."))
    return id_map[value]


def to_authored(question: AttemptQuestion, response: Any) -> Any:
    """A response in this attempt's opaque ids, in the authored ids marking uses.

    An authored id sent directly (a client guessing "a" or "s1") is not a token of this
    attempt and is refused like any unknown id.
    """
    if response is None:
        return None
    id_map, kind = question.id_map, question.view.get("type")
    if kind == "single_choice":
        return _map_id(id_map, response)
    if kind in ("multiple_choice", "ordering"):
        if not isinstance(response, list):
            raise ValidationError(_("The answer must be a list."))
        return [_map_id(id_map, value) for value in response]
    if kind == "matching":
        if not isinstance(response, dict):
            raise ValidationError(_("The answer must pair prompts with choices."))
        return {_map_id(id_map, key): _map_id(id_map, value) for key, value in response.items()}
    if kind == "cloze":
        if not isinstance(response, dict):
            raise ValidationError(_("The answer must give each gap's answer by its id."))
        selects = {gap["id"] for gap in question.view["body"].get("gaps", []) if gap.get("options")}
        return {
            gap: (_map_id(id_map, value) if gap in selects and value is not None else value)
            for gap, value in response.items()
        }
    return response


def _check_response(question: AttemptQuestion, response: Any) -> None:
    if len(json.dumps(response)) > MAX_RESPONSE_BYTES:
        raise ValidationError(_("The answer is too long."))
    authored = to_authored(question, response)
    if authored is not None:
        question.item_version.question.validate_response(question.item_version.body, authored)


def _check_seq(seq: Any) -> int:
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= MAX_SEQ:
        raise ValidationError(_("The sequence number must be a positive whole number."))
    return seq


def _attempt_locked(pk: int) -> Attempt:
    """The attempt row, locked until the transaction ends (PostgreSQL; SQLite locks the file)."""
    return Attempt.objects.select_for_update().get(pk=pk)


@transaction.atomic
def answer_save(
    *,
    attempt: Attempt,
    learner,
    question_key: str,
    seq: int,
    response: Any,
    client_time: datetime | None = None,
    now=None,
) -> SaveResult:
    """Store a learner's answer to one question, idempotently by (attempt, question, seq).

    The same seq with the same answer again is a no-op; a lower seq than the stored one
    is ignored and reported `stale` (it never overwrites a newer answer); the same seq
    with a different answer is a conflict. Saves are accepted until the deadline plus
    the grace period, then refused.
    """
    question = _question_locked(AttemptQuestion.objects.filter(attempt_id=attempt.pk), question_key)
    learner_id = getattr(learner, "pk", None)
    return _save(attempt.pk, question, learner_id, seq, response, client_time, now)


@transaction.atomic
def answer_save_own(
    *,
    public_id,
    learner,
    question_key: str,
    seq: int,
    response: Any,
    client_time: datetime | None = None,
    now=None,
) -> SaveResult | None:
    """`answer_save` for the exam client's hot path: the learner's own attempt, named by its
    public id, is locked and read with the question in one query.

    Returns None when the learner has no such attempt or question; the caller then asks
    `answer_save` through the attempt, which tells which refusal applies.
    """
    question = _question_locked(
        AttemptQuestion.objects.filter(attempt__public_id=public_id, attempt__learner=learner),
        question_key,
    )
    if question is None:
        return None
    learner_id = getattr(learner, "pk", None)
    return _save(question.attempt_id, question, learner_id, seq, response, client_time, now)


def attempt_save_token(attempt: Attempt) -> str:
    """A signed token that lets the exam client save answers to this attempt as its learner
    without a session read per save (`answer_save_held`).

    It names the attempt (public id and key) and its learner, and grants nothing else: every
    save still checks that the attempt is open, in time and the learner's, and that the
    learner's account is active. It needs no expiry: the attempt refuses saves once it is
    submitted or past its deadline and grace.
    """
    return signing.Signer(salt=SAVE_TOKEN_SALT).sign(
        f"{attempt.public_id}:{attempt.pk}:{attempt.learner_id}"
    )


def save_token_read(token: str, public_id) -> tuple[int, int] | None:
    """(attempt key, learner key) that a save token names for this public id; None for a
    token that is malformed, forged, signed with another salt or issued for another attempt."""
    if not token or len(token) > MAX_SAVE_TOKEN_CHARS:
        return None
    try:
        value = signing.Signer(salt=SAVE_TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        return None
    named, _sep, keys = value.partition(":")
    attempt_pk, _sep, learner_pk = keys.partition(":")
    if named != str(public_id) or not attempt_pk.isdigit() or not learner_pk.isdigit():
        return None
    return int(attempt_pk), int(learner_pk)


@transaction.atomic
def answer_save_held(
    *,
    attempt_pk: int,
    learner_id: int,
    question_key: str,
    seq: int,
    response: Any,
    client_time: datetime | None = None,
    now=None,
) -> SaveResult:
    """`answer_save` for a client holding a save token (`save_token_read` verified it): the
    attempt and learner come from the token, so no session or user row is read; a learner
    whose account was deactivated since is refused like a stranger.

    The question, its item version and the attempt's state are read with the attempt row
    locked in one raw SQL statement (`_held_question_locked`), not through the ORM: this
    is the request every examinee makes every few seconds. An unknown question is answered
    through the locked attempt, which tells which refusal applies.
    """
    now = now or timezone.now()
    seq = _check_seq(seq)
    row = _held_question_locked(attempt_pk, learner_id, question_key, now)
    if row is None:
        active = Attempt.objects.filter(
            pk=attempt_pk, learner_id=learner_id, learner__is_active=True
        ).exists()
        return _save(attempt_pk, None, learner_id if active else None, seq, response, None, now)
    question_pk, id_map, view, question_type, body, status, paused, overdue = row
    _refuse_closed(status, paused=bool(paused), overdue=bool(overdue))
    json_field = AttemptQuestion._meta.get_field("view")
    question = AttemptQuestion(
        pk=question_pk,
        id_map=json_field.from_db_value(id_map, None, connection),
        view=json_field.from_db_value(view, None, connection),
        item_version=ItemVersion(
            question_type=question_type, body=json_field.from_db_value(body, None, connection)
        ),
    )
    return _write(question, seq, response, client_time, now)


def _held_lock() -> str:
    if connection.features.has_select_for_update_of:
        return " FOR UPDATE OF a"
    return " FOR UPDATE" if connection.features.has_select_for_update else ""  # SQLite: BEGIN locks


def _held_question_locked(attempt_pk: int, learner_id: int, question_key, now) -> tuple | None:
    """The held save's row (`HELD_QUESTION_SQL`), the attempt locked until the transaction
    ends; None when the attempt has no such question for this active learner.

    `overdue` is computed by the database against the deadline plus grace, as `is_overdue`
    does (a paused attempt is refused as paused first).
    """
    cutoff = connection.ops.adapt_datetimefield_value(now - timedelta(seconds=grace_seconds()))
    with connection.cursor() as cursor:
        cursor.execute(
            HELD_QUESTION_SQL + _held_lock(),
            [cutoff, attempt_pk, learner_id, str(question_key)[:32]],
        )
        return cursor.fetchone()


def _question_locked(rows, question_key: str) -> AttemptQuestion | None:
    """One question with its attempt row locked until the transaction ends.

    The lock serialises saves and submission of one attempt: a save either lands before
    the submit marks, or sees the attempt submitted. (PostgreSQL; SQLite's writers take
    the whole file at BEGIN.) The stored answer is not read here: read in the same query,
    a row another save wrote while this one waited for the lock would be missed.
    """
    return (
        rows.filter(key=str(question_key)[:32])
        .select_related("attempt", "item_version")
        .select_for_update(of=("attempt",))
        .order_by()
        .first()
    )


def _save(attempt_pk, question, learner_id, seq, response, client_time, now) -> SaveResult:
    now = now or timezone.now()
    seq = _check_seq(seq)
    attempt = question.attempt if question is not None else _attempt_locked(attempt_pk)
    if learner_id is None or attempt.learner_id != learner_id:
        raise PermissionDenied(_("This is not your attempt."))
    _refuse_closed(
        attempt.status, paused=attempt.paused_at is not None, overdue=is_overdue(attempt, now)
    )
    if question is None:
        raise UnknownQuestion(_("This attempt has no such question."))
    return _write(question, seq, response, client_time, now)


def _refuse_closed(status: str, *, paused: bool, overdue: bool) -> None:
    """Refuse a save to an attempt that is not taking answers now, saying why."""
    if status == Attempt.Status.SUBMITTED:
        raise AttemptClosed(_("This attempt has been submitted; answers can no longer change."))
    if status == Attempt.Status.PREPARED:
        raise NotStarted(_("Start the attempt before answering."))
    if paused:
        raise AttemptPaused(_("The invigilator has paused this attempt; wait for them."))
    if overdue:
        raise DeadlinePassed(_("The time for this attempt is over; the answer was not saved."))


def _write(question: AttemptQuestion, seq: int, response, client_time, now) -> SaveResult:
    """Validate and store the answer (the attempt is locked and taking answers)."""
    _check_response(question, response)
    if _answer_upsert(question.pk, seq, response, client_time, now):
        return SaveResult("saved", seq, now)
    stored = Answer.objects.get(question_id=question.pk)
    if seq < stored.seq:
        return SaveResult("stale", stored.seq, stored.saved_at)
    if stored.response == response:
        return SaveResult("unchanged", stored.seq, stored.saved_at)
    raise SeqConflict(_("A different answer was already saved with this number."))


def _answer_upsert(question_pk: int, seq: int, response, client_time, now) -> bool:
    """Insert the answer, or replace the stored one if it has a lower seq; True if written.

    One statement (INSERT … ON CONFLICT … WHERE), on PostgreSQL and SQLite alike.
    """
    field = Answer._meta.get_field
    values = [
        question_pk,
        seq,
        field("response").get_db_prep_save(response, connection),
        field("client_time").get_db_prep_save(client_time, connection),
        field("saved_at").get_db_prep_save(now, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(ANSWER_UPSERT, values)
        return cursor.fetchone() is not None


# ---------------------------------------------------------------------------
# Submission and marking.


def _mark(attempt: Attempt) -> None:
    factor = attempt.version.negative_marking or Decimal(0)
    total, maximum, manual = Decimal(0), Decimal(0), False
    answers = {
        answer.question_id: answer for answer in Answer.objects.filter(question__attempt=attempt)
    }
    rows = list(attempt.questions.select_related("item_version"))
    for row in rows:
        answer = answers.get(row.pk)
        response = answer.response if answer else None
        question = row.item_version.question
        try:
            authored = to_authored(row, response)
            result = question.mark(row.item_version.body, authored)
        except ValidationError:
            # Saves validate every answer, so this is a version marked differently than
            # it was validated: score it 0 and flag it rather than lose the attempt.
            result = questions.MarkResult(
                to_score(0), row.max_score, needs_manual=True, feedback=(_("Check by hand."),)
            )
        score = result.score
        if (
            factor
            and not result.needs_manual
            and response is not None
            and score == 0
            and not question.manual
        ):
            score = to_score(-factor * result.max_score)
        row.score = None if result.needs_manual else score
        row.needs_manual = result.needs_manual
        row.feedback = [str(note) for note in result.feedback]
        total += score
        maximum += result.max_score
        manual = manual or result.needs_manual
    AttemptQuestion.objects.bulk_update(rows, ["score", "needs_manual", "feedback"])
    attempt.score = to_score(max(total, Decimal(0)))
    attempt.max_score = to_score(maximum)
    attempt.needs_manual = manual


@transaction.atomic
def attempt_submit(*, attempt: Attempt, actor, by: str | None = None, now=None) -> Attempt:
    """Close an attempt and mark it (idempotent: submitting again answers the same result).

    `actor` is the learner, staff of the exam's institution, or None for the platform's
    deadline sweep. Only answers the server confirmed count; marking uses the item
    version each question showed.
    """
    now = now or timezone.now()
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("version", "exam__institution", "learner")
        .get(pk=attempt.pk)
    )
    if actor is not None and attempt.learner_id != actor.pk:
        require_staff(actor, attempt.exam.institution_id, _("This is not your attempt."))
    if attempt.status == Attempt.Status.SUBMITTED:
        return attempt
    if attempt.status == Attempt.Status.PREPARED and by != Attempt.SubmittedBy.STAFF:
        raise NotStarted(_("This attempt has not started."))
    if by is None:
        by = (
            Attempt.SubmittedBy.LEARNER
            if actor is not None and actor.pk == attempt.learner_id
            else Attempt.SubmittedBy.STAFF
            if actor is not None
            else Attempt.SubmittedBy.DEADLINE
        )
    _mark(attempt)
    attempt.status = Attempt.Status.SUBMITTED
    attempt.submitted_at, attempt.submitted_by = now, by
    attempt.save(
        update_fields=[
            "status",
            "submitted_at",
            "submitted_by",
            "score",
            "max_score",
            "needs_manual",
        ]
    )
    xapi.submitted_record(attempt)
    audit_record(
        actor=actor,
        action="attempt.submit",
        obj=attempt,
        institution=attempt.exam.institution,
        data={"by": by, "score": str(attempt.score), "needs_manual": attempt.needs_manual},
    )
    # Releases (and `attempt_graded`) are the marking module's: at once when every mark is
    # final and the exam releases automatically, else when an examiner releases.
    from .marking import attempt_marked

    attempt_marked(attempt=attempt, now=now)
    return attempt


def attempts_expire(*, now=None) -> int:
    """Submit every attempt past its deadline and grace (the sweep); answers how many.

    Each attempt is submitted in its own transaction, so one failure does not hold back
    the others.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=grace_seconds())
    due = Attempt.objects.filter(
        status=Attempt.Status.IN_PROGRESS,
        paused_at__isnull=True,
        deadline__isnull=False,
        deadline__lt=cutoff,
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        attempt_submit(attempt=Attempt(pk=pk), actor=None, by=Attempt.SubmittedBy.DEADLINE, now=now)
        count += 1
    return count


# ---------------------------------------------------------------------------
# Reads for the exam client.


def attempt_state(*, attempt: Attempt, learner, now=None) -> dict:
    """What the exam client needs to (re)draw an attempt: questions, every confirmed answer
    with its seq, the server deadline and the server's now. An overdue attempt is submitted
    first, so a learner reconnecting after the end sees it closed."""
    now = now or timezone.now()
    _require_own(attempt, learner)
    if attempt.status == Attempt.Status.IN_PROGRESS and is_overdue(attempt, now):
        attempt = attempt_submit(
            attempt=attempt, actor=None, by=Attempt.SubmittedBy.DEADLINE, now=now
        )
    # The answer keys (id_map) and marking notes stay unread: the client is shown neither.
    rows = list(attempt.questions.select_related("answer").defer("id_map", "feedback"))
    answers = {}
    for row in rows:
        answer = getattr(row, "answer", None)
        if answer is not None:
            answers[row.key] = {"seq": answer.seq, "response": answer.response}
    version = attempt.version
    return {
        "attempt": str(attempt.public_id),
        "title": attempt.exam.title,
        "status": attempt.status,
        "started_at": attempt.started_at.isoformat() if attempt.started_at else None,
        "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
        "paused": attempt.paused_at is not None,
        "server_now": now.isoformat(),
        "grace_seconds": grace_seconds(),
        "needs_access_code": bool(version.access_code),
        "questions": [
            {
                "key": row.key,
                "position": row.position,
                "section": row.section_title,
                **row.view,
            }
            for row in rows
        ]
        if attempt.status != Attempt.Status.PREPARED
        else [],
        "answers": answers,
        **(attempt_review(attempt=attempt, now=now) if attempt.status == "submitted" else {}),
    }


def correct_view(question: AttemptQuestion) -> Any:
    """The right answer in the ids this attempt showed (None for hand-marked types)."""
    body = question.item_version.body
    token = {authored: opaque for opaque, authored in question.id_map.items()}
    kind = question.view.get("type")
    if kind == "single_choice":
        return token.get(body["correct"])
    if kind == "multiple_choice":
        return [token.get(value) for value in body["correct"]]
    if kind == "true_false":
        return body["correct"]
    if kind == "short_answer":
        return [entry["text"] for entry in body["accepted"] if entry.get("fraction", 1) == 1]
    if kind == "numeric":
        return [entry["value"] for entry in body["answers"] if entry.get("fraction", 1) == 1]
    if kind == "ordering":
        return [token.get(step["id"]) for step in body["steps"]]
    if kind == "matching":
        return {token.get(prompt): token.get(choice) for prompt, choice in body["pairs"].items()}
    if kind == "cloze":
        answers = {}
        for gap in body["gaps"]:
            if gap["kind"] == "select":
                answers[gap["id"]] = token.get(gap["correct"])
            elif gap["kind"] == "text":
                answers[gap["id"]] = gap["accepted"][0]["text"]
            else:
                answers[gap["id"]] = gap["answers"][0]["value"]
        return answers
    return None


def attempt_review(*, attempt: Attempt, now=None) -> dict:
    """What the exam's review options let the learner see of a submitted attempt now."""
    now = now or timezone.now()
    version = attempt.version
    when = version.review_when
    released = AttemptRelease.objects.filter(attempt_id=attempt.pk).exists()
    open_now = attempt.status == Attempt.Status.SUBMITTED and (
        when == ExamVersion.ReviewWhen.IMMEDIATELY
        or (when == ExamVersion.ReviewWhen.ON_RELEASE and released)
        or (
            when == ExamVersion.ReviewWhen.AFTER_CLOSE
            and version.closes_at is not None
            and now >= version.closes_at
        )
    )
    if not open_now:
        return {"review": None}
    review: dict[str, Any] = {"questions": []}
    # Marks show only once released (assessment/marking.py): before, "awaiting results".
    show_marks = version.review_marks and released
    if show_marks and not attempt.needs_manual:
        review["score"] = marks_text(attempt.score)
        review["max_score"] = marks_text(attempt.max_score)
    for row in attempt.questions.select_related("item_version"):
        entry: dict[str, Any] = {"key": row.key}
        if show_marks and row.score is not None:
            entry["score"] = marks_text(row.score)
            entry["max_score"] = marks_text(row.max_score)
        if version.review_feedback:
            entry["feedback"] = row.feedback
        if version.review_correct:
            entry["correct"] = correct_view(row)
        review["questions"].append(entry)
    return {"review": review}


# ---------------------------------------------------------------------------
# The invigilator.


def _invigilated(actor, attempt: Attempt) -> Attempt:
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("exam__institution")
        .get(pk=attempt.pk)
    )
    if actor is None:
        raise PermissionDenied(_("An invigilator acts in person."))
    require_staff(actor, attempt.exam.institution_id, _("Only this exam's staff invigilate it."))
    if attempt.status == Attempt.Status.SUBMITTED:
        raise AttemptClosed(_("This attempt has been submitted."))
    return attempt


@transaction.atomic
def attempt_time_add(*, actor, attempt: Attempt, minutes: int, reason: str = "") -> Attempt:
    """Give a learner more time (1 to 600 minutes); a prepared attempt gets it at the start
    through an accommodation instead."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 600:
        raise ValidationError(_("Add between 1 and 600 minutes."))
    attempt = _invigilated(actor, attempt)
    if attempt.status != Attempt.Status.IN_PROGRESS or attempt.deadline is None:
        raise NotStarted(_("Only a running, timed attempt can be given more time."))
    attempt.deadline += timedelta(minutes=minutes)
    attempt.save(update_fields=["deadline"])
    audit_record(
        actor=actor,
        action="attempt.time_add",
        obj=attempt,
        institution=attempt.exam.institution,
        data={"minutes": minutes, "reason": reason, "deadline": attempt.deadline.isoformat()},
    )
    return attempt


@transaction.atomic
def attempt_pause(*, actor, attempt: Attempt, reason: str = "", now=None) -> Attempt:
    """Hold a running attempt: saves are refused and its clock stops (idempotent)."""
    now = now or timezone.now()
    attempt = _invigilated(actor, attempt)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        raise NotStarted(_("Only a running attempt can be paused."))
    if attempt.paused_at is None:
        attempt.paused_at = now
        attempt.save(update_fields=["paused_at"])
        audit_record(
            actor=actor,
            action="attempt.pause",
            obj=attempt,
            institution=attempt.exam.institution,
            data={"reason": reason},
        )
    return attempt


@transaction.atomic
def attempt_resume(*, actor, attempt: Attempt, now=None) -> Attempt:
    """Release a held attempt; its deadline moves by the time it was held (idempotent)."""
    now = now or timezone.now()
    attempt = _invigilated(actor, attempt)
    if attempt.paused_at is None:
        return attempt
    held = max(now - attempt.paused_at, timedelta(0))
    if attempt.deadline is not None:
        attempt.deadline += held
    attempt.paused_at = None
    attempt.save(update_fields=["paused_at", "deadline"])
    audit_record(
        actor=actor,
        action="attempt.resume",
        obj=attempt,
        institution=attempt.exam.institution,
        data={"held_seconds": int(held.total_seconds())},
    )
    return attempt


def exam_sitting(*, user, exam: Exam, now=None) -> list[dict]:
    """The invigilator's table: each attempt of the exam with its state, time left and how
    many answers the server holds; staff of the exam's institution only."""
    now = now or timezone.now()
    if not Exam.objects.visible_to(user).filter(pk=exam.pk).exists():
        raise PermissionDenied(_("Only this exam's staff invigilate it."))
    rows = []
    attempts_ = (
        Attempt.objects.filter(exam=exam)
        .select_related("learner")
        .annotate(answered=Count("questions__answer"))
        .order_by("learner__last_name", "learner__first_name", "learner__username", "number")
    )
    for attempt in attempts_:
        left = None
        if attempt.status == Attempt.Status.IN_PROGRESS and attempt.deadline is not None:
            reference = attempt.paused_at or now
            left = max(0, int((attempt.deadline - reference).total_seconds()))
        rows.append(
            {
                "attempt": attempt,
                "learner": attempt.learner,
                "status": attempt.status,
                "paused": attempt.paused_at is not None,
                "seconds_left": left,
                "answered": attempt.answered,
            }
        )
    return rows
