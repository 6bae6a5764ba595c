"""StreamField blocks for lesson bodies. Later parts add courseware, media and exam blocks."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock


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

    class Meta:
        block_counts = {}
