"""The package chooser of the Wagtail editor: only packages the editor's institutions own.

Its block class (`PackageChooserBlock`) is what lesson blocks use to place a package.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView, ChosenView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from courseware.models import Package, PackageVersion


def _scoped(user):
    return (
        Package.objects.visible_to(user)
        .filter(versions__status=PackageVersion.Status.READY)
        .distinct()
        .order_by("title", "pk")
    )


class PackageChooseView(ChooseView):
    """The chooser's first screen: the editor's institutions' ready packages."""

    def get_object_list(self):
        return _scoped(self.request.user)


class PackageChooseResultsView(ChooseResultsView):
    """Search and paging inside the chooser, in the same scope."""

    def get_object_list(self):
        return _scoped(self.request.user)


class PackageChosenView(ChosenView):
    """Choosing a package by id still goes through the editor's scope."""

    def get_object(self, pk):
        return _scoped(self.request.user).get(pk=pk)


class PackageChooserViewSet(ChooserViewSet):
    """Choose one of the editor's institutions' ready packages."""

    model = Package
    icon = "folder-open-inverse"
    choose_one_text = _("Choose a courseware package")
    choose_another_text = _("Choose another package")
    edit_item_text = _("Edit this package")
    choose_view_class = PackageChooseView
    choose_results_view_class = PackageChooseResultsView
    chosen_view_class = PackageChosenView


package_chooser_viewset = PackageChooserViewSet("courseware_package_chooser")
PackageChooserBlock = package_chooser_viewset.get_block_class(
    name="PackageChooserBlock", module_path="courseware.views.chooser"
)


@hooks.register("register_admin_viewset")
def register_package_chooser():
    return package_chooser_viewset
