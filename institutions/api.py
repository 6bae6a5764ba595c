"""What other parts of the platform may call in `institutions`."""

from .qualifications import TrainingLevel
from .roles import STAFF_ROLES, InstitutionRole, NationalRole
from .scoping import (
    TenantQuerySet,
    admin_institution_ids,
    institution_ids_for,
    is_national_admin,
    require_admin,
    require_staff,
    staff_institution_ids,
)
from .services import (
    audit_record,
    cohort_add_learners,
    cohort_create,
    cohort_delete,
    cohort_update,
    institution_create,
    learner_id_is_valid,
    membership_grant,
    membership_revoke,
    user_create,
)

__all__ = [
    "STAFF_ROLES",
    "InstitutionRole",
    "NationalRole",
    "TenantQuerySet",
    "TrainingLevel",
    "admin_institution_ids",
    "audit_record",
    "cohort_add_learners",
    "cohort_create",
    "cohort_delete",
    "cohort_update",
    "institution_create",
    "institution_ids_for",
    "is_national_admin",
    "learner_id_is_valid",
    "membership_grant",
    "membership_revoke",
    "require_admin",
    "require_staff",
    "staff_institution_ids",
    "user_create",
]
