"""Item banks and items; exams and their versions; attempts and answers; marking."""

from .attempts import Answer, Attempt, AttemptQuestion
from .exams import (
    Accommodation,
    BlueprintRule,
    Exam,
    ExamItem,
    ExamSection,
    ExamVersion,
    validate_networks,
)
from .items import (
    BankScopedQuerySet,
    Item,
    ItemBank,
    ItemBankQuerySet,
    ItemQuerySet,
    ItemVersion,
    ItemVersionLabel,
    ItemVersionQuerySet,
)
from .marking import AttemptRelease, ExamMarking, MarkingEvent, ResponseMark, ResultNotice

__all__ = [
    "Accommodation",
    "Answer",
    "Attempt",
    "AttemptQuestion",
    "AttemptRelease",
    "BankScopedQuerySet",
    "BlueprintRule",
    "Exam",
    "ExamItem",
    "ExamMarking",
    "ExamSection",
    "ExamVersion",
    "Item",
    "ItemBank",
    "ItemBankQuerySet",
    "ItemQuerySet",
    "ItemVersion",
    "ItemVersionLabel",
    "ItemVersionQuerySet",
    "MarkingEvent",
    "ResponseMark",
    "ResultNotice",
    "validate_networks",
]
