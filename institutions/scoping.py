"""The one tenancy scope: which institutions' teaching records a person may see and change.

Every model that belongs to an institution uses `TenantQuerySet` (or a subclass that
widens `visible_to` for the record's own learner), and every view, admin screen and
API endpoint starts from `Model.objects.visible_to(user)` or `.editable_by(user)`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models

from .roles import STAFF_ROLES, InstitutionRole, NationalRole


def is_national_admin(user) -> bool:
    """Superusers and ministry administrators see and change every institution's records."""
    return bool(
        user
        and user.is_authenticated
        and (user.is_superuser or user.national_role == NationalRole.MINISTRY_ADMIN)
    )


def institution_ids_for(user, roles=STAFF_ROLES) -> set[int]:
    """Ids of the institutions where `user` holds one of `roles` (cached on the user object)."""
    if not user or not user.is_authenticated:
        return set()
    cache = getattr(user, "_taynghe_roles", None)
    if cache is None:
        from .models import Membership

        cache = {}
        for institution_id, role in Membership.objects.filter(user=user).values_list(
            "institution_id", "role"
        ):
            cache.setdefault(role, set()).add(institution_id)
        user._taynghe_roles = cache
    return set().union(*(cache.get(role, set()) for role in roles))


def staff_institution_ids(user) -> set[int]:
    """Institutions whose teaching records `user` works with as staff."""
    return institution_ids_for(user, STAFF_ROLES)


def admin_institution_ids(user) -> set[int]:
    """Institutions that `user` administers."""
    return institution_ids_for(user, {InstitutionRole.ADMIN})


def _require(actor, institution_id: int, institution_ids, message: str) -> None:
    # A missing actor is the platform itself (demo loader, shell commands) and is allowed.
    if actor is not None and not (
        is_national_admin(actor) or institution_id in institution_ids(actor)
    ):
        raise PermissionDenied(message)


def require_staff(actor, institution_id: int, message: str) -> None:
    """Refuse (PermissionDenied) unless `actor` is staff of the institution or a national admin."""
    _require(actor, institution_id, staff_institution_ids, message)


def require_admin(actor, institution_id: int, message: str) -> None:
    """Refuse (PermissionDenied) unless `actor` administers the institution or is a national admin."""
    _require(actor, institution_id, admin_institution_ids, message)


class TenantQuerySet(models.QuerySet):
    """A queryset of records owned by an institution, scoped to what a user may touch."""

    institution_field = "institution"

    def for_institution(self, institution):
        return self.filter(**{self.institution_field: institution})

    def visible_to(self, user):
        """Records `user` may read: staff see their institutions', national admins all."""
        if is_national_admin(user):
            return self
        return self.filter(**{f"{self.institution_field}__in": staff_institution_ids(user)})

    def editable_by(self, user):
        """Records `user` may change: the same scope as reading for staff records."""
        return self.visible_to(user)


class MembershipQuerySet(TenantQuerySet):
    """Roles: staff see their institutions' people; only administrators change roles."""

    def editable_by(self, user):
        if is_national_admin(user):
            return self
        return self.filter(institution__in=admin_institution_ids(user))


class InstitutionQuerySet(TenantQuerySet):
    """Institutions themselves: staff read their own record; national administrators change any."""

    institution_field = "pk"

    def editable_by(self, user):
        return self if is_national_admin(user) else self.none()
