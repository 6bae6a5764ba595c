"""Essay: free text marked by hand, with a rubric or a plain score."""

from __future__ import annotations

from dataclasses import replace

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import require_dict, require_number
from .manual import (
    ManualQuestionType,
    rubric_marking_score,
    rubric_or_points_max,
    validate_rubric_marking,
    validate_rubric_or_points,
)

MAX_RESPONSE_LENGTH = 100_000


class Essay(ManualQuestionType):
    """Body: {"rubric"?: {...} or "points"?, "min_words"?, "max_words"?}.

    Worth the rubric's best levels added up, or `points` without a rubric.
    Response: text. Marking: {"levels": {criterion: level}} or {"score": n}.
    """

    name = "essay"
    label = gettext_lazy("Essay")

    def validate_body(self, body):
        require_dict(body, _("The question definition"))
        validate_rubric_or_points(body)
        low = require_number(body.get("min_words", 0), _("The minimum words"), minimum=0)
        if "max_words" in body:
            high = require_number(body["max_words"], _("The maximum words"), minimum=1)
            if high < low:
                raise ValidationError(_("The maximum words is below the minimum."))

    def max_score(self, body):
        return rubric_or_points_max(body)

    def validate_response(self, body, response):
        if not isinstance(response, str):
            raise ValidationError(_("The answer must be text."))
        if len(response) > MAX_RESPONSE_LENGTH:
            raise ValidationError(_("The answer is too long."))

    def mark_valid(self, body, response):
        # Word limits guide the marker; refusing the text would lose a learner's answer.
        result = super().mark_valid(body, response)
        words = len(response.split())
        notes = []
        if words < body.get("min_words", 0):
            notes.append(
                _("Shorter than the minimum of %(count)s words.") % {"count": body["min_words"]}
            )
        if "max_words" in body and words > body["max_words"]:
            notes.append(
                _("Longer than the maximum of %(count)s words.") % {"count": body["max_words"]}
            )
        return replace(result, feedback=result.feedback + tuple(notes))

    def validate_marking(self, body, marking):
        validate_rubric_marking(body, marking)

    def mark_manual(self, body, marking):
        self.validate_marking(body, marking)
        return rubric_marking_score(body, marking)
