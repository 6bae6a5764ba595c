"""Item banks, items and their immutable versions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.fields import RichTextField

from institutions.api import TenantQuerySet, is_national_admin, staff_institution_ids

from .. import questions


class BankScopedQuerySet(TenantQuerySet):
    """Records of an item bank: staff read their own institutions' banks and every nationally
    shared bank; only the owning institution's staff (or national admins) change them."""

    bank_path = ""  # the lookup from this model to its ItemBank ("" for the bank itself)
    institution_field = "institution"  # bank_path + "institution", for TenantQuerySet

    def visible_to(self, user):
        if is_national_admin(user):
            return self
        own = staff_institution_ids(user)
        if not own:
            return self.none()
        return self.filter(
            Q(**{f"{self.bank_path}institution__in": own})
            | Q(**{f"{self.bank_path}shared_nationally": True})
        )

    def editable_by(self, user):
        return super().visible_to(user)


class ItemBankQuerySet(BankScopedQuerySet):
    bank_path = ""


class ItemQuerySet(BankScopedQuerySet):
    bank_path = "bank__"
    institution_field = "bank__institution"


class ItemVersionQuerySet(BankScopedQuerySet):
    bank_path = "item__bank__"
    institution_field = "item__bank__institution"


class ItemBank(models.Model):
    """An institution's collection of items; shared nationally, every institution's staff may use it."""

    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="item_banks",
        verbose_name=_("institution"),
    )
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    shared_nationally = models.BooleanField(
        _("shared nationally"),
        default=False,
        help_text=_(
            "Staff of every institution may read and use its items; only its owner edits them."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ItemBankQuerySet.as_manager()

    class Meta:
        ordering = ["institution", "name"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="unique_item_bank_name")
        ]
        verbose_name = _("item bank")
        verbose_name_plural = _("item banks")

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """One question's stable identity across its versions (what statistics and QTI refer to)."""

    bank = models.ForeignKey(
        ItemBank, on_delete=models.PROTECT, related_name="items", verbose_name=_("item bank")
    )
    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["bank", "created_at", "pk"]
        verbose_name = _("item")
        verbose_name_plural = _("items")

    def __str__(self) -> str:
        return str(self.uid)

    @property
    def latest_version(self) -> ItemVersion:
        """The version new exams use (the highest number)."""
        return self.versions.order_by("-number").first()


class ItemVersion(models.Model):
    """The content of an item at one moment; once an exam has used it, it never changes again."""

    class Language(models.TextChoices):
        VIETNAMESE = "vi", "Tiếng Việt"
        ENGLISH = "en", "English"

    class Difficulty(models.IntegerChoices):
        VERY_EASY = 1, _("Very easy")
        EASY = 2, _("Easy")
        MEDIUM = 3, _("Medium")
        HARD = 4, _("Hard")
        VERY_HARD = 5, _("Very hard")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    question_type = models.CharField(_("question type"), max_length=32, choices=questions.choices())
    stem = RichTextField(_("question"), help_text=_("What the learner reads: text and images."))
    body = models.JSONField(
        _("definition"),
        default=dict,
        help_text=_("Options, answers and marking, per question type."),
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    outcome_codes = models.JSONField(
        _("competencies and learning outcomes"),
        default=list,
        blank=True,
        help_text=_("Codes of the competencies or learning outcomes this item assesses."),
    )
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"),
        choices=Difficulty.choices,
        default=Difficulty.MEDIUM,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.VIETNAMESE
    )
    locked_at = models.DateTimeField(
        _("locked at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when an exam first uses this version; from then on it never changes."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ItemVersionQuerySet.as_manager()

    class Meta:
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="unique_item_version_number")
        ]
        verbose_name = _("item version")
        verbose_name_plural = _("item versions")

    def __str__(self) -> str:
        return f"{self.item} v{self.number}"

    def save(self, *args, **kwargs):
        # Last line of defence for the versioning rule; services never get here with a
        # locked version (item_update makes a new version instead).
        if getattr(self, "_locked_when_loaded", False):
            raise ValidationError(_("This item version is used by an exam and cannot change."))
        super().save(*args, **kwargs)
        self._locked_when_loaded = self.locked_at is not None

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._locked_when_loaded = instance.locked_at is not None
        return instance

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def question(self) -> questions.QuestionType:
        return questions.get(self.question_type)

    def clean(self):
        # The definition must fit its type before any exam can draw it.
        if self.question_type:
            self.question.validate_body(self.body)
        for field in ("tags", "outcome_codes"):
            value = getattr(self, field)
            if not isinstance(value, list) or not all(
                isinstance(entry, str) and entry.strip() for entry in value
            ):
                raise ValidationError({field: _("A list of non-empty texts.")})


class ItemVersionLabel(models.Model):
    """One tag or outcome code of a version, as an indexed row so blueprints query it on SQLite too.

    The version's `tags` and `outcome_codes` JSON stay the authored truth; the services
    rewrite these rows whenever they save a version.
    """

    class Kind(models.TextChoices):
        TAG = "tag", _("tag")
        OUTCOME = "outcome", _("competency or learning outcome")

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="labels")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "kind", "value"], name="unique_item_version_label"
            )
        ]
        indexes = [models.Index(fields=["kind", "value"], name="assessment_label_kind_value")]
        verbose_name = _("item label")
        verbose_name_plural = _("item labels")

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
