"""What every question type offers, the result of marking, and the shared checks on definitions."""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Scores keep four decimal places: enough for thirds and sevenths of a mark to add up
# the same way on every database, without binary floating point.
SCORE_PLACES = Decimal("0.0001")
# No question is worth more than this; it keeps every score within a DecimalField's digits.
MAX_POINTS = 10_000


def to_score(value) -> Decimal:
    """A number as a score with four decimal places."""
    return Decimal(value).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class MarkResult:
    """The outcome of marking one response: points earned, points possible, and why."""

    score: Decimal
    max_score: Decimal
    needs_manual: bool = False
    feedback: tuple[str, ...] = field(default_factory=tuple)

    @property
    def fraction(self) -> Decimal:
        """Share of the available marks earned (0 when nothing could be earned)."""
        if not self.max_score:
            return Decimal(0)
        return to_score(self.score / self.max_score)


class QuestionType:
    """One kind of question: checks its definition and its responses, and marks them.

    `body` is the JSON definition stored on an item version; `response` is what the
    learner submitted, already decoded from JSON. `None` always means "not answered".
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    # Types an assessor marks by hand (essay, evidence, practical observation).
    manual: ClassVar[bool] = False

    def validate_body(self, body: Any) -> None:
        """Raise ValidationError when the definition is malformed."""
        require_dict(body, _("The question definition"))
        points(body)

    def validate_response(self, body: Any, response: Any) -> None:
        """Raise ValidationError when the response has the wrong shape for this question."""

    # Keys of the definition that give the answer away; never sent to a learner.
    answer_keys: ClassVar[tuple[str, ...]] = ()

    def learner_view(self, body: dict, rng: random.Random) -> dict:
        """The definition as a learner may see it: answer keys removed, lists shuffled
        where their order would tell (or where the author asked), using `rng` so an
        attempt can be shown the same way again from its seed."""
        view = {
            key: copy.deepcopy(value) for key, value in body.items() if key not in self.answer_keys
        }
        for key in self.shuffled_lists(body):
            rng.shuffle(view[key])
        return view

    def shuffled_lists(self, body: dict) -> tuple[str, ...]:
        """Keys of lists the learner sees in a random order."""
        return ()

    def max_score(self, body: dict) -> Decimal:
        """The marks this question is worth."""
        return points(body)

    def mark(self, body: dict, response: Any) -> MarkResult:
        """Mark a response; malformed responses raise ValidationError, never score."""
        if response is None:
            return MarkResult(to_score(0), self.max_score(body), feedback=(_("Not answered."),))
        self.validate_response(body, response)
        return self.mark_valid(body, response)

    def mark_valid(self, body: dict, response: Any) -> MarkResult:
        raise NotImplementedError


def require_dict(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise ValidationError(_("%(what)s must be an object.") % {"what": what})
    return value


def require_list(value: Any, what: str, *, min_length: int = 0) -> list:
    if not isinstance(value, list):
        raise ValidationError(_("%(what)s must be a list.") % {"what": what})
    if len(value) < min_length:
        raise ValidationError(
            _("%(what)s needs at least %(count)d entries.") % {"what": what, "count": min_length}
        )
    return value


def require_text(value: Any, what: str, *, max_length: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(_("%(what)s must be non-empty text.") % {"what": what})
    if max_length is not None and len(value) > max_length:
        raise ValidationError(
            _("%(what)s is longer than %(count)d characters.") % {"what": what, "count": max_length}
        )
    return value


def require_number(value: Any, what: str, *, minimum=None, maximum=None) -> Decimal:
    """A JSON number (never a boolean or text) as an exact Decimal, optionally bounded (inclusive)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(_("%(what)s must be a number.") % {"what": what})
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(_("%(what)s must be a number.") % {"what": what}) from exc
    if not number.is_finite():
        raise ValidationError(_("%(what)s must be a number.") % {"what": what})
    if minimum is not None and number < Decimal(str(minimum)):
        raise ValidationError(
            _("%(what)s must be at least %(limit)s.") % {"what": what, "limit": minimum}
        )
    if maximum is not None and number > Decimal(str(maximum)):
        raise ValidationError(
            _("%(what)s must be at most %(limit)s.") % {"what": what, "limit": maximum}
        )
    return number


def require_choice(value: Any, what: str, choices) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValidationError(
            _("%(what)s must be one of: %(choices)s.")
            % {"what": what, "choices": ", ".join(sorted(choices))}
        )
    return value


def points(body: dict) -> Decimal:
    """The marks a question is worth: `points` in its body, 1 when absent."""
    value = require_number(body.get("points", 1), _("Points"), minimum=0, maximum=MAX_POINTS)
    if value <= 0:
        raise ValidationError(_("Points must be greater than zero."))
    return to_score(value)


def fraction_of(body: dict, entry: dict, what: str) -> Decimal:
    """An optional 0–1 share of the marks on an accepted answer (1 when absent)."""
    return require_number(entry.get("fraction", 1), what, minimum=0, maximum=1)


def unique_ids(entries: list, what: str) -> list[str]:
    """Each entry is an object with a non-empty text `id`; ids are distinct."""
    ids = []
    for entry in entries:
        require_dict(entry, what)
        ids.append(require_text(entry.get("id"), _("An id in %(what)s") % {"what": what}))
    if len(set(ids)) != len(ids):
        raise ValidationError(_("%(what)s has repeated ids.") % {"what": what})
    return ids


def check_known(values, known: set[str], what: str) -> None:
    """Every value is one of the `known` ids (texts); anything else is a malformed response."""
    if any(not isinstance(value, str) for value in values):
        raise ValidationError(_("%(what)s must contain ids as text.") % {"what": what})
    unknown = [value for value in values if value not in known]
    if unknown:
        raise ValidationError(
            _("%(what)s refers to unknown ids: %(ids)s.")
            % {"what": what, "ids": ", ".join(map(str, unknown))}
        )
