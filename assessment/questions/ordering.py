"""Ordering: put the steps in the right order (a procedure, a sequence of operations)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import (
    MarkResult,
    QuestionType,
    check_known,
    require_choice,
    require_list,
    require_text,
    to_score,
    unique_ids,
)

# all_or_nothing: the whole order or nothing.
# position: each step in its right place earns 1/n.
# adjacent_pairs: each right neighbour pair (a before b immediately) earns 1/(n − 1),
#   so one step moved costs little, as Moodle's "relative to the next item".
SCORING = {"all_or_nothing", "position", "adjacent_pairs"}


class Ordering(QuestionType):
    """Body: {"steps": [{"id", "text"}...] in the right order, "scoring"?}.

    Response: every step id once, in the learner's order.
    """

    name = "ordering"
    label = gettext_lazy("Ordering")

    def shuffled_lists(self, body):
        return ("steps",)  # the authored order is the answer

    def validate_body(self, body):
        super().validate_body(body)
        steps = require_list(body.get("steps"), _("Steps"), min_length=2)
        unique_ids(steps, _("Steps"))
        for step in steps:
            require_text(step.get("text"), _("Step text"))
        require_choice(body.get("scoring", "position"), _("Scoring"), SCORING)

    def validate_response(self, body, response):
        if not isinstance(response, list):
            raise ValidationError(_("The answer must be a list of steps."))
        ids = [step["id"] for step in body["steps"]]
        check_known(response, set(ids), _("The answer"))
        if sorted(response) != sorted(ids):
            raise ValidationError(_("The answer must place every step exactly once."))

    def mark_valid(self, body, response):
        maximum = self.max_score(body)
        correct = [step["id"] for step in body["steps"]]
        scoring = body.get("scoring", "position")
        if scoring == "all_or_nothing":
            share = Decimal(response == correct)
        elif scoring == "position":
            share = Decimal(sum(a == b for a, b in zip(response, correct, strict=True))) / len(
                correct
            )
        else:
            right_pairs = set(itertools.pairwise(correct))
            given_pairs = set(itertools.pairwise(response))
            share = Decimal(len(right_pairs & given_pairs)) / len(right_pairs)
        return MarkResult(to_score(maximum * share), maximum)
