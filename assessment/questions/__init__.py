"""The question types: a registry of plain classes, one module per type.

`get(name)` answers the type object; each offers `validate_body`, `validate_response`,
`max_score` and `mark` (see `base.QuestionType`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .base import MarkResult, QuestionType
from .cloze import Cloze
from .essay import Essay
from .file_upload import FileUpload
from .matching import Matching
from .multiple_choice import MultipleChoice
from .numeric import Numeric
from .ordering import Ordering
from .practical_checklist import PracticalChecklist
from .short_answer import ShortAnswer
from .single_choice import SingleChoice
from .true_false import TrueFalse

REGISTRY: dict[str, QuestionType] = {
    question_type.name: question_type
    for question_type in (
        SingleChoice(),
        MultipleChoice(),
        TrueFalse(),
        ShortAnswer(),
        Numeric(),
        Matching(),
        Ordering(),
        Cloze(),
        Essay(),
        FileUpload(),
        PracticalChecklist(),
    )
}


def get(name: str) -> QuestionType:
    """The question type called `name`; an unknown name is a validation error."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError) as exc:
        raise ValidationError(_("Unknown question type: %(name)s") % {"name": name}) from exc


def choices() -> list[tuple[str, str]]:
    """(name, label) pairs for model and form fields."""
    return [(name, question_type.label) for name, question_type in REGISTRY.items()]


__all__ = ["REGISTRY", "MarkResult", "QuestionType", "choices", "get"]
