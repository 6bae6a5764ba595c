"""Multiple choice: pick every correct option, with a choice of how partial answers score."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import MarkResult, QuestionType, check_known, require_choice, require_list, to_score
from .single_choice import validate_options

# all_or_nothing: full marks only for exactly the correct set.
# partial: each correct option chosen earns 1/(number correct); each wrong one chosen
#   takes the same share away; never below zero (guessing everything earns nothing).
# per_option: every option judged on its own — chosen when correct, left when wrong —
#   and each right judgement earns 1/(number of options).
SCORING = {"all_or_nothing", "partial", "per_option"}


class MultipleChoice(QuestionType):
    """Body: {"options": [...], "correct": [ids], "scoring"?, "points"?}. Response: [ids]."""

    name = "multiple_choice"
    label = gettext_lazy("Multiple choice")

    answer_keys = ("correct",)

    def shuffled_lists(self, body):
        return ("options",) if body.get("shuffle") else ()

    def validate_body(self, body):
        super().validate_body(body)
        ids = validate_options(body)
        correct = require_list(body.get("correct"), _("The correct options"), min_length=1)
        check_known(correct, ids, _("The correct options"))
        if len(set(correct)) != len(correct):
            raise ValidationError(_("The correct options are repeated."))
        require_choice(body.get("scoring", "partial"), _("Scoring"), SCORING)
        if not isinstance(body.get("shuffle", False), bool):
            raise ValidationError(_("%(flag)s must be true or false.") % {"flag": "shuffle"})

    def validate_response(self, body, response):
        if not isinstance(response, list):
            raise ValidationError(_("The answer must be a list of options."))
        check_known(response, {option["id"] for option in body["options"]}, _("The answer"))
        if len(set(response)) != len(response):
            raise ValidationError(_("An option is chosen twice."))

    def mark_valid(self, body, response):
        maximum = self.max_score(body)
        chosen, correct = set(response), set(body["correct"])
        scoring = body.get("scoring", "partial")
        if scoring == "all_or_nothing":
            share = Decimal(chosen == correct)
        elif scoring == "partial":
            hits, misses = len(chosen & correct), len(chosen - correct)
            share = max(Decimal(0), Decimal(hits - misses) / len(correct))
        else:
            options = {option["id"] for option in body["options"]}
            right = sum((option in chosen) == (option in correct) for option in options)
            share = Decimal(right) / len(options)
        return MarkResult(to_score(maximum * share), maximum)
