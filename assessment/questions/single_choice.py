"""Single choice: pick the one correct option."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import (
    MarkResult,
    QuestionType,
    check_known,
    require_list,
    require_text,
    to_score,
    unique_ids,
)


def validate_options(body: dict) -> set[str]:
    """`options`: at least two objects with distinct ids and text; returns the ids."""
    options = require_list(body.get("options"), _("Options"), min_length=2)
    ids = unique_ids(options, _("Options"))
    for option in options:
        require_text(option.get("text"), _("Option text"))
    return set(ids)


class SingleChoice(QuestionType):
    """Body: {"options": [{"id", "text"}...], "correct": id, "points"?, "shuffle"?}.

    Response: the chosen option id.
    """

    name = "single_choice"
    label = gettext_lazy("Single choice")

    answer_keys = ("correct",)

    def shuffled_lists(self, body):
        return ("options",) if body.get("shuffle") else ()

    def validate_body(self, body):
        super().validate_body(body)
        ids = validate_options(body)
        check_known([body.get("correct")], ids, _("The correct option"))
        if not isinstance(body.get("shuffle", False), bool):
            raise ValidationError(_("%(flag)s must be true or false.") % {"flag": "shuffle"})

    def validate_response(self, body, response):
        if not isinstance(response, str):
            raise ValidationError(_("Choose one option."))
        check_known([response], {option["id"] for option in body["options"]}, _("The answer"))

    def mark_valid(self, body, response):
        maximum = self.max_score(body)
        if response == body["correct"]:
            return MarkResult(maximum, maximum)
        return MarkResult(to_score(0), maximum)
