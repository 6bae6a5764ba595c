"""Numeric: a number within a tolerance, optionally with a unit converted to the answer's unit."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import (
    MarkResult,
    QuestionType,
    fraction_of,
    require_choice,
    require_dict,
    require_list,
    require_number,
    require_text,
    to_score,
)

TOLERANCE_KINDS = {"absolute", "relative"}
MAX_RESPONSE_LENGTH = 100
EXPONENT_LIMIT = 1000
# A number (decimal point or a lone decimal comma, optional exponent) then an optional unit.
_NUMBER_AND_UNIT = re.compile(
    r"^\s*(?P<number>[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)\s*(?P<unit>\S.*?)?\s*$"
)


def parse_number(text: str) -> tuple[Decimal, str] | None:
    """'0,22 kV' → (Decimal('0.22'), 'kV'); None when no number leads the text.

    A comma is the decimal separator in Vietnamese; thousands separators are not accepted,
    since '1.500' means 1.5 to some learners and 1500 to others.
    """
    match = _NUMBER_AND_UNIT.match(text)
    if not match:
        return None
    try:
        value = Decimal(match["number"].replace(",", "."))
    except InvalidOperation:
        return None
    if value and not -EXPONENT_LIMIT < value.adjusted() < EXPONENT_LIMIT:
        return None  # '1e999999999' would overflow the arithmetic; no answer is that size
    return value, (match["unit"] or "")


class Numeric(QuestionType):
    """Body: {"answers": [{"value", "tolerance"?, "tolerance_type"?, "fraction"?}...],
    "units"?: [{"unit", "factor"}...], "unit_required"?}.

    A response in a unit is multiplied by that unit's factor to reach the answers' unit
    (answers in V, unit "kV" with factor 1000). Tolerances are inclusive: absolute in the
    answers' unit, relative as a share of the value (0.05 = 5 %). Response: a number or
    text such as "220", "0,22 kV" or "2.2e2 V".
    """

    name = "numeric"
    label = gettext_lazy("Numeric")

    answer_keys = ("answers",)

    def validate_body(self, body):
        super().validate_body(body)
        answers = require_list(body.get("answers"), _("Answers"), min_length=1)
        for entry in answers:
            require_dict(entry, _("An answer"))
            require_number(entry.get("value"), _("An answer's value"))
            require_number(entry.get("tolerance", 0), _("A tolerance"), minimum=0)
            require_choice(
                entry.get("tolerance_type", "absolute"), _("The tolerance type"), TOLERANCE_KINDS
            )
            fraction_of(body, entry, _("The share of marks of an answer"))
        units = require_list(body.get("units", []), _("Units"))
        names = []
        for unit in units:
            require_dict(unit, _("A unit"))
            names.append(require_text(unit.get("unit"), _("A unit's name")).strip())
            if require_number(unit.get("factor", 1), _("A unit's factor")) <= 0:
                raise ValidationError(_("A unit's factor must be greater than zero."))
        if len(set(names)) != len(names):
            raise ValidationError(_("A unit is listed twice."))
        if not isinstance(body.get("unit_required", False), bool):
            raise ValidationError(_("unit_required must be true or false."))
        if body.get("unit_required") and not units:
            raise ValidationError(_("A unit is required but no units are listed."))

    def validate_response(self, body, response):
        if isinstance(response, bool) or not isinstance(response, int | float | str):
            raise ValidationError(_("The answer must be a number."))
        if isinstance(response, str) and len(response) > MAX_RESPONSE_LENGTH:
            raise ValidationError(
                _("The answer is longer than %(count)d characters.")
                % {"count": MAX_RESPONSE_LENGTH}
            )

    def mark_valid(self, body, response):
        maximum = self.max_score(body)
        zero = to_score(0)
        # str() of a JSON number is its shortest exact form ("220.5", "1e-07").
        parsed = parse_number(str(response))
        if parsed is None:
            return MarkResult(zero, maximum, feedback=(_("That is not a number."),))
        value, unit = parsed
        units = {
            entry["unit"].strip(): Decimal(str(entry.get("factor", 1)))
            for entry in body.get("units", [])
        }
        if unit:
            if unit not in units:
                return MarkResult(
                    zero, maximum, feedback=(_("Unknown unit: %(unit)s") % {"unit": unit},)
                )
            value *= units[unit]
        elif body.get("unit_required"):
            return MarkResult(zero, maximum, feedback=(_("Give the unit."),))
        best = max(
            (
                fraction_of(body, entry, "")
                for entry in body["answers"]
                if abs(value - Decimal(str(entry["value"]))) <= _tolerance(entry)
            ),
            default=0,
        )
        return MarkResult(to_score(maximum * best), maximum)


def _tolerance(entry: dict) -> Decimal:
    tolerance = Decimal(str(entry.get("tolerance", 0)))
    if entry.get("tolerance_type", "absolute") == "relative":
        return tolerance * abs(Decimal(str(entry["value"])))
    return tolerance
