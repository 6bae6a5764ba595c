"""What the hand-marked types share: rubrics, evidence files, and "needs manual marking"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .base import (
    MAX_POINTS,
    MarkResult,
    QuestionType,
    check_known,
    points,
    require_dict,
    require_list,
    require_number,
    require_text,
    to_score,
    unique_ids,
)

MAX_EVIDENCE_FILES = 20


class ManualQuestionType(QuestionType):
    """A type an assessor marks: `mark` only says so; `mark_manual` scores the assessor's judgement."""

    manual = True

    def mark_valid(self, body, response):
        return MarkResult(
            to_score(0),
            self.max_score(body),
            needs_manual=True,
            feedback=(_("Needs manual marking."),),
        )

    def validate_marking(self, body: dict, marking: Any) -> None:
        """Raise ValidationError when an assessor's marking does not fit this question."""
        raise NotImplementedError

    def mark_manual(self, body: dict, marking: Any) -> MarkResult:
        """The score an assessor's marking gives."""
        raise NotImplementedError


# Rubrics: {"criteria": [{"id", "title", "levels": [{"id", "label", "points"}...]}...]}.


def validate_rubric(rubric: Any) -> None:
    require_dict(rubric, _("The rubric"))
    criteria = require_list(rubric.get("criteria"), _("Rubric criteria"), min_length=1)
    unique_ids(criteria, _("Rubric criteria"))
    for criterion in criteria:
        require_text(criterion.get("title"), _("A rubric criterion's title"))
        levels = require_list(
            criterion.get("levels"), _("A rubric criterion's levels"), min_length=2
        )
        unique_ids(levels, _("A rubric criterion's levels"))
        for level in levels:
            require_text(level.get("label"), _("A rubric level's label"))
            require_number(
                level.get("points"), _("A rubric level's points"), minimum=0, maximum=MAX_POINTS
            )
        if max(Decimal(str(level["points"])) for level in levels) <= 0:
            raise ValidationError(_("A rubric criterion must have a level worth points."))


def rubric_max(rubric: dict) -> Decimal:
    return to_score(
        sum(
            max(Decimal(str(level["points"])) for level in criterion["levels"])
            for criterion in rubric["criteria"]
        )
    )


def rubric_or_points_max(body: dict) -> Decimal:
    return rubric_max(body["rubric"]) if body.get("rubric") else points(body)


def validate_rubric_or_points(body: dict) -> None:
    if body.get("rubric"):
        validate_rubric(body["rubric"])
    else:
        points(body)


def validate_rubric_marking(body: dict, marking: Any) -> None:
    """With a rubric: {"levels": {criterion id: level id}} for every criterion.
    Without: {"score": n} between 0 and the question's points."""
    require_dict(marking, _("The marking"))
    if not body.get("rubric"):
        require_number(marking.get("score"), _("The score"), minimum=0, maximum=points(body))
        return
    chosen = require_dict(marking.get("levels"), _("The rubric levels chosen"))
    criteria = {criterion["id"]: criterion for criterion in body["rubric"]["criteria"]}
    if set(chosen) != set(criteria):
        raise ValidationError(_("Choose one level for every rubric criterion."))
    for criterion_id, level_id in chosen.items():
        check_known(
            [level_id],
            {level["id"] for level in criteria[criterion_id]["levels"]},
            _("The level of %(criterion)s") % {"criterion": criterion_id},
        )


def rubric_marking_score(body: dict, marking: dict) -> MarkResult:
    maximum = rubric_or_points_max(body)
    if not body.get("rubric"):
        return MarkResult(to_score(Decimal(str(marking["score"]))), maximum)
    total = Decimal(0)
    for criterion in body["rubric"]["criteria"]:
        level_id = marking["levels"][criterion["id"]]
        level = next(level for level in criterion["levels"] if level["id"] == level_id)
        total += Decimal(str(level["points"]))
    return MarkResult(to_score(total), maximum)


# Evidence files: [{"file": storage key, "content_type": "image/jpeg", "size": bytes}...].


def content_type_allowed(content_type: str, accepted: list[str]) -> bool:
    """'image/png' is allowed by 'image/png' or 'image/*'; an empty list allows anything."""
    if not accepted:
        return True
    major = content_type.split("/", 1)[0]
    return any(pattern in (content_type, f"{major}/*") for pattern in accepted)


def validate_evidence(
    files: Any,
    *,
    accepted_types: list[str] | None = None,
    max_files: int = MAX_EVIDENCE_FILES,
    max_bytes: int | None = None,
) -> None:
    if not isinstance(files, list):
        raise ValidationError(_("Evidence must be a list of files."))
    if len(files) > max_files:
        raise ValidationError(_("At most %(count)d files.") % {"count": max_files})
    for entry in files:
        if not isinstance(entry, dict):
            raise ValidationError(_("Each evidence file must be an object."))
        require_text(entry.get("file"), _("An evidence file's reference"), max_length=500)
        content_type = require_text(entry.get("content_type"), _("An evidence file's type"))
        size = entry.get("size")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValidationError(_("An evidence file's size must be a whole number of bytes."))
        if not content_type_allowed(content_type, accepted_types or []):
            raise ValidationError(
                _("Files of type %(type)s are not accepted here.") % {"type": content_type}
            )
        if max_bytes is not None and size > max_bytes:
            raise ValidationError(_("%(file)s is larger than allowed.") % {"file": entry["file"]})
