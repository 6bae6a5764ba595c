"""Matching: pair each prompt with one choice; choices may include distractors."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import (
    MarkResult,
    QuestionType,
    check_known,
    require_choice,
    require_dict,
    require_list,
    require_text,
    to_score,
    unique_ids,
)

SCORING = {"partial", "all_or_nothing"}


class Matching(QuestionType):
    """Body: {"prompts": [{"id", "text"}...], "choices": [{"id", "text"}...],
    "pairs": {prompt id: choice id}, "scoring"?: "partial" | "all_or_nothing"}.

    Every prompt has exactly one right choice; a choice may serve several prompts.
    Partial scoring gives each right pair an equal share. Response: {prompt id: choice id},
    prompts left out count as unanswered.
    """

    name = "matching"
    label = gettext_lazy("Matching")

    answer_keys = ("pairs",)

    def shuffled_lists(self, body):
        return ("prompts", "choices")  # in authored order the choices often follow the prompts

    def validate_body(self, body):
        super().validate_body(body)
        prompts = require_list(body.get("prompts"), _("Prompts"), min_length=2)
        choices = require_list(body.get("choices"), _("Choices"), min_length=2)
        prompt_ids = set(unique_ids(prompts, _("Prompts")))
        choice_ids = set(unique_ids(choices, _("Choices")))
        for entry in [*prompts, *choices]:
            require_text(entry.get("text"), _("Prompt or choice text"))
        pairs = require_dict(body.get("pairs"), _("Pairs"))
        if set(pairs) != prompt_ids:
            raise ValidationError(
                _("Every prompt needs exactly one pair, and only prompts have pairs.")
            )
        check_known(list(pairs.values()), choice_ids, _("Pairs"))
        require_choice(body.get("scoring", "partial"), _("Scoring"), SCORING)

    def validate_response(self, body, response):
        if not isinstance(response, dict):
            raise ValidationError(_("The answer must pair prompts with choices."))
        check_known(list(response), {p["id"] for p in body["prompts"]}, _("The answer"))
        check_known(list(response.values()), {c["id"] for c in body["choices"]}, _("The answer"))

    def mark_valid(self, body, response):
        maximum = self.max_score(body)
        pairs = body["pairs"]
        right = sum(response.get(prompt) == choice for prompt, choice in pairs.items())
        if body.get("scoring", "partial") == "all_or_nothing":
            share = Decimal(right == len(pairs))
        else:
            share = Decimal(right) / len(pairs)
        return MarkResult(to_score(maximum * share), maximum)
