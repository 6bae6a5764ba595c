"""Practical skill checklist: an assessor observes the learner against an occupational standard."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import (
    MAX_POINTS,
    MarkResult,
    require_choice,
    require_dict,
    require_list,
    require_number,
    require_text,
    to_score,
    unique_ids,
)
from .manual import ManualQuestionType, validate_evidence

MODES = {"met", "scored"}
MAX_NOTES_LENGTH = 10_000


class PracticalChecklist(ManualQuestionType):
    """Body: {"standard"?: {"code", "title"}, "criteria": [{"id", "text", "mode": "met" |
    "scored", "points"? (met: worth this when met, default 1), "max"? (scored: 0…max),
    "critical"?, "evidence_required"?}...]}.

    A critical criterion not met fails the whole task (score 0), as occupational
    standards mark safety-critical steps. Response (optional, from the learner):
    evidence files. Marking (the assessor's observation): {"criteria": {id: {"met": bool}
    or {"score": n}, with "evidence"?: [files]}, "notes"?: text}; a criterion flagged
    `evidence_required` needs at least one photo or video.
    """

    name = "practical_checklist"
    label = gettext_lazy("Practical skill checklist")

    def validate_body(self, body):
        require_dict(body, _("The question definition"))
        if "standard" in body:
            standard = require_dict(body["standard"], _("The occupational standard"))
            require_text(standard.get("code"), _("The occupational standard's code"))
        criteria = require_list(body.get("criteria"), _("Checklist criteria"), min_length=1)
        unique_ids(criteria, _("Checklist criteria"))
        for criterion in criteria:
            require_text(criterion.get("text"), _("A checklist criterion's text"))
            mode = require_choice(criterion.get("mode", "met"), _("A criterion's mode"), MODES)
            if mode == "met":
                if (
                    require_number(
                        criterion.get("points", 1),
                        _("A criterion's points"),
                        minimum=0,
                        maximum=MAX_POINTS,
                    )
                    <= 0
                ):
                    raise ValidationError(_("A criterion's points must be greater than zero."))
            elif (
                require_number(
                    criterion.get("max"),
                    _("A criterion's highest score"),
                    minimum=1,
                    maximum=MAX_POINTS,
                )
                <= 0
            ):
                raise ValidationError(_("A criterion's highest score must be greater than zero."))
            for flag in ("critical", "evidence_required"):
                if not isinstance(criterion.get(flag, False), bool):
                    raise ValidationError(_("%(flag)s must be true or false.") % {"flag": flag})

    def max_score(self, body):
        return to_score(sum(_criterion_max(criterion) for criterion in body["criteria"]))

    def validate_response(self, body, response):
        validate_evidence(response, accepted_types=["image/*", "video/*", "application/pdf"])

    def validate_marking(self, body, marking):
        require_dict(marking, _("The marking"))
        observed = require_dict(marking.get("criteria"), _("The observations"))
        criteria = {criterion["id"]: criterion for criterion in body["criteria"]}
        if set(observed) != set(criteria):
            raise ValidationError(_("Record an observation for every criterion."))
        for criterion_id, observation in observed.items():
            criterion = criteria[criterion_id]
            require_dict(observation, _("An observation"))
            if criterion.get("mode", "met") == "met":
                if not isinstance(observation.get("met"), bool):
                    raise ValidationError(
                        _("%(criterion)s: record met or not met.") % {"criterion": criterion_id}
                    )
            else:
                require_number(
                    observation.get("score"),
                    _("The score of %(criterion)s") % {"criterion": criterion_id},
                    minimum=0,
                    maximum=criterion["max"],
                )
            evidence = observation.get("evidence", [])
            validate_evidence(evidence, accepted_types=["image/*", "video/*"])
            if criterion.get("evidence_required") and not evidence:
                raise ValidationError(
                    _("%(criterion)s needs a photo or video as evidence.")
                    % {"criterion": criterion_id}
                )
        if (
            not isinstance(marking.get("notes", ""), str)
            or len(marking.get("notes", "")) > MAX_NOTES_LENGTH
        ):
            raise ValidationError(_("The assessor's notes must be text of reasonable length."))

    def mark_manual(self, body, marking):
        self.validate_marking(body, marking)
        total = Decimal(0)
        failed_critical = []
        for criterion in body["criteria"]:
            observation = marking["criteria"][criterion["id"]]
            if criterion.get("mode", "met") == "met":
                if observation["met"]:
                    total += Decimal(str(criterion.get("points", 1)))
                elif criterion.get("critical"):
                    failed_critical.append(criterion["id"])
            else:
                score = Decimal(str(observation["score"]))
                total += score
                if criterion.get("critical") and score == 0:
                    failed_critical.append(criterion["id"])
        maximum = self.max_score(body)
        if failed_critical:
            return MarkResult(
                to_score(0),
                maximum,
                feedback=(
                    _("Critical criteria not met: %(ids)s") % {"ids": ", ".join(failed_critical)},
                ),
            )
        return MarkResult(to_score(total), maximum)


def _criterion_max(criterion: dict) -> Decimal:
    if criterion.get("mode", "met") == "met":
        return Decimal(str(criterion.get("points", 1)))
    return Decimal(str(criterion["max"]))
