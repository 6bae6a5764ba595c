"""Reads reused by screens, the API and (later) exam building."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from .models import ItemBank, ItemVersion


def latest_versions(*, user, bank: ItemBank | None = None) -> QuerySet[ItemVersion]:
    """The current version of each item `user` may read (optionally of one bank), in one query.

    "Current" is the highest number: what a new exam draws and an author edits.
    """
    newest = ItemVersion.objects.filter(item=OuterRef("item")).order_by("-number").values("number")
    versions = (
        ItemVersion.objects.visible_to(user)
        .filter(number=Subquery(newest[:1]))
        .select_related("item__bank")
        .order_by("item__bank__name", "item_id")
    )
    if bank is not None:
        versions = versions.filter(item__bank=bank)
    return versions
