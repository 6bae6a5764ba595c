"""Every state change of institutions, people, roles and cohorts.

Each service is keyword-only, atomic, checks the actor's permission where there is
an actor, and writes an audit event.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import AuditEvent, Cohort, Institution, Membership, User
from .roles import InstitutionRole, NationalRole
from .scoping import is_national_admin, require_admin, require_staff


def audit_record(*, actor, action: str, obj=None, institution=None, data=None) -> AuditEvent:
    """Write one audit event."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        institution=institution,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
    )


def _luhn_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def learner_id_generate() -> str:
    """A new national learner identifier: 'TN' + 11 digits, the last a Luhn check digit."""
    body = f"{secrets.randbelow(10**10):010d}"
    return f"TN{body}{_luhn_digit(body)}"


def learner_id_is_valid(value: str) -> bool:
    """True when `value` has the shape and check digit of a national learner identifier."""
    if len(value) != 13 or not value.startswith("TN") or not value[2:].isdigit():
        return False
    return _luhn_digit(value[2:12]) == value[12]


@transaction.atomic
def learner_id_assign(*, user: User) -> str:
    """Give `user` a national learner identifier once; an existing one never changes."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.learner_id:
        return user.learner_id
    for _attempt in range(10):
        candidate = learner_id_generate()
        if not User.objects.filter(learner_id=candidate).exists():
            user.learner_id = candidate
            user.save(update_fields=["learner_id"])
            return candidate
    raise RuntimeError("Could not draw an unused learner identifier")


@transaction.atomic
def institution_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    province: str,
    address: str = "",
    latitude=None,
    longitude=None,
    short_name: str = "",
    website: str = "",
) -> Institution:
    """Register an institution (national administrators only)."""
    if actor is not None and not is_national_admin(actor):
        raise PermissionDenied(_("Only national administrators register institutions."))
    institution = Institution(
        code=code,
        name=name,
        kind=kind,
        province=province,
        address=address,
        latitude=latitude,
        longitude=longitude,
        short_name=short_name,
        website=website,
    )
    institution.full_clean()
    institution.save()
    audit_record(actor=actor, action="institution.create", obj=institution, institution=institution)
    return institution


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    national_role: str = NationalRole.NONE,
) -> User:
    """Create a person's account."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        national_role=national_role,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def membership_grant(*, actor, user: User, institution: Institution, role: str) -> Membership:
    """Give `user` a role in `institution`; learners receive their national identifier."""
    require_admin(
        actor,
        institution.pk,
        _("Only this institution's administrators grant its roles."),
    )
    if role not in InstitutionRole.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role})
    membership, created = Membership.objects.get_or_create(
        user=user, institution=institution, role=role
    )
    if role == InstitutionRole.LEARNER:
        user.learner_id = learner_id_assign(user=user)
    if created:
        audit_record(
            actor=actor,
            action="membership.grant",
            obj=membership,
            institution=institution,
            data={"user": user.pk, "role": role},
        )
    # Role caches on this user object are now stale.
    if hasattr(user, "_taynghe_roles"):
        del user._taynghe_roles
    return membership


@transaction.atomic
def cohort_create(*, actor, institution: Institution, code: str, name: str) -> Cohort:
    """Create a cohort in an institution the actor works for."""
    require_staff(
        actor,
        institution.pk,
        _("You cannot create cohorts in this institution."),
    )
    cohort = Cohort(institution=institution, code=code, name=name)
    cohort.full_clean()
    try:
        cohort.save()
    except IntegrityError as exc:
        raise ValidationError(_("A cohort with this code already exists.")) from exc
    audit_record(actor=actor, action="cohort.create", obj=cohort, institution=institution)
    return cohort


@transaction.atomic
def cohort_add_learners(*, actor, cohort: Cohort, learners: Iterable[User]) -> int:
    """Add learners of the cohort's institution to it; returns how many were added."""
    require_staff(actor, cohort.institution_id, _("You cannot change this cohort."))
    learners = list(learners)
    enrolled_here = set(
        Membership.objects.filter(
            institution_id=cohort.institution_id,
            role=InstitutionRole.LEARNER,
            user__in=learners,
        ).values_list("user_id", flat=True)
    )
    strangers = [learner for learner in learners if learner.pk not in enrolled_here]
    if strangers:
        raise ValidationError(
            _("Not learners of this institution: %(names)s")
            % {"names": ", ".join(str(s) for s in strangers)}
        )
    existing = set(cohort.learners.values_list("pk", flat=True))
    new = [learner for learner in learners if learner.pk not in existing]
    cohort.learners.add(*new)
    if new:
        audit_record(
            actor=actor,
            action="cohort.add_learners",
            obj=cohort,
            institution=cohort.institution,
            data={"learners": [learner.pk for learner in new]},
        )
    return len(new)


@transaction.atomic
def cohort_update(
    *, actor, cohort: Cohort, code: str, name: str, learners: Iterable[User] | None = None
) -> Cohort:
    """Rename a cohort and, when `learners` is given, make them its exact membership."""
    require_staff(actor, cohort.institution_id, _("You cannot change this cohort."))
    cohort.code, cohort.name = code, name
    cohort.full_clean()
    cohort.save()
    data: dict = {"code": code, "name": name}
    if learners is not None:
        learners = list(learners)
        keep = {learner.pk for learner in learners}
        departed = list(cohort.learners.exclude(pk__in=keep).values_list("pk", flat=True))
        cohort.learners.remove(*departed)
        cohort_add_learners(actor=actor, cohort=cohort, learners=learners)
        data["removed"] = departed
    audit_record(
        actor=actor, action="cohort.update", obj=cohort, institution=cohort.institution, data=data
    )
    return cohort


@transaction.atomic
def membership_revoke(*, actor, membership: Membership) -> None:
    """Take a role away from a person (this institution's administrators only)."""
    require_admin(
        actor,
        membership.institution_id,
        _("Only this institution's administrators revoke its roles."),
    )
    audit_record(
        actor=actor,
        action="membership.revoke",
        obj=membership,
        institution=membership.institution,
        data={"user": membership.user_id, "role": membership.role},
    )
    user = membership.user
    membership.delete()
    if hasattr(user, "_taynghe_roles"):
        del user._taynghe_roles


@transaction.atomic
def cohort_delete(*, actor, cohort: Cohort) -> None:
    """Delete a cohort (its institution's administrators only); enrolments stay."""
    require_admin(
        actor,
        cohort.institution_id,
        _("Only this institution's administrators delete its cohorts."),
    )
    audit_record(
        actor=actor,
        action="cohort.delete",
        obj=cohort,
        institution=cohort.institution,
        data={"code": cohort.code},
    )
    cohort.delete()
