"""Every state change of item banks and items.

Each service is keyword-only and atomic, checks the actor's permission through the
tenancy scope (a missing actor is the platform itself: demo loader, imports), and
writes an audit event.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from institutions.api import audit_record, require_staff

from .models import Item, ItemBank, ItemVersion, ItemVersionLabel
from .richtext import stem_clean

# Fields of an item version an author may set; anything else is not theirs to change.
VERSION_FIELDS = (
    "question_type",
    "stem",
    "body",
    "tags",
    "outcome_codes",
    "difficulty",
    "language",
)


def _require_bank_editable(actor, bank: ItemBank) -> None:
    require_staff(actor, bank.institution_id, _("Only this bank's institution changes its items."))


def _clean_labels(values: Iterable[str]) -> list[str]:
    """Tags and outcome codes: NFC, trimmed, without repeats, in the order given.

    NFC because Vietnamese keyboards type some letters composed and others decomposed,
    and a blueprint asking for "an toàn" must find both.
    """
    if isinstance(values, str):
        raise ValidationError(_("Tags and codes must be a list of texts."))
    cleaned = []
    for value in values:
        if not isinstance(value, str):
            raise ValidationError(_("Tags and codes must be text."))
        value = " ".join(unicodedata.normalize("NFC", value).split())
        if len(value) > 255:
            raise ValidationError(_("Tags and codes are at most 255 characters."))
        if value and value not in cleaned:
            cleaned.append(value)
    return cleaned


@transaction.atomic
def bank_create(
    *, actor, institution, name: str, description: str = "", shared_nationally: bool = False
) -> ItemBank:
    """Create an item bank owned by an institution the actor works for."""
    require_staff(actor, institution.pk, _("You cannot create item banks in this institution."))
    bank = ItemBank(
        institution=institution,
        name=name,
        description=description,
        shared_nationally=shared_nationally,
        created_by=actor,
    )
    bank.full_clean()
    try:
        with transaction.atomic():
            bank.save()
    except IntegrityError as exc:
        raise ValidationError(_("An item bank with this name already exists.")) from exc
    audit_record(
        actor=actor,
        action="item_bank.create",
        obj=bank,
        institution=institution,
        data={"name": name, "shared_nationally": shared_nationally},
    )
    return bank


@transaction.atomic
def bank_update(
    *, actor, bank: ItemBank, name: str, description: str = "", shared_nationally: bool
) -> ItemBank:
    """Rename a bank or change whether it is shared nationally (its own institution only)."""
    _require_bank_editable(actor, bank)
    bank.name, bank.description, bank.shared_nationally = name, description, shared_nationally
    bank.full_clean()
    bank.save()
    audit_record(
        actor=actor,
        action="item_bank.update",
        obj=bank,
        institution=bank.institution,
        data={"name": name, "shared_nationally": shared_nationally},
    )
    return bank


def _labels_sync(version: ItemVersion) -> None:
    """Rewrite the indexed tag and outcome rows of a version from its JSON lists."""
    ItemVersionLabel.objects.filter(version=version).delete()
    ItemVersionLabel.objects.bulk_create(
        [
            ItemVersionLabel(version=version, kind=kind, value=value)
            for kind, values in (
                (ItemVersionLabel.Kind.TAG, version.tags),
                (ItemVersionLabel.Kind.OUTCOME, version.outcome_codes),
            )
            for value in values
        ]
    )


def _version_from(fields: dict, *, item: Item, number: int, actor) -> ItemVersion:
    version = ItemVersion(item=item, number=number, created_by=actor, **fields)
    version.stem = stem_clean(version.stem)
    version.tags = _clean_labels(version.tags)
    version.outcome_codes = _clean_labels(version.outcome_codes)
    version.full_clean()
    return version


@transaction.atomic
def item_create(
    *,
    actor,
    bank: ItemBank,
    question_type: str,
    stem: str,
    body: dict,
    tags: Iterable[str] = (),
    outcome_codes: Iterable[str] = (),
    difficulty: int = ItemVersion.Difficulty.MEDIUM,
    language: str = ItemVersion.Language.VIETNAMESE,
) -> ItemVersion:
    """Add a question to a bank; answers its first version (the item is `version.item`)."""
    _require_bank_editable(actor, bank)
    item = Item.objects.create(bank=bank, created_by=actor)
    version = _version_from(
        {
            "question_type": question_type,
            "stem": stem,
            "body": body,
            "tags": tags,
            "outcome_codes": outcome_codes,
            "difficulty": difficulty,
            "language": language,
        },
        item=item,
        number=1,
        actor=actor,
    )
    version.save()
    _labels_sync(version)
    audit_record(
        actor=actor,
        action="item.create",
        obj=item,
        institution=bank.institution,
        data={"version": 1, "question_type": question_type},
    )
    return version


@transaction.atomic
def item_update(*, actor, item: Item, **changes) -> ItemVersion:
    """Change an item; answers the version that now holds the change.

    While the latest version is unused it is edited in place; once an exam has used it
    (it is locked) a new version is made from it and the old one stays as it was, so
    past attempts keep the question they saw.
    """
    unknown = set(changes) - set(VERSION_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    # Lock the item row so two editors cannot both create version n + 1.
    item = (
        Item.objects.select_for_update(of=("self",))
        .select_related("bank__institution")
        .get(pk=item.pk)
    )
    _require_bank_editable(actor, item.bank)
    # Lock the latest version too: an exam locking it meanwhile waits, then sees the edit.
    current = item.versions.select_for_update().order_by("-number").first()
    if "stem" in changes:
        changes = {**changes, "stem": stem_clean(changes["stem"])}
    if all(getattr(current, name) == value for name, value in changes.items()):
        return current  # nothing changes: no new version, no audit event
    fields = {name: getattr(current, name) for name in VERSION_FIELDS}
    fields.update(changes)
    if current.is_locked:
        version = _version_from(fields, item=item, number=current.number + 1, actor=actor)
        version.save()
        _labels_sync(version)
        action = "item.version_create"
    else:
        for name, value in fields.items():
            setattr(current, name, value)
        current.tags = _clean_labels(current.tags)
        current.outcome_codes = _clean_labels(current.outcome_codes)
        current.full_clean()
        current.save()
        _labels_sync(current)
        version = current
        action = "item.update"
    audit_record(
        actor=actor,
        action=action,
        obj=item,
        institution=item.bank.institution,
        data={"version": version.number, "fields": sorted(changes)},
    )
    return version


@transaction.atomic
def item_version_lock(*, actor, version: ItemVersion, reason: str = "") -> ItemVersion:
    """Freeze a version because an exam uses it (idempotent).

    Any staff member who may read the item may lock it: an exam of another institution
    drawing on a nationally shared bank freezes the version it drew.
    """
    version = (
        ItemVersion.objects.select_for_update(of=("self",))
        .select_related("item__bank__institution")
        .get(pk=version.pk)
    )
    if (
        actor is not None
        and not ItemVersion.objects.visible_to(actor).filter(pk=version.pk).exists()
    ):
        raise PermissionDenied(_("You cannot use this item."))
    if version.is_locked:
        return version
    ItemVersion.objects.filter(pk=version.pk).update(locked_at=timezone.now())
    version.refresh_from_db(fields=["locked_at"])
    version._locked_when_loaded = True
    audit_record(
        actor=actor,
        action="item.version_lock",
        obj=version,
        institution=version.item.bank.institution,
        data={"item": str(version.item.uid), "version": version.number, "reason": reason},
    )
    return version
