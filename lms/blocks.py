"""StreamField blocks for lesson bodies. Later parts add media blocks."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock

from assessment import api as assessment
from courseware import api as courseware
from courseware.views.chooser import PackageChooserBlock


class CalloutBlock(blocks.StructBlock):
    """A highlighted note: safety warning, tip or key point."""

    kind = blocks.ChoiceBlock(
        choices=[("tip", _("Tip")), ("warning", _("Safety warning")), ("key", _("Key point"))],
        default="tip",
        label=_("Kind"),
    )
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "ul", "ol"], label=_("Text"))

    class Meta:
        icon = "warning"
        template = "lms/blocks/callout.html"
        label = _("Callout")
        description = _("A highlighted tip, safety warning or key point.")


class DocumentBlock(blocks.StructBlock):
    """A downloadable document with a caption."""

    document = DocumentChooserBlock(label=_("Document"))
    caption = blocks.CharBlock(required=False, label=_("Caption"))

    class Meta:
        icon = "doc-full"
        template = "lms/blocks/document.html"
        label = _("Document")
        description = _("A file learners download: a worksheet, a standard, a drawing.")


class CoursewareBlock(blocks.StructBlock):
    """A courseware package, or one item of it, played in the lesson."""

    package = PackageChooserBlock(label=_("Package"))
    item = blocks.CharBlock(
        required=False,
        max_length=255,
        label=_("Item"),
        help_text=_("The identifier of one item of the package; empty plays the whole package."),
    )
    version = blocks.IntegerBlock(
        required=False,
        min_value=1,
        label=_("Version"),
        help_text=_(
            "The version new learners start on; empty takes the latest when you save. "
            "Learners already in an attempt stay on their version."
        ),
    )
    display = blocks.ChoiceBlock(
        choices=[("embedded", _("In the page")), ("window", _("In a new window"))],
        default="embedded",
        label=_("Display"),
    )

    class Meta:
        icon = "folder-open-inverse"
        template = "lms/blocks/courseware.html"
        label = _("Courseware")
        description = _("A SCORM package (or one of its items) with its player.")

    def clean(self, value):
        value = super().clean(value)
        package = value.get("package")
        if package is None:
            return value
        version = courseware.package_version(package_id=package.pk, number=value.get("version"))
        if version is None:
            raise blocks.StructBlockValidationError(
                block_errors={"version": ValidationError(_("This package has no such version."))}
            )
        value["version"] = version.number
        item = (value.get("item") or "").strip()
        if item and courseware.activity_id_for(version=version, identifier=item) is None:
            raise blocks.StructBlockValidationError(
                block_errors={"item": ValidationError(_("This version has no such item."))}
            )
        return value

    def get_context(self, value, parent_context=None):
        from .launch import course_of, may_preview, placement_of
        from .models import CoursewareProgress, Enrolment

        context = super().get_context(value, parent_context=parent_context)
        page = context.get("page")
        request = context.get("request")
        user = getattr(request, "user", None)
        block_id = next(
            (child.id for child in getattr(page, "body", []) if child.value is value), None
        )
        context.update(block_id=block_id, can_start=False, can_preview=False, progress=None)
        if page is None or block_id is None or user is None or not user.is_authenticated:
            return context
        course = course_of(page)
        if course is None:
            return context
        enrolled = Enrolment.objects.active().filter(learner=user, course_id=course.pk).exists()
        context["can_start"] = enrolled
        context["can_preview"] = not enrolled and may_preview(user, course)
        if enrolled:
            context["progress"] = CoursewareProgress.objects.filter(
                learner=user, placement=placement_of(page, block_id)
            ).first()
        return context


class ExamBlock(blocks.StructBlock):
    """An exam of the course's institution, sat from the lesson by its enrolled learners."""

    exam = assessment.ExamChooserBlock(label=_("Exam"))
    introduction = blocks.TextBlock(
        required=False,
        label=_("Introduction"),
        help_text=_("What learners should know before they start (shown above the button)."),
    )

    class Meta:
        icon = "tasks"
        template = "lms/blocks/exam.html"
        label = _("Exam")
        description = _("A timed exam learners start from this lesson.")

    def get_context(self, value, parent_context=None):
        from .launch import exam_access

        context = super().get_context(value, parent_context=parent_context)
        page = context.get("page")
        request = context.get("request")
        block_id = next(
            (child.id for child in getattr(page, "body", []) if child.value is value), None
        )
        context["block_id"] = block_id
        exam = value.get("exam")
        context["info"] = assessment.exam_info(exam_id=exam.pk) if exam is not None else None
        context["decision"] = None
        if page is not None and block_id is not None:
            context["decision"] = exam_access(getattr(request, "user", None), page, block_id)
        return context


class LessonBodyBlock(blocks.StreamBlock):
    """The body of a lesson."""

    heading = blocks.CharBlock(
        form_classname="title", icon="title", template="lms/blocks/heading.html", label=_("Heading")
    )
    paragraph = blocks.RichTextBlock(icon="pilcrow", label=_("Text"))
    image = ImageBlock(label=_("Image"))
    document = DocumentBlock()
    embed = EmbedBlock(icon="media", label=_("Embedded media"))
    callout = CalloutBlock()
    courseware = CoursewareBlock()
    exam = ExamBlock()

    class Meta:
        block_counts = {}
