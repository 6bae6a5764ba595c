"""Cloze: a text with gaps, each gap a short answer, a number or a choice from a list."""

from __future__ import annotations

import re

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
from .numeric import Numeric
from .short_answer import ShortAnswer
from .single_choice import SingleChoice

# A gap's definition is the body of the type it borrows, plus its `id` and `kind`.
GAP_KINDS = {"text": ShortAnswer(), "numeric": Numeric(), "select": SingleChoice()}
PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")


class Cloze(QuestionType):
    """Body: {"text": "… {{g1}} … {{g2}} …", "gaps": [{"id", "kind", "points"?, …}...]}.

    `kind` is "text" (as short answer), "numeric" (as numeric) or "select" (as single
    choice); each gap has its own points and the question is worth their sum.
    Response: {gap id: answer}; gaps left out are unanswered.
    """

    name = "cloze"
    label = gettext_lazy("Cloze (fill the gaps)")

    def validate_body(self, body):
        require_dict(body, _("The question definition"))
        text = require_text(body.get("text"), _("The cloze text"))
        gaps = require_list(body.get("gaps"), _("Gaps"), min_length=1)
        ids = unique_ids(gaps, _("Gaps"))
        placed = PLACEHOLDER.findall(text)
        if sorted(placed) != sorted(ids):
            raise ValidationError(
                _("The text must place each gap exactly once: {{%(ids)s}}.")
                % {"ids": "}}, {{".join(ids)}
            )
        for gap in gaps:
            kind = require_choice(gap.get("kind"), _("A gap's kind"), GAP_KINDS)
            try:
                GAP_KINDS[kind].validate_body(gap)
            except ValidationError as exc:
                raise ValidationError(
                    _("Gap %(id)s: %(error)s") % {"id": gap["id"], "error": " ".join(exc.messages)}
                ) from exc

    def learner_view(self, body, rng):
        view = {key: value for key, value in body.items() if key != "gaps"}
        view["gaps"] = [
            {**GAP_KINDS[gap["kind"]].learner_view(gap, rng), "kind": gap["kind"]}
            for gap in body["gaps"]
        ]
        return view

    def max_score(self, body):
        return to_score(sum(GAP_KINDS[gap["kind"]].max_score(gap) for gap in body["gaps"]))

    def validate_response(self, body, response):
        if not isinstance(response, dict):
            raise ValidationError(_("The answer must give each gap's answer by its id."))
        gaps = {gap["id"]: gap for gap in body["gaps"]}
        check_known(list(response), set(gaps), _("The answer"))
        for gap_id, answer in response.items():
            if answer is not None:
                GAP_KINDS[gaps[gap_id]["kind"]].validate_response(gaps[gap_id], answer)

    def mark_valid(self, body, response):
        total = to_score(0)
        feedback = []
        for gap in body["gaps"]:
            result = GAP_KINDS[gap["kind"]].mark(gap, response.get(gap["id"]))
            total += result.score
            feedback.extend(f"{gap['id']}: {line}" for line in result.feedback)
        return MarkResult(total, self.max_score(body), feedback=tuple(feedback))
