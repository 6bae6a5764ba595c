"""LRS credentials and the statement store.

A statement is kept whole as JSON (what GET returns) beside the few columns every
query filter needs, each indexed together with its institution and `stored` so a
filtered, paged read walks one index range whatever the size of the store.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from institutions.api import TenantQuerySet


def secret_digest(secret: str) -> str:
    """SHA-256 of a client secret.

    Secrets are 256-bit random tokens drawn by the platform, so a fast hash is enough
    (as for API tokens); a password hasher would cost tens of milliseconds per request.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def iri_hash(iri: str) -> str:
    """SHA-256 of an activity IRI, the short unique key of `Activity`."""
    return hashlib.sha256(iri.encode("utf-8")).hexdigest()


class LRSClient(models.Model):
    """A key and secret that content or a tool uses to talk to one institution's LRS."""

    class Scope(models.TextChoices):
        STATEMENTS_WRITE = "statements/write", _("Write statements")
        STATEMENTS_READ = "statements/read", _("Read all statements")
        STATEMENTS_READ_MINE = "statements/read/mine", _("Read own statements")
        STATE = "state", _("State documents")
        PROFILE = "profile", _("Profile documents")
        ALL = "all", _("Everything")

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="lrs_clients",
    )
    name = models.CharField(_("name"), max_length=200)
    key = models.CharField(_("key"), max_length=64, unique=True)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    authority = models.JSONField(
        _("authority"), default=dict, help_text=_("The xAPI Agent set as authority.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Launch credentials (`lrs.api.launch_credentials`): they expire, and write and read
    # only one learner's statements and state in one registration.
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    registration = models.UUIDField(_("registration"), null=True, blank=True)
    activity_id = models.CharField(_("activity"), max_length=2048, blank=True, default="")
    agent_key = models.CharField(max_length=1024, blank=True, default="")

    class Version(models.TextChoices):
        V1_0_3 = "1.0.3", _("xAPI 1.0.3")
        V2_0_0 = "2.0.0", _("xAPI 2.0.0")

    class Concurrency(models.TextChoices):
        XAPI2 = "xapi2", _("Strict for xAPI 2.0 requests only")
        STRICT = "strict", _("Strict for every request")
        LENIENT = "lenient", _("Never (only a replacement of an existing profile is refused)")

    # Both specifications oblige the *client* to send If-Match or If-None-Match on a
    # profile PUT (xAPI 1.0.3 Communication 3.1.s3.b1, IEEE 9274.1.1 4.1.4); the LRS must
    # refuse only a headerless replacement (409). Whether it also refuses a headerless
    # creation (400) is the institution's choice per credentials: 1.0.x content in the
    # field (TinCanPython 1.0.0 among it) creates profiles without either header.
    assumed_version = models.CharField(
        _("xAPI version assumed when a request names none"),
        max_length=5,
        choices=Version.choices,
        default=Version.V1_0_3,
        help_text=_(
            "A request without X-Experience-API-Version is refused; the refusal speaks "
            "this version."
        ),
    )
    profile_concurrency = models.CharField(
        _("strict concurrency: refuse profile writes without If-Match/If-None-Match"),
        max_length=8,
        choices=Concurrency.choices,
        default=Concurrency.XAPI2,
        help_text=_(
            "A PUT creating an activity or agent profile without If-Match or If-None-Match "
            "is answered 400 when strict."
        ),
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("LRS client")
        verbose_name_plural = _("LRS clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    def check_secret(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, secret_digest(secret))

    def allows(self, *scopes: str) -> bool:
        """True when the client holds `all` or one of `scopes`."""
        return self.Scope.ALL in self.scopes or any(scope in self.scopes for scope in scopes)

    def profile_create_needs_precondition(self, version: str) -> bool:
        """Whether a profile PUT speaking xAPI `version` must carry If-Match/If-None-Match."""
        if self.profile_concurrency == self.Concurrency.XAPI2:
            return version.startswith("2.")
        return self.profile_concurrency == self.Concurrency.STRICT


# Credentials seen by this process, by key: (monotonic deadline, the row with its institution).
# A request of a key seen less than CLIENT_CACHE_SECONDS ago makes no query for it; the
# secret, `active` and `expires_at` are still checked on every request. A change saved in
# this process (a revocation, a deletion) drops the key at once, and launch credentials
# (with a registration) are not cached; one saved in another
# process (another app server) takes effect here within CLIENT_CACHE_SECONDS.
CLIENT_CACHE_SECONDS = 5.0
CLIENT_CACHE_SIZE = 4096
_client_cache: dict[str, tuple[float, LRSClient]] = {}


def client_for_key(key: str) -> LRSClient | None:
    """The active credentials of `key` (with their institution), or None; cached briefly."""
    now = time.monotonic()
    cached = _client_cache.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    client = LRSClient.objects.select_related("institution").filter(key=key, active=True).first()
    if client is None:
        _client_cache.pop(key, None)
        return None
    if client.registration is not None:
        # Launch credentials (cmi5, exams) end with their session, by a bulk UPDATE that
        # sends no signal (`lrs.cmi5.session_credentials_end`): never cached.
        return client
    if len(_client_cache) >= CLIENT_CACHE_SIZE:
        _client_cache.clear()
    _client_cache[key] = (now + CLIENT_CACHE_SECONDS, client)
    return client


def _forget_client(sender, instance: LRSClient, **kwargs) -> None:
    _client_cache.pop(instance.key, None)


post_save.connect(_forget_client, sender=LRSClient, dispatch_uid="lrs_client_cache_save")
post_delete.connect(_forget_client, sender=LRSClient, dispatch_uid="lrs_client_cache_delete")


class Statement(models.Model):
    """One xAPI statement as stored, with the indexed columns its queries filter on."""

    # The statement id itself: an id check on write is a primary-key lookup.
    id = models.UUIDField(primary_key=True)
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="+"
    )
    client = models.ForeignKey(
        LRSClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stored = models.DateTimeField()
    verb_id = models.CharField(max_length=2048)
    # The object's id when the object is an Activity, else "".
    activity_id = models.CharField(max_length=2048, blank=True, default="")
    registration = models.UUIDField(null=True, blank=True)
    # Normalised inverse functional identifiers (`agent_key`) of the actor and of an
    # Agent or Group object ("" otherwise).
    actor_key = models.CharField(max_length=1024)
    object_agent_key = models.CharField(max_length=1024, blank=True, default="")
    voided = models.BooleanField(default=False)
    # For a voiding statement: the id it voids (a target may arrive after it).
    voids = models.UUIDField(null=True, blank=True)
    # The id of the statement a StatementRef object points at (voiding statements too):
    # queries return a referencing statement when its target matches their filters.
    ref_target = models.UUIDField(null=True, blank=True)
    payload = models.JSONField()

    class Meta:
        indexes = [
            models.Index(fields=["institution", "voided", "stored", "id"], name="lrs_st_recent"),
            models.Index(fields=["institution", "verb_id", "stored"], name="lrs_st_verb"),
            models.Index(fields=["institution", "activity_id", "stored"], name="lrs_st_activity"),
            models.Index(
                fields=["institution", "registration", "stored"], name="lrs_st_registration"
            ),
            models.Index(fields=["institution", "actor_key", "stored"], name="lrs_st_actor"),
            # Most statements have no Agent object, void nothing and reference nothing:
            # these three index only the rows that do, so a write maintains fewer index
            # entries and the indexes stay small (queries repeat the condition).
            models.Index(
                fields=["institution", "object_agent_key", "stored"],
                name="lrs_st_object_agent",
                condition=~models.Q(object_agent_key=""),
            ),
            models.Index(fields=["institution", "client", "stored"], name="lrs_st_client"),
            models.Index(
                fields=["voids"], name="lrs_st_voids", condition=models.Q(voids__isnull=False)
            ),
            models.Index(
                fields=["institution", "ref_target", "stored"],
                name="lrs_st_ref",
                condition=models.Q(ref_target__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class StatementAgent(models.Model):
    """An Agent or Group a statement relates to, for `related_agents` queries."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="agents")
    key = models.CharField(max_length=1024)

    class Meta:
        indexes = [models.Index(fields=["key", "statement"], name="lrs_sa_key")]
        constraints = [
            models.UniqueConstraint(fields=["statement", "key"], name="lrs_sa_unique"),
        ]

    def __str__(self) -> str:
        return self.key


class StatementActivity(models.Model):
    """An Activity a statement relates to, for `related_activities` queries."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="activities")
    iri = models.CharField(max_length=2048)

    class Meta:
        indexes = [models.Index(fields=["iri", "statement"], name="lrs_sac_iri")]
        constraints = [
            models.UniqueConstraint(fields=["statement", "iri"], name="lrs_sac_unique"),
        ]

    def __str__(self) -> str:
        return self.iri


class Document(models.Model):
    """A State, Activity Profile or Agent Profile document, kept as the bytes received.

    `scope` is a SHA-256 of (kind, activity, agent, registration): one short indexed
    column stands for the address however long its IRIs are, so the unique key and the
    `since` listing stay one small index.
    """

    class Kind(models.TextChoices):
        STATE = "state", _("State")
        ACTIVITY_PROFILE = "activity_profile", _("Activity profile")
        AGENT_PROFILE = "agent_profile", _("Agent profile")

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey(
        LRSClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    scope = models.CharField(max_length=64)
    activity_id = models.CharField(max_length=2048, blank=True, default="")
    agent_key = models.CharField(max_length=1024, blank=True, default="")
    # "" when the state has no registration (NULLs would escape the unique key).
    registration = models.CharField(max_length=36, blank=True, default="")
    document_id = models.CharField(max_length=1000)
    content = models.BinaryField()
    content_type = models.CharField(max_length=255)
    # SHA-1 of the content in hexadecimal, answered quoted as the ETag.
    etag = models.CharField(max_length=40)
    updated = models.DateTimeField()

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "scope", "document_id"], name="lrs_doc_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "scope", "updated"], name="lrs_doc_since"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.document_id}"


class Activity(models.Model):
    """The canonical definition of an activity in one institution, merged from its statements."""

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="+"
    )
    # SHA-256 of the IRI: IRIs may be 2048 bytes, too long for a unique index.
    iri_hash = models.CharField(max_length=64)
    iri = models.CharField(max_length=2048)
    definition = models.JSONField(default=dict)
    # The authority that first defined it: its statements change the definition, others
    # only add what is missing (languages, properties).
    owner_key = models.CharField(max_length=1024, blank=True, default="")
    updated = models.DateTimeField()

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.UniqueConstraint(fields=["institution", "iri_hash"], name="lrs_activity_unique"),
        ]

    def __str__(self) -> str:
        return self.iri


def attachment_path(instance: AttachmentContent, filename: str) -> str:
    """Attachments are content-addressed per institution: one file per SHA-2."""
    return f"lrs/attachments/{instance.institution_id}/{instance.sha2}"


class AttachmentContent(models.Model):
    """The raw content of a statement attachment sent in multipart/mixed, by its SHA-2."""

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="+"
    )
    sha2 = models.CharField(max_length=128)
    content_type = models.CharField(max_length=255)
    length = models.BigIntegerField()
    file = models.FileField(upload_to=attachment_path, max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["institution", "sha2"], name="lrs_attachment_unique"),
        ]

    def __str__(self) -> str:
        return self.sha2


# Forwarding to an institution's external LRS (`lrs.forwarding`) ---------------------------


class ForwardingDestination(models.Model):
    """An external LRS that receives a copy of an institution's statements.

    The password is kept encrypted (Fernet, key derived from the deployment's secret key),
    never hashed: the platform must send it.
    """

    class Version(models.TextChoices):
        V103 = "1.0.3", "1.0.3"
        V200 = "2.0.0", "2.0.0"

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="lrs_forwarding_destinations",
    )
    name = models.CharField(_("name"), max_length=200)
    # The xAPI endpoint, ending in "/" (statements go to `<endpoint>statements`).
    endpoint = models.URLField(_("endpoint"), max_length=2048)
    version = models.CharField(
        _("xAPI version"), max_length=8, choices=Version.choices, default=Version.V103
    )
    username = models.CharField(_("key (user name)"), max_length=255)
    password_encrypted = models.TextField(editable=False)
    only_platform = models.BooleanField(
        _("only the platform's statements"),
        default=False,
        help_text=_("Forward only what the platform writes itself, not what content sends."),
    )
    verbs = models.JSONField(
        _("only these verbs"),
        default=list,
        blank=True,
        help_text=_("Verb IRIs; empty forwards every verb."),
    )
    active = models.BooleanField(_("active"), default=True)
    batch_size = models.PositiveIntegerField(_("batch size"), default=100)
    max_attempts = models.PositiveIntegerField(_("attempts before failing"), default=8)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("forwarding destination")
        verbose_name_plural = _("forwarding destinations")
        indexes = [models.Index(fields=["institution", "active"], name="lrs_fwd_dest_active")]

    def __str__(self) -> str:
        return self.name


class ForwardingItem(models.Model):
    """One statement waiting for, or done with, one destination: the outbox row.

    Written in the transaction that stores the statement, so a statement is never stored
    without its row (nor queued without being stored).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    destination = models.ForeignKey(
        ForwardingDestination, on_delete=models.CASCADE, related_name="items"
    )
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True, default="")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["destination", "statement"], name="lrs_fwd_item_once"),
        ]
        indexes = [
            # The sender's scan: a destination's due items in order of arrival.
            models.Index(
                fields=["destination", "status", "next_attempt_at", "id"], name="lrs_fwd_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.destination_id}:{self.statement_id} {self.status}"
