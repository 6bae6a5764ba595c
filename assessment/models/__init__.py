"""Item banks and items; exams and their versions; attempts and answers."""

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

__all__ = [
    "Accommodation",
    "Answer",
    "Attempt",
    "AttemptQuestion",
    "BankScopedQuerySet",
    "BlueprintRule",
    "Exam",
    "ExamItem",
    "ExamSection",
    "ExamVersion",
    "Item",
    "ItemBank",
    "ItemBankQuerySet",
    "ItemQuerySet",
    "ItemVersion",
    "ItemVersionLabel",
    "ItemVersionQuerySet",
    "validate_networks",
]
