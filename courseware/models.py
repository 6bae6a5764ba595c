"""Content packages, their versions and the activity tree read from each version's manifest."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from institutions.api import (
    TenantQuerySet,
    TrainingLevel,
    is_national_admin,
    staff_institution_ids,
)


class Licence(models.TextChoices):
    """The terms a package is shared under."""

    CC_BY = "cc-by", _("Creative Commons Attribution (CC BY)")
    CC_BY_SA = "cc-by-sa", _("Creative Commons Attribution-ShareAlike (CC BY-SA)")
    CC_BY_NC = "cc-by-nc", _("Creative Commons Attribution-NonCommercial (CC BY-NC)")
    CC0 = "cc0", _("Public domain dedication (CC0)")
    ALL_RIGHTS_RESERVED = "all-rights-reserved", _("All rights reserved")


class Package(models.Model):
    """A piece of courseware an institution owns; its content lives in its versions."""

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="packages"
    )
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    occupation_code = models.CharField(
        _("occupation code"),
        max_length=16,
        blank=True,
        help_text=_("Code in the national list of occupations."),
    )
    level = models.CharField(_("level"), max_length=16, choices=TrainingLevel.choices, blank=True)
    language = models.CharField(_("language"), max_length=16, default="vi")
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    licence = models.CharField(
        _("licence"),
        max_length=32,
        choices=Licence.choices,
        default=Licence.ALL_RIGHTS_RESERVED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("content package")
        verbose_name_plural = _("content packages")

    def __str__(self) -> str:
        return self.title

    def latest_version(self) -> PackageVersion | None:
        """The newest version that finished importing."""
        return self.versions.filter(status=PackageVersion.Status.READY).order_by("-number").first()


class PackageVersionQuerySet(TenantQuerySet):
    """Versions are scoped through their package's institution."""

    institution_field = "package__institution"


class PackageVersion(models.Model):
    """One uploaded archive of a package: its detected kind and where its files are stored."""

    class Kind(models.TextChoices):
        SCORM12 = "scorm12", _("SCORM 1.2")
        SCORM2004 = "scorm2004", _("SCORM 2004")
        CMI5 = "cmi5", _("cmi5")
        WEB = "web", _("Web content")
        COMMON_CARTRIDGE = "common_cartridge", _("IMS Common Cartridge")

    class Edition(models.TextChoices):
        NONE = "", _("—")
        SECOND = "2nd", _("2nd edition")
        THIRD = "3rd", _("3rd edition")
        FOURTH = "4th", _("4th edition")

    class Status(models.TextChoices):
        IMPORTING = "importing", _("Importing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    edition = models.CharField(
        _("edition"), max_length=8, choices=Edition.choices, blank=True, default=""
    )
    # The standard's own version string as the package declares it ("1.2", "2004 4th Edition",
    # "1.3.0" for a cartridge), kept for support cases.
    schema_version = models.CharField(_("declared schema version"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.IMPORTING
    )
    storage_prefix = models.CharField(_("storage prefix"), max_length=255, unique=True)
    manifest_identifier = models.CharField(_("manifest identifier"), max_length=255, blank=True)
    manifest_version = models.CharField(_("manifest version"), max_length=64, blank=True)
    sha256 = models.CharField(_("SHA-256 of the upload"), max_length=64, db_index=True)
    archive_size = models.PositiveBigIntegerField(_("archive size (bytes)"), default=0)
    content_size = models.PositiveBigIntegerField(_("unpacked size (bytes)"), default=0)
    file_count = models.PositiveIntegerField(_("files"), default=0)
    error = models.TextField(_("import error"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PackageVersionQuerySet.as_manager()

    class Meta:
        ordering = ["package", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["package", "number"], name="courseware_version_number")
        ]
        verbose_name = _("package version")
        verbose_name_plural = _("package versions")

    def __str__(self) -> str:
        return f"{self.package} v{self.number}"

    def default_organization(self) -> Organization | None:
        return self.organizations.filter(is_default=True).first()


class ImportJob(models.Model):
    """A package upload being imported in the background, with the progress people watch.

    The uploaded archive waits in storage under `upload_name` until the job has run; the job
    then deletes it whatever the outcome. `problems` holds what a refused import reported.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Importing")
        SUCCEEDED = "succeeded", _("Imported")
        FAILED = "failed", _("Refused")

    class Phase(models.TextChoices):
        WAITING = "waiting", _("Waiting for a worker")
        CHECKING = "checking", _("Checking the archive")
        READING = "reading", _("Reading the manifest")
        COPYING = "copying", _("Copying files")
        SAVING = "saving", _("Saving the activity tree")
        DONE = "done", _("Done")

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="+"
    )
    # Set for a new version of an existing package; empty when the upload creates a package.
    package = models.ForeignKey(
        Package, null=True, blank=True, on_delete=models.CASCADE, related_name="import_jobs"
    )
    version = models.ForeignKey(
        PackageVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    upload_name = models.CharField(max_length=255, blank=True)
    original_name = models.CharField(_("file"), max_length=255, blank=True)
    upload_size = models.PositiveBigIntegerField(default=0)
    # Metadata for a new package (title, description, licence, …), given with the upload.
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.WAITING)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("package import")
        verbose_name_plural = _("package imports")

    def __str__(self) -> str:
        return self.original_name or str(self.pk)

    @property
    def percent(self) -> int:
        """Progress from 0 to 100, counting the copied files as the bulk of the work."""
        if self.status == self.Status.SUCCEEDED:
            return 100
        weights = {"waiting": 0, "checking": 2, "reading": 5, "copying": 10, "saving": 95}
        start = weights.get(self.phase, 0)
        if self.phase == self.Phase.COPYING and self.total:
            return start + int(85 * self.done / self.total)
        return start


class VersionPartQuerySet(TenantQuerySet):
    """Organizations, resources and activities are scoped through their version's package."""

    institution_field = "version__package__institution"


class Organization(models.Model):
    """One table of contents of a version (SCORM organization, cmi5 course, cartridge tree)."""

    version = models.ForeignKey(
        PackageVersion, on_delete=models.CASCADE, related_name="organizations"
    )
    identifier = models.CharField(_("identifier"), max_length=255)
    title = models.CharField(_("title"), max_length=500, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    sort_order = models.PositiveIntegerField(default=0)
    # SCORM 2004: adlseq:objectivesGlobalToSystem, adlcp:sharedDataGlobalToSystem.
    objectives_global_to_system = models.BooleanField(default=True)
    shared_data_global_to_system = models.BooleanField(default=True)
    # Sequencing declared on the organization itself (root activity of the tree).
    sequencing = models.JSONField(default=dict, blank=True)

    objects = VersionPartQuerySet.as_manager()

    class Meta:
        ordering = ["version", "sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "identifier"], name="courseware_organization_identifier"
            )
        ]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.title or self.identifier


class Resource(models.Model):
    """A manifest resource: a launchable file (SCO or asset) with its files and dependencies."""

    version = models.ForeignKey(PackageVersion, on_delete=models.CASCADE, related_name="resources")
    identifier = models.CharField(_("identifier"), max_length=255)
    type = models.CharField(_("type"), max_length=64, blank=True)
    scorm_type = models.CharField(_("SCORM type"), max_length=8, blank=True)
    # Launch path relative to the version's storage prefix, xml:base already applied.
    href = models.CharField(_("launch path"), max_length=2000, blank=True)
    files = models.JSONField(default=list, blank=True)
    dependencies = models.JSONField(default=list, blank=True)

    objects = VersionPartQuerySet.as_manager()

    class Meta:
        ordering = ["version", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "identifier"], name="courseware_resource_identifier"
            )
        ]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.identifier


class Activity(models.Model):
    """One node of a version's activity tree: a cluster or a launchable item (SCO, AU, page)."""

    version = models.ForeignKey(PackageVersion, on_delete=models.CASCADE, related_name="activities")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="activities"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    # Position in a depth-first walk of the organization: the table of contents order.
    sort_order = models.PositiveIntegerField(default=0)
    depth = models.PositiveSmallIntegerField(default=0)
    identifier = models.CharField(_("identifier"), max_length=255)
    title = models.CharField(_("title"), max_length=500, blank=True)
    is_visible = models.BooleanField(default=True)
    is_launchable = models.BooleanField(_("launchable"), default=False)
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    # Path inside the package (or an absolute URL for cmi5 AUs and cartridge web links),
    # without the item's launch parameters.
    href = models.CharField(_("launch path"), max_length=2000, blank=True)
    launch_parameters = models.CharField(_("launch parameters"), max_length=2000, blank=True)
    scorm_type = models.CharField(_("SCORM type"), max_length=8, blank=True)
    # SCORM 1.2 adlcp:prerequisites, kept as the package's expression.
    prerequisites = models.CharField(_("prerequisites"), max_length=2000, blank=True)
    # SCORM 1.2 adlcp:masteryscore (0–100).
    mastery_score = models.DecimalField(
        _("mastery score"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    # SCORM 2004 primary objective minNormalizedMeasure when satisfiedByMeasure; cmi5 masteryScore.
    min_normalized_measure = models.DecimalField(
        _("passing scaled score"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    # As declared: 1.2 adlcp:maxtimeallowed or 2004 attemptAbsoluteDurationLimit.
    max_time_allowed = models.CharField(_("time limit"), max_length=64, blank=True)
    time_limit_seconds = models.FloatField(null=True, blank=True)
    time_limit_action = models.CharField(max_length=32, blank=True)
    data_from_lms = models.TextField(_("launch data"), blank=True)
    completion_threshold = models.DecimalField(
        max_digits=7, decimal_places=4, null=True, blank=True
    )
    # SCORM 2004 sequencing after sequencingCollection references are merged: controlMode,
    # sequencingRules (pre/post/exit), limitConditions, rollupRules, objectives (with mapInfo),
    # randomizationControls, deliveryControls, constrained choice and rollup considerations.
    sequencing = models.JSONField(default=dict, blank=True)
    # Presentation and launch options: adlnav hideLMSUI, cmi5 moveOn / launchMethod, the
    # cartridge resource type.
    launch_settings = models.JSONField(default=dict, blank=True)

    objects = VersionPartQuerySet.as_manager()

    class Meta:
        ordering = ["version", "organization", "sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "identifier"], name="courseware_activity_identifier"
            )
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.title or self.identifier


# --- The SCORM runtime store: attempts, CMI data per activity, the commit log ---------------


class AttemptQuerySet(TenantQuerySet):
    """Attempts: staff see their institutions' learners' attempts, each learner their own."""

    def visible_to(self, user):
        if is_national_admin(user):
            return self
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(
            models.Q(institution__in=staff_institution_ids(user)) | models.Q(learner=user)
        )

    def editable_by(self, user):
        return super().visible_to(user)


class Attempt(models.Model):
    """One learner's attempt of a package at one placement; its id is the xAPI registration."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="courseware_attempts"
    )
    # Where the learning happens (the course's institution), not the package owner.
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="courseware_attempts"
    )
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="attempts")
    # The version the attempt began on; it never changes, even when the course moves on.
    version = models.ForeignKey(PackageVersion, on_delete=models.PROTECT, related_name="attempts")
    # Opaque to courseware: lms names where the package is used ("lesson:42:<block uuid>").
    placement = models.CharField(_("placement"), max_length=255)
    number = models.PositiveIntegerField(_("attempt"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    completion_status = models.CharField(
        _("completion"), max_length=16, default="not attempted", blank=True
    )
    success_status = models.CharField(_("success"), max_length=16, default="unknown", blank=True)
    score_scaled = models.FloatField(_("scaled score"), null=True, blank=True)
    total_time_seconds = models.FloatField(_("total time (seconds)"), default=0)
    # Raised by one at every change of completion, success or score: orders the outcomes.
    outcome_sequence = models.PositiveIntegerField(default=0)
    # SCORM 2004 sequencing: {"states": {activity id: ActivityState as a dict},
    # "global_objectives": {...}, "current_id": int | None}.
    sequencing_state = models.JSONField(default=dict, blank=True)
    # The lms enrolment's xAPI registration the attempt was opened under: outcome statements
    # carry it (the attempt id goes in an extension). cmi5 keeps the attempt as registration.
    enrolment_registration = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "package", "placement", "number"],
                name="courseware_attempt_number",
            ),
            models.UniqueConstraint(
                fields=["learner", "package", "placement"],
                condition=models.Q(status="active"),
                name="courseware_attempt_one_active",
            ),
        ]
        indexes = [models.Index(fields=["institution", "placement"])]
        verbose_name = _("courseware attempt")
        verbose_name_plural = _("courseware attempts")

    def __str__(self) -> str:
        return f"{self.learner} → {self.package} #{self.number}"


class CmiRecordQuerySet(AttemptQuerySet):
    """CMI records are scoped through their attempt."""

    institution_field = "attempt__institution"

    def visible_to(self, user):
        if is_national_admin(user):
            return self
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(
            models.Q(attempt__institution__in=staff_institution_ids(user))
            | models.Q(attempt__learner=user)
        )


class CmiRecord(models.Model):
    """The SCORM run-time data of one activity (SCO) in one attempt, as the server keeps it."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="records")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="cmi_records")
    # Flat data model: "cmi.core.lesson_status" -> "incomplete"; values as the SCO set them.
    data = models.JSONField(default=dict, blank=True)
    # The last accepted commit's sequence number: an older commit never overwrites newer data.
    seq = models.PositiveBigIntegerField(default=0)
    entry = models.CharField(max_length=16, default="ab-initio", blank=True)
    exit = models.CharField(max_length=16, blank=True)
    session_count = models.PositiveIntegerField(default=0)
    session_open = models.BooleanField(default=False)
    # The open session's time as last reported (replaced, never added, until it ends).
    session_seconds = models.FloatField(default=0)
    # Time of the sessions that have ended.
    closed_seconds = models.FloatField(default=0)
    # Activity attempts (SCORM 2004: a session not suspended ends the activity's attempt).
    activity_attempts = models.PositiveIntegerField(default=0)
    # Closed time when the current activity attempt began (its duration is measured from here).
    attempt_base_seconds = models.FloatField(default=0)
    completion_status = models.CharField(max_length=16, default="not attempted", blank=True)
    success_status = models.CharField(max_length=16, default="unknown", blank=True)
    score_scaled = models.FloatField(null=True, blank=True)
    score_raw = models.FloatField(null=True, blank=True)
    progress_measure = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CmiRecordQuerySet.as_manager()

    class Meta:
        ordering = ["attempt", "activity__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "activity"], name="courseware_cmi_record")
        ]
        verbose_name = _("run-time data")
        verbose_name_plural = _("run-time data")

    def __str__(self) -> str:
        return f"{self.attempt_id} / {self.activity_id}"

    @property
    def total_seconds(self) -> float:
        return self.closed_seconds + self.session_seconds


class CmiCommit(models.Model):
    """One accepted commit, kept so that a replay of the same commit id returns its first result."""

    record = models.ForeignKey(CmiRecord, on_delete=models.CASCADE, related_name="commits")
    commit_id = models.CharField(max_length=64)
    seq = models.PositiveBigIntegerField()
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["record", "commit_id"], name="courseware_commit_once")
        ]
        verbose_name = _("run-time commit")
        verbose_name_plural = _("run-time commits")

    def __str__(self) -> str:
        return self.commit_id


class GlobalObjectiveQuerySet(models.QuerySet):
    """Global objectives: a learner's own; staff of an institution where the learner studies."""

    def visible_to(self, user):
        if is_national_admin(user):
            return self
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(
            models.Q(learner=user)
            | models.Q(learner__courseware_attempts__institution__in=staff_institution_ids(user))
        ).distinct()


class GlobalObjective(models.Model):
    """A SCORM 2004 shared objective of one learner, kept across attempts and packages.

    Used when the organization declares `adlseq:objectivesGlobalToSystem` (the default);
    otherwise an attempt keeps its global objectives in its own `sequencing_state`.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="global_objectives"
    )
    objective_id = models.CharField(_("objective"), max_length=1000)
    # The sequencer's entry: {"satisfied", "measure", "completion", "progress_measure"}.
    values = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GlobalObjectiveQuerySet.as_manager()

    class Meta:
        ordering = ["learner", "objective_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "objective_id"], name="courseware_global_objective"
            )
        ]
        verbose_name = _("global objective")
        verbose_name_plural = _("global objectives")

    def __str__(self) -> str:
        return self.objective_id


# --- cmi5: sessions and AU satisfaction (the registration is the attempt) --------------------


class Cmi5SessionQuerySet(CmiRecordQuerySet):
    """cmi5 sessions are scoped through their attempt (the registration)."""


class Cmi5Session(models.Model):
    """One launch of a cmi5 AU: its session id, launch mode and one-time fetch.

    The fetch URL carries `fetch_key`; its first POST issues the session's launch credentials
    and sets `fetched_at`, every later POST is refused. A session ends terminated (the AU said
    so), abandoned (the LMS found it left open) or stays open.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        TERMINATED = "terminated", _("Terminated")
        ABANDONED = "abandoned", _("Abandoned")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="cmi5_sessions")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="cmi5_sessions")
    launch_mode = models.CharField(max_length=16, default="Normal")
    fetch_key = models.CharField(max_length=64, unique=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    initialized_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = Cmi5SessionQuerySet.as_manager()

    class Meta:
        ordering = ["attempt", "started_at"]
        indexes = [models.Index(fields=["attempt", "activity", "status"])]
        verbose_name = _("cmi5 session")
        verbose_name_plural = _("cmi5 sessions")

    def __str__(self) -> str:
        return str(self.id)


class Cmi5AuState(models.Model):
    """What one AU has reached in one registration: completed, passed, failed, waived, satisfied."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="cmi5_states")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="cmi5_states")
    completed = models.BooleanField(default=False)
    passed = models.BooleanField(default=False)
    failed = models.BooleanField(default=False)
    waived = models.BooleanField(default=False)
    satisfied = models.BooleanField(default=False)
    score_scaled = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = Cmi5SessionQuerySet.as_manager()

    class Meta:
        ordering = ["attempt", "activity__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "activity"], name="courseware_cmi5_au_state")
        ]
        verbose_name = _("cmi5 AU state")
        verbose_name_plural = _("cmi5 AU states")

    def __str__(self) -> str:
        return f"{self.attempt_id} / {self.activity_id}"
