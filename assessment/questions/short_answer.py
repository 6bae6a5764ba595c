"""Short answer: typed text compared with accepted variants."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import (
    MarkResult,
    QuestionType,
    fraction_of,
    require_dict,
    require_list,
    require_text,
    to_score,
)
from .text import normalise_answer

MAX_RESPONSE_LENGTH = 1000


class ShortAnswer(QuestionType):
    """Body: {"accepted": [{"text", "fraction"?}...], "case_sensitive"?, "diacritic_sensitive"?}.

    Matching ignores surrounding and repeated spaces and Unicode composition always;
    letter case unless `case_sensitive` (default false); Vietnamese diacritics (and đ)
    unless `diacritic_sensitive` (default true — "dân" and "dần" are different words).
    The best accepted variant counts. Response: text.
    """

    name = "short_answer"
    label = gettext_lazy("Short answer")

    answer_keys = ("accepted",)

    def validate_body(self, body):
        super().validate_body(body)
        accepted = require_list(body.get("accepted"), _("Accepted answers"), min_length=1)
        for entry in accepted:
            require_dict(entry, _("An accepted answer"))
            require_text(entry.get("text"), _("An accepted answer"), max_length=MAX_RESPONSE_LENGTH)
            fraction_of(body, entry, _("The share of marks of an accepted answer"))
        for flag in ("case_sensitive", "diacritic_sensitive"):
            if not isinstance(body.get(flag, False), bool):
                raise ValidationError(_("%(flag)s must be true or false.") % {"flag": flag})

    def validate_response(self, body, response):
        if not isinstance(response, str):
            raise ValidationError(_("The answer must be text."))
        if len(response) > MAX_RESPONSE_LENGTH:
            raise ValidationError(
                _("The answer is longer than %(count)d characters.")
                % {"count": MAX_RESPONSE_LENGTH}
            )

    def mark_valid(self, body, response):
        maximum = self.max_score(body)
        options = {
            "case_sensitive": body.get("case_sensitive", False),
            "diacritic_sensitive": body.get("diacritic_sensitive", True),
        }
        given = normalise_answer(response, **options)
        best = max(
            (
                fraction_of(body, entry, "")
                for entry in body["accepted"]
                if given and normalise_answer(entry["text"], **options) == given
            ),
            default=0,
        )
        return MarkResult(to_score(maximum * best), maximum)
