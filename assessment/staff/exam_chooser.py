"""The exam chooser of the Wagtail editor: only exams of the editor's institutions.

Its block class (`ExamChooserBlock`, exported by `assessment.api`) is what the lesson's
exam block uses to place an exam.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView, ChosenView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from ..models import Exam


def _scoped(user):
    return Exam.objects.visible_to(user).select_related("institution").order_by("title", "pk")


class ExamChooseView(ChooseView):
    """The chooser's first screen: the editor's institutions' exams."""

    def get_object_list(self):
        return _scoped(self.request.user)


class ExamChooseResultsView(ChooseResultsView):
    """Search and paging inside the chooser, in the same scope."""

    def get_object_list(self):
        return _scoped(self.request.user)


class ExamChosenView(ChosenView):
    """Choosing an exam by id still goes through the editor's scope."""

    def get_object(self, pk):
        return _scoped(self.request.user).get(pk=pk)


class ExamChooserViewSet(ChooserViewSet):
    """Choose one of the editor's institutions' exams."""

    model = Exam
    icon = "tasks"
    choose_one_text = _("Choose an exam")
    choose_another_text = _("Choose another exam")
    choose_view_class = ExamChooseView
    choose_results_view_class = ExamChooseResultsView
    chosen_view_class = ExamChosenView


exam_chooser_viewset = ExamChooserViewSet("assessment_exam_chooser")
ExamChooserBlock = exam_chooser_viewset.get_block_class(
    name="ExamChooserBlock", module_path="assessment.api"
)


@hooks.register("register_admin_viewset")
def register_exam_chooser():
    return exam_chooser_viewset
