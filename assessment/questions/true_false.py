"""True or false."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import MarkResult, QuestionType, to_score


class TrueFalse(QuestionType):
    """Body: {"correct": true|false, "points"?}. Response: true or false."""

    name = "true_false"
    label = gettext_lazy("True / false")

    answer_keys = ("correct",)

    def validate_body(self, body):
        super().validate_body(body)
        if not isinstance(body.get("correct"), bool):
            raise ValidationError(_("The correct answer must be true or false."))

    def validate_response(self, body, response):
        if not isinstance(response, bool):
            raise ValidationError(_("Answer true or false."))

    def mark_valid(self, body, response):
        maximum = self.max_score(body)
        return MarkResult(maximum if response is body["correct"] else to_score(0), maximum)
