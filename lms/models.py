"""The Wagtail site (programmes, courses, modules, lessons as pages) and enrolment."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from institutions.api import (
    TenantQuerySet,
    TrainingLevel,
    is_national_admin,
    staff_institution_ids,
)

from .blocks import LessonBodyBlock


class HomePage(Page):
    """The platform's front page."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["lms.CatalogueIndexPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")

    def route(self, request, path_components):
        """Find the page at a path below home in one query instead of one walk step per level.

        A page's url_path is its ancestors' slugs, kept up to date by Wagtail on every
        move and slug change, so the exact match is the page Wagtail's walk would reach.
        No page type in this tree routes its own sub-paths; should one ever do so, the
        path has no exact match and Wagtail's walk below takes over.
        """
        if path_components:
            page = (
                Page.objects.filter(
                    slug=path_components[-1],
                    depth=self.depth + len(path_components),
                    path__startswith=self.path,
                    url_path=f"{self.url_path}{'/'.join(path_components)}/",
                )
                .specific()
                .first()
            )
            if page is not None:
                return page.route(request, [])
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from institutions.models import Institution

        context = super().get_context(request, *args, **kwargs)
        context["catalogue"] = CatalogueIndexPage.objects.live().filter(locale=self.locale).first()
        context["stats"] = {
            "institutions": Institution.objects.filter(is_active=True).count(),
            "programmes": ProgrammePage.objects.live().filter(locale=self.locale).count(),
            "courses": CoursePage.objects.live().filter(locale=self.locale).count(),
        }
        context["programmes"] = (
            ProgrammePage.objects.live()
            .filter(locale=self.locale)
            .select_related("institution")
            .order_by("-first_published_at")[:6]
        )
        return context


class CatalogueIndexPage(Page):
    """The catalogue of every institution's programmes and courses, with filters."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["lms.HomePage"]
    subpage_types = ["lms.InstitutionPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("catalogue")

    PAGE_SIZE = 24

    def get_context(self, request, *args, **kwargs):
        from .selectors import catalogue_courses

        context = super().get_context(request, *args, **kwargs)
        query = request.GET.get("q", "").strip()[:100]
        level = request.GET.get("level", "")
        province = request.GET.get("province", "").strip()[:100]
        courses = catalogue_courses(locale=self.locale, query=query, level=level, province=province)
        page = Paginator(courses, self.PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(
            courses=page,
            query=query,
            level=level,
            province=province,
            levels=ProgrammePage.Level.choices,
        )
        return context


class InstitutionPage(Page):
    """One institution's section of the catalogue; its staff edit only below it."""

    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="catalogue_pages",
        verbose_name=_("institution"),
    )
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["lms.CatalogueIndexPage"]
    subpage_types = ["lms.ProgrammePage"]

    class Meta:
        verbose_name = _("institution section")


class ProgrammePage(Page):
    """A training programme for one occupation at one level, with its learning outcomes."""

    Level = TrainingLevel

    occupation_code = models.CharField(
        _("occupation code"),
        max_length=16,
        help_text=_("Code in the national list of occupations."),
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"), default=12)
    summary = models.TextField(_("summary"), blank=True)
    intro = RichTextField(_("description"), blank=True)
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="programme_pages",
        editable=False,
        null=True,
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("occupation_code"), FieldPanel("level"), FieldPanel("duration_months")],
            heading=_("Programme"),
        ),
        FieldPanel("summary"),
        FieldPanel("intro"),
        InlinePanel("outcomes", label=_("Learning outcomes"), heading=_("Learning outcomes")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("intro"),
        index.FilterField("level"),
        index.SearchField("occupation_code"),
    ]
    parent_page_types = ["lms.InstitutionPage"]
    subpage_types = ["lms.CoursePage"]

    class Meta:
        verbose_name = _("programme")

    def save(self, *args, **kwargs):
        # The owning institution follows the page's place in the tree, so scoped
        # queries need no tree walk.
        parent = self.get_parent() if self.pk or self.path else None
        if parent is not None and isinstance(parent.specific, InstitutionPage):
            self.institution_id = parent.specific.institution_id
        super().save(*args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = CoursePage.objects.child_of(self).live().order_by("path")
        context["outcomes"] = self.outcomes.all()
        return context


class DigitalCompetencyArea(models.TextChoices):
    """The five areas of the European digital competence framework (DigComp 2.2)."""

    INFORMATION = "information", _("Information and data literacy")
    COMMUNICATION = "communication", _("Communication and collaboration")
    CONTENT = "content", _("Digital content creation")
    SAFETY = "safety", _("Safety")
    PROBLEM_SOLVING = "problem_solving", _("Problem solving")


class LearningOutcome(Orderable):
    """One learning outcome of a programme; some are digital competencies."""

    programme = ParentalKey(ProgrammePage, on_delete=models.CASCADE, related_name="outcomes")
    code = models.CharField(_("code"), max_length=16)
    description = models.TextField(_("description"))
    is_digital_competency = models.BooleanField(_("digital competency"), default=False)
    digital_area = models.CharField(
        _("digital competency area"),
        max_length=32,
        choices=DigitalCompetencyArea.choices,
        blank=True,
    )

    panels = [
        FieldPanel("code"),
        FieldPanel("description"),
        FieldPanel("is_digital_competency"),
        FieldPanel("digital_area"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("learning outcome")
        verbose_name_plural = _("learning outcomes")

    def __str__(self) -> str:
        return f"{self.code} {self.description[:60]}"


class CoursePage(Page):
    """A course of a programme: modules of lessons, with enrolment rules."""

    code = models.CharField(_("course code"), max_length=32)
    summary = models.TextField(_("summary"), blank=True)
    description = RichTextField(_("description"), blank=True)
    hours = models.PositiveSmallIntegerField(_("hours"), default=30)
    allow_self_enrolment = models.BooleanField(
        _("allow self-enrolment"),
        default=True,
        help_text=_("Learners may enrol themselves; otherwise staff enrol cohorts."),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="course_pages",
        editable=False,
        null=True,
    )
    programme = models.ForeignKey(
        ProgrammePage,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        null=True,
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("code"),
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("hours"),
        FieldPanel("allow_self_enrolment"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("code"),
        index.FilterField("institution_id"),
    ]
    parent_page_types = ["lms.ProgrammePage"]
    subpage_types = ["lms.ModulePage"]

    class Meta:
        verbose_name = _("course")

    def save(self, *args, **kwargs):
        parent = self.get_parent() if self.pk or self.path else None
        if parent is not None and isinstance(parent.specific, ProgrammePage):
            self.programme_id = parent.pk
            self.institution_id = parent.specific.institution_id
        super().save(*args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from .selectors import course_summary, enrolment_for

        context = super().get_context(request, *args, **kwargs)
        context.update(course_summary(self, request))
        context["enrolment"] = enrolment_for(request.user, self)
        return context


class ModulePage(Page):
    """A module of a course: a group of lessons."""

    summary = models.TextField(_("summary"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("summary")]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    parent_page_types = ["lms.CoursePage"]
    subpage_types = ["lms.LessonPage"]

    class Meta:
        verbose_name = _("module")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["lessons"] = LessonPage.objects.child_of(self).live().order_by("path")
        return context


class LessonPage(Page):
    """A lesson: text, images, documents, embedded media (later: courseware, video, exams)."""

    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=45)
    body = StreamField(LessonBodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("duration_minutes"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["lms.ModulePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("lesson")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        siblings = list(LessonPage.objects.sibling_of(self).live().order_by("path"))
        index_here = next((i for i, p in enumerate(siblings) if p.pk == self.pk), 0)
        context["previous_lesson"] = siblings[index_here - 1] if index_here > 0 else None
        context["next_lesson"] = (
            siblings[index_here + 1] if index_here + 1 < len(siblings) else None
        )
        return context


class EnrolmentQuerySet(TenantQuerySet):
    """Enrolments: staff see their institutions', each learner their own."""

    def visible_to(self, user):
        if is_national_admin(user):
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(institution__in=staff_institution_ids(user)) | Q(learner=user))

    def editable_by(self, user):
        return super().visible_to(user)

    def active(self):
        return self.filter(status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED])


class Enrolment(models.Model):
    """A learner's place in a course; its registration id ties xAPI statements together."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        SELF = "self", _("Self-enrolment")
        COHORT = "cohort", _("Cohort enrolment")
        STAFF = "staff", _("Enrolled by staff")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="enrolments")
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    cohort = models.ForeignKey(
        "institutions.Cohort", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registration = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    enrolled_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="unique_enrolment"),
        ]
        indexes = [models.Index(fields=["institution", "course"])]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")

    def __str__(self) -> str:
        return f"{self.learner} → {self.course}"


class CoursewareProgressQuerySet(EnrolmentQuerySet):
    """Courseware progress: staff see their institutions' learners', each learner their own."""


class CoursewareProgress(models.Model):
    """A learner's progress in one courseware placement, from courseware's newest outcome."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="courseware_progress"
    )
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="courseware_progress"
    )
    # Where the package is used, as lms named it at launch ("lesson:42:<block uuid>").
    placement = models.CharField(_("placement"), max_length=255)
    package_id = models.PositiveBigIntegerField(_("package"))
    version_id = models.PositiveBigIntegerField(_("package version"))
    # The attempt the outcome belongs to (the xAPI registration) and its place in order.
    attempt_id = models.UUIDField(_("attempt"))
    attempt_number = models.PositiveIntegerField(default=1)
    sequence = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    completion_status = models.CharField(_("completion"), max_length=16)
    success_status = models.CharField(_("success"), max_length=16)
    score_scaled = models.FloatField(_("scaled score"), null=True, blank=True)
    total_time_seconds = models.FloatField(_("time (seconds)"), default=0)
    changed_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CoursewareProgressQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "placement"], name="lms_courseware_progress_once"
            )
        ]
        indexes = [models.Index(fields=["institution", "placement"])]
        verbose_name = _("courseware progress")
        verbose_name_plural = _("courseware progress")

    def __str__(self) -> str:
        return f"{self.learner} @ {self.placement}: {self.completion_status}"


class GradeRecordQuerySet(EnrolmentQuerySet):
    """Grades: staff see their institutions' learners', each learner their own."""


class GradeRecord(models.Model):
    """A learner's released result in one exam, kept by the gradebook receiver (lms/gradebook.py).

    One row per learner and exam: the attempt that counts under the exam's policy
    (best or latest released attempt). Written only by `gradebook.grade_record`.
    """

    class Policy(models.TextChoices):
        BEST = "best", _("Best attempt")
        LATEST = "latest", _("Latest attempt")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grade_records"
    )
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="grade_records"
    )
    # The learner's enrolment in the course the exam is placed in, when it is placed in one.
    enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.SET_NULL, related_name="grades"
    )
    exam_id = models.PositiveBigIntegerField(_("exam"))
    exam_title = models.CharField(_("exam"), max_length=255)
    attempt_id = models.PositiveBigIntegerField(_("attempt"))
    attempt_number = models.PositiveSmallIntegerField(_("attempt number"), default=1)
    policy = models.CharField(
        _("attempt that counts"), max_length=8, choices=Policy.choices, default=Policy.BEST
    )
    score = models.DecimalField(_("score"), max_digits=12, decimal_places=4)
    max_score = models.DecimalField(_("out of"), max_digits=12, decimal_places=4)
    percent = models.DecimalField(_("percent"), max_digits=7, decimal_places=2)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    graded_at = models.DateTimeField(_("graded at"))
    released_at = models.DateTimeField(_("released at"))
    updated_at = models.DateTimeField(auto_now=True)

    objects = GradeRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-released_at"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "exam_id"], name="lms_grade_once_per_exam")
        ]
        indexes = [models.Index(fields=["institution", "exam_id"])]
        verbose_name = _("grade")
        verbose_name_plural = _("grades")

    def __str__(self) -> str:
        return f"{self.learner} – {self.exam_title}: {self.percent}%"
