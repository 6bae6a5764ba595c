"""Every state change of the learning site: onboarding institutions, enrolment."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from institutions.api import (
    InstitutionRole,
    audit_record,
    is_national_admin,
    membership_grant,
    membership_revoke,
    staff_institution_ids,
)
from institutions.models import Cohort, Institution, Membership

from . import xapi
from .models import CatalogueIndexPage, CoursePage, Enrolment, HomePage, InstitutionPage


def _group_name(institution: Institution, role: str) -> str:
    return f"{institution.code} · {role}"


@transaction.atomic
def institution_site_ensure(*, institution: Institution) -> InstitutionPage:
    """Give an institution its catalogue section, staff groups and review workflow (idempotent).

    Teachers and examiners may draft pages below the section; the institution's
    administrators review and publish them, so nothing reaches learners unreviewed.
    """
    page = InstitutionPage.objects.filter(institution=institution, alias_of__isnull=True).first()
    if page is None:
        catalogue = CatalogueIndexPage.objects.filter(alias_of__isnull=True).first()
        if catalogue is None:
            raise ValidationError(_("The site has no catalogue page yet."))
        page = catalogue.add_child(
            instance=InstitutionPage(
                title=institution.name,
                slug=institution.code.lower(),
                institution=institution,
                locale=catalogue.locale,
            )
        )
        page.save_revision().publish()

    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    authors, _created = Group.objects.get_or_create(name=_group_name(institution, "authors"))
    reviewers, _created = Group.objects.get_or_create(name=_group_name(institution, "reviewers"))
    for group in (authors, reviewers):
        group.permissions.add(access_admin)
    for group, codenames in (
        (authors, ["add_page", "change_page"]),
        (reviewers, ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]),
    ):
        for codename in codenames:
            permission = Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            )
            GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)
    # Model permissions open the institution screens of the admin; which records
    # each person reaches there is decided by the tenancy scope, not by the group.
    for group, codenames in (
        (authors, ["add_cohort", "change_cohort", "view_cohort"]),
        (
            reviewers,
            [
                *("add_cohort", "change_cohort", "delete_cohort", "view_cohort"),
                *("add_membership", "change_membership", "delete_membership"),
                *("view_membership", "view_institution"),
            ],
        ),
    ):
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="institutions", codename__in=codenames
            )
        )
    for app_label, model in (("wagtailimages", "image"), ("wagtaildocs", "document")):
        for action in ("add", "choose"):
            try:
                permission = Permission.objects.get(
                    content_type__app_label=app_label, codename=f"{action}_{model}"
                )
            except Permission.DoesNotExist:
                continue
            authors.permissions.add(permission)
            reviewers.permissions.add(permission)

    workflow, _created = Workflow.objects.get_or_create(name=_group_name(institution, "review"))
    if not WorkflowTask.objects.filter(workflow=workflow).exists():
        task = GroupApprovalTask.objects.create(name=_group_name(institution, "reviewers"))
        task.groups.set([reviewers])
        # workflow_tasks is a deferring cluster relation: create the row directly.
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.get_or_create(page=page, defaults={"workflow": workflow})
    return page


def staff_groups_sync(*, user, institution: Institution) -> None:
    """Put `user` in exactly the Wagtail groups that match their roles in `institution`."""
    roles = set(
        Membership.objects.filter(user=user, institution=institution).values_list("role", flat=True)
    )
    authors = Group.objects.filter(name=_group_name(institution, "authors")).first()
    reviewers = Group.objects.filter(name=_group_name(institution, "reviewers")).first()
    for group, wanted in (
        (authors, bool(roles & {InstitutionRole.TEACHER, InstitutionRole.EXAMINER})),
        (reviewers, InstitutionRole.ADMIN in roles),
    ):
        if group is None:
            continue
        if wanted:
            user.groups.add(group)
        else:
            user.groups.remove(group)


@transaction.atomic
def staff_role_grant(*, actor, user, institution: Institution, role: str) -> None:
    """Grant a role and the matching Wagtail permissions in one step."""
    membership_grant(actor=actor, user=user, institution=institution, role=role)
    staff_groups_sync(user=user, institution=institution)


@transaction.atomic
def staff_role_revoke(*, actor, membership: Membership) -> None:
    """Revoke a role and the Wagtail permissions that came only with it in one step."""
    user, institution = membership.user, membership.institution
    membership_revoke(actor=actor, membership=membership)
    staff_groups_sync(user=user, institution=institution)


def _can_manage_course(user, course: CoursePage) -> bool:
    return is_national_admin(user) or course.institution_id in staff_institution_ids(user)


def _enrol(
    *, learner, course: CoursePage, source: str, cohort=None, actor=None
) -> tuple[Enrolment, bool]:
    enrolment = Enrolment.objects.filter(learner=learner, course_id=course.pk).first()
    if enrolment is not None:
        if enrolment.status == Enrolment.Status.WITHDRAWN:
            enrolment.status = Enrolment.Status.ACTIVE
            enrolment.save(update_fields=["status"])
            xapi.enrolment_event_on_commit(enrolment, event="registered", moment=timezone.now())
            return enrolment, True
        return enrolment, False
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                learner=learner,
                course=course,
                institution_id=course.institution_id,
                source=source,
                cohort=cohort,
            )
    except IntegrityError:
        # A concurrent request enrolled the same learner first: theirs stands.
        return Enrolment.objects.get(learner=learner, course_id=course.pk), False
    audit_record(
        actor=actor or learner,
        action="enrolment.create",
        obj=enrolment,
        institution=course.institution,
        data={"source": source, "cohort": cohort.pk if cohort else None},
    )
    xapi.enrolment_event_on_commit(enrolment, event="registered", moment=enrolment.enrolled_at)
    return enrolment, True


@transaction.atomic
def enrolment_self_enrol(*, learner, course: CoursePage) -> Enrolment:
    """A learner enrols themself in a live course that allows it (idempotent)."""
    if not learner.is_authenticated:
        raise PermissionDenied(_("Log in to enrol."))
    course = CoursePage.objects.get(pk=course.pk)
    if course.alias_of_id:
        course = CoursePage.objects.get(pk=course.alias_of_id)
    if not course.live or not course.allow_self_enrolment:
        raise PermissionDenied(_("This course does not accept self-enrolment."))
    enrolment, _created = _enrol(learner=learner, course=course, source=Enrolment.Source.SELF)
    return enrolment


@transaction.atomic
def enrolment_enrol_cohort(*, actor, cohort: Cohort, course: CoursePage) -> int:
    """Staff enrol every learner of a cohort in a course of the same institution."""
    if not _can_manage_course(actor, course):
        raise PermissionDenied(_("You cannot manage enrolments in this course."))
    if cohort.institution_id != course.institution_id:
        raise PermissionDenied(_("The cohort and the course belong to different institutions."))
    created = 0
    for learner in cohort.learners.all():
        _enrolment, was_created = _enrol(
            learner=learner,
            course=course,
            source=Enrolment.Source.COHORT,
            cohort=cohort,
            actor=actor,
        )
        created += int(was_created)
    return created


@transaction.atomic
def enrolment_withdraw(*, actor, enrolment: Enrolment) -> Enrolment:
    """Withdraw an enrolment: the learner themself, or the course's staff."""
    if actor.pk != enrolment.learner_id and not _can_manage_course(actor, enrolment.course):
        raise PermissionDenied(_("You cannot change this enrolment."))
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.save(update_fields=["status"])
    audit_record(
        actor=actor, action="enrolment.withdraw", obj=enrolment, institution=enrolment.institution
    )
    xapi.enrolment_event_on_commit(enrolment, event="unregistered", moment=timezone.now())
    return enrolment


@transaction.atomic
def enrolment_complete(*, enrolment: Enrolment) -> bool:
    """Mark an active enrolment completed (its course's activities are all done); idempotent.

    Called by the progress refresh, not by a person: no permission check. Returns whether
    this call completed it (a concurrent or repeated call finds it completed already).
    """
    now = timezone.now()
    changed = Enrolment.objects.filter(pk=enrolment.pk, status=Enrolment.Status.ACTIVE).update(
        status=Enrolment.Status.COMPLETED, completed_at=now
    )
    if changed:
        enrolment.status, enrolment.completed_at = Enrolment.Status.COMPLETED, now
        audit_record(
            actor=None,
            action="enrolment.complete",
            obj=enrolment,
            institution=enrolment.institution,
        )
        xapi.enrolment_event_on_commit(enrolment, event="completed", moment=now)
    return bool(changed)


HOME_TEXT = {
    "vi": (
        "Taynghe — Nền tảng số giáo dục nghề nghiệp",
        "<p>Học trực tuyến và kết hợp, thi và đánh giá kỹ năng, chia sẻ học liệu giữa các "
        "trường cao đẳng, trung cấp và trung tâm giáo dục nghề nghiệp trên cả nước.</p>",
    ),
    "en": (
        "Taynghe — the digital platform for vocational education",
        "<p>Online and blended learning, exams and skill assessment, and courseware shared "
        "between colleges, intermediate schools and training centres across the country.</p>",
    ),
}
CATALOGUE_TEXT = {
    "vi": ("Danh mục khóa học", "<p>Chương trình và khóa học của các cơ sở đào tạo.</p>"),
    "en": ("Course catalogue", "<p>Programmes and courses of every institution.</p>"),
}


@transaction.atomic
def site_ensure() -> HomePage:
    """Create the home page, catalogue, locales and the default site once (idempotent)."""
    from wagtail.models import Locale, Page, Site

    vi, _created = Locale.objects.get_or_create(language_code="vi")
    en, _created = Locale.objects.get_or_create(language_code="en")
    home = HomePage.objects.filter(locale=vi).first()
    if home is None:
        root = Page.get_first_root_node()
        # Wagtail's installer leaves a plain "Welcome" page at slug "home"; ours replaces it.
        for welcome in Page.objects.child_of(root).filter(content_type__model="page"):
            Site.objects.filter(root_page=welcome).delete()
            welcome.delete()
        title, intro = HOME_TEXT["vi"]
        home = root.add_child(instance=HomePage(title=title, slug="home", intro=intro, locale=vi))
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="Taynghe"
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()

    catalogue = CatalogueIndexPage.objects.filter(locale=vi).first()
    if catalogue is None:
        title, intro = CATALOGUE_TEXT["vi"]
        catalogue = home.add_child(
            instance=CatalogueIndexPage(title=title, slug="catalogue", intro=intro, locale=vi)
        )
        catalogue.save_revision().publish()

    for page, texts in ((home, HOME_TEXT), (catalogue, CATALOGUE_TEXT)):
        if not page.has_translation(en):
            translated = page.copy_for_translation(en)
            translated.title, translated.intro = texts["en"]
            translated.save_revision().publish()
    return home


def translations_sync(*, page) -> None:
    """Give every page below `page` an English alias until an editor translates it (idempotent)."""
    from wagtail.models import Locale

    en = Locale.objects.get(language_code="en")
    for descendant in (
        page.get_descendants(inclusive=True).filter(locale=page.locale).order_by("path")
    ):
        if not descendant.has_translation(en):
            descendant.specific.copy_for_translation(en, copy_parents=True, alias=True)


MINISTRY_GROUP = "Bộ · ministry administrators"


@transaction.atomic
def national_admin_access_sync(*, user) -> None:
    """Give ministry administrators the staff area over every institution's pages (idempotent).

    Their group holds page permissions on the home page, so they review and publish in
    any section; a person who loses the national role leaves the group.
    """
    from institutions.api import NationalRole

    group, created = Group.objects.get_or_create(name=MINISTRY_GROUP)
    if created:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
        home = HomePage.objects.filter(alias_of__isnull=True).order_by("path").first()
        if home is not None:
            for codename in ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]:
                GroupPagePermission.objects.get_or_create(
                    group=group,
                    page=home,
                    permission=Permission.objects.get(
                        content_type__app_label="wagtailcore", codename=codename
                    ),
                )
    if user.national_role == NationalRole.MINISTRY_ADMIN:
        user.groups.add(group)
    else:
        user.groups.remove(group)
