"""Every state change of exams: create, update (a new version once attempted), publish,
accommodations.

Keyword-only, atomic, permission-checked through the tenancy scope (a missing actor is
the platform itself), audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from institutions.api import (
    InstitutionRole,
    audit_record,
    institution_ids_for,
    require_staff,
)

from . import services as item_services
from .models import (
    Accommodation,
    BlueprintRule,
    Exam,
    ExamItem,
    ExamSection,
    ExamVersion,
    ItemBank,
    ItemVersion,
)

# The settings an exam version carries; `exam_update` copies them to a new version.
SETTINGS = (
    "instructions",
    "time_limit_minutes",
    "opens_at",
    "closes_at",
    "attempts_allowed",
    "access_code",
    "allowed_networks",
    "shuffle_items",
    "shuffle_options",
    "negative_marking",
    "review_when",
    "review_marks",
    "review_correct",
    "review_feedback",
)


@dataclass
class RuleSpec:
    """Draw `count` items of `bank` having the tag, outcome code and difficulty given."""

    bank: ItemBank
    count: int
    tag: str = ""
    outcome_code: str = ""
    difficulty: int | None = None


@dataclass
class SectionSpec:
    """A section to build: its title, fixed item versions in order, and blueprint rules."""

    title: str = ""
    items: list[ItemVersion] = field(default_factory=list)
    rules: list[RuleSpec] = field(default_factory=list)


def _require_exam_staff(actor, exam: Exam) -> None:
    require_staff(actor, exam.institution_id, _("Only this exam's institution changes it."))


def _check_settings(settings: dict) -> None:
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise ValidationError(
            _("These settings do not exist: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )


def _build_sections(*, actor, version: ExamVersion, sections: Iterable[SectionSpec]) -> None:
    """Write the sections of a version; every fixed item version used is frozen."""
    for position, spec in enumerate(sections, start=1):
        if not isinstance(spec, SectionSpec):
            raise ValidationError(_("A section must be a SectionSpec."))
        section = ExamSection(version=version, position=position, title=spec.title)
        section.full_clean(exclude=["version"])
        section.save()
        for item_position, item_version in enumerate(spec.items, start=1):
            # item_version_lock refuses (PermissionDenied) an item the actor may not read.
            locked = item_services.item_version_lock(
                actor=actor, version=item_version, reason=f"exam {version.exam_id}"
            )
            ExamItem.objects.create(section=section, position=item_position, item_version=locked)
        for rule_position, rule in enumerate(spec.rules, start=1):
            if (
                actor is not None
                and not ItemBank.objects.visible_to(actor).filter(pk=rule.bank.pk).exists()
            ):
                raise PermissionDenied(_("You cannot use this item bank."))
            row = BlueprintRule(
                section=section,
                position=rule_position,
                bank=rule.bank,
                count=rule.count,
                tag=rule.tag,
                outcome_code=rule.outcome_code,
                difficulty=rule.difficulty,
            )
            row.full_clean(exclude=["section"])
            row.save()


def _new_version(*, actor, exam: Exam, number: int, settings: dict, sections) -> ExamVersion:
    version = ExamVersion(exam=exam, number=number, created_by=actor, **settings)
    version.full_clean(exclude=["exam"])
    version.save()
    _build_sections(actor=actor, version=version, sections=sections)
    return version


@transaction.atomic
def exam_create(
    *,
    actor,
    institution,
    title: str,
    sections: Iterable[SectionSpec] = (),
    **settings,
) -> Exam:
    """Create an exam (version 1) in an institution the actor is staff of."""
    require_staff(actor, institution.pk, _("You cannot create exams in this institution."))
    _check_settings(settings)
    exam = Exam(institution=institution, title=title, created_by=actor)
    exam.full_clean()
    exam.save()
    _new_version(actor=actor, exam=exam, number=1, settings=settings, sections=list(sections))
    audit_record(
        actor=actor,
        action="exam.create",
        obj=exam,
        institution=institution,
        data={"title": title, "settings": sorted(settings)},
    )
    return exam


def _sections_of(version: ExamVersion) -> list[SectionSpec]:
    """The sections of a version as specs, to copy them into a new version."""
    return [
        SectionSpec(
            title=section.title,
            items=[row.item_version for row in section.items.select_related("item_version")],
            rules=[
                RuleSpec(
                    bank=rule.bank,
                    count=rule.count,
                    tag=rule.tag,
                    outcome_code=rule.outcome_code,
                    difficulty=rule.difficulty,
                )
                for rule in section.rules.select_related("bank")
            ],
        )
        for section in version.sections.all()
    ]


@transaction.atomic
def exam_update(
    *,
    actor,
    exam: Exam,
    title: str | None = None,
    sections: Iterable[SectionSpec] | None = None,
    **settings,
) -> ExamVersion:
    """Change an exam; answers the version that now holds the change.

    A version no attempt uses yet is edited in place; once attempts exist (prepared,
    open or finished) the change makes version n + 1 and those attempts keep theirs.
    `sections`, when given, replaces the sections whole.
    """
    _check_settings(settings)
    # Lock the exam row: two editors, or an edit and attempt preparation, serialise here.
    exam = Exam.objects.select_for_update().get(pk=exam.pk)
    _require_exam_staff(actor, exam)
    current = exam.versions.select_for_update().order_by("-number").first()
    # Settings given with their current values change nothing (and make no version).
    settings = {name: value for name, value in settings.items() if getattr(current, name) != value}
    changed = sorted(settings) + (["sections"] if sections is not None else [])
    if title is not None and title != exam.title:
        # The title names the exam, not a version: it changes in place.
        exam.title = title
        exam.full_clean()
        exam.save(update_fields=["title"])
        changed.append("title")
    if not settings and sections is None:
        version = current
        action = "exam.update"
        if not changed:
            return current
    elif current.is_locked or current.attempts.exists():
        merged = {name: getattr(current, name) for name in SETTINGS}
        merged.update(settings)
        version = _new_version(
            actor=actor,
            exam=exam,
            number=current.number + 1,
            settings=merged,
            sections=list(sections) if sections is not None else _sections_of(current),
        )
        action = "exam.version_create"
    else:
        for name, value in settings.items():
            setattr(current, name, value)
        current.full_clean(exclude=["exam"])
        current.save()
        if sections is not None:
            current.sections.all().delete()
            _build_sections(actor=actor, version=current, sections=list(sections))
        version = current
        action = "exam.update"
    audit_record(
        actor=actor,
        action=action,
        obj=exam,
        institution=exam.institution,
        data={"version": version.number, "fields": changed},
    )
    return version


@transaction.atomic
def exam_publish(*, actor, exam: Exam) -> Exam:
    """Open an exam to attempts (idempotent); it must have at least one question."""
    exam = Exam.objects.select_for_update().get(pk=exam.pk)
    _require_exam_staff(actor, exam)
    if exam.published_at is not None:
        return exam
    version = exam.current_version
    if not (
        ExamItem.objects.filter(section__version=version).exists()
        or BlueprintRule.objects.filter(section__version=version).exists()
    ):
        raise ValidationError(_("An exam needs at least one question before it is published."))
    exam.published_at = timezone.now()
    exam.save(update_fields=["published_at"])
    audit_record(
        actor=actor,
        action="exam.publish",
        obj=exam,
        institution=exam.institution,
        data={"version": version.number},
    )
    return exam


@transaction.atomic
def accommodation_set(
    *,
    actor,
    exam: Exam,
    learner,
    extra_percent: int = 0,
    extra_minutes: int = 0,
    reason: str = "",
) -> Accommodation:
    """Grant (or change) a learner's extra time on an exam; attempts started later use it."""
    _require_exam_staff(actor, exam)
    if exam.institution_id not in institution_ids_for(learner, {InstitutionRole.LEARNER}):
        raise ValidationError(_("This person is not a learner of the exam's institution."))
    accommodation, _created = Accommodation.objects.get_or_create(exam=exam, learner=learner)
    accommodation.extra_percent = extra_percent
    accommodation.extra_minutes = extra_minutes
    accommodation.reason = reason
    accommodation.full_clean()
    accommodation.save()
    audit_record(
        actor=actor,
        action="exam.accommodation_set",
        obj=exam,
        institution=exam.institution,
        data={
            "learner": learner.pk,
            "extra_percent": extra_percent,
            "extra_minutes": extra_minutes,
        },
    )
    return accommodation
