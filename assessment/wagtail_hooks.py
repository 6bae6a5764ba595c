"""The "Assessment" item of the Wagtail admin menu; each part's screens live in `staff/`."""

from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem

from institutions.api import is_national_admin, staff_institution_ids

from .staff import exams, marking, qti, statistics

PARTS = {"exams": exams, "marking": marking, "qti": qti, "statistics": statistics}


@hooks.register("register_admin_urls")
def register_assessment_admin_urls():
    return [
        path(f"assessment/{name}/", include((module.urlpatterns, f"assessment_{name}")))
        for name, module in PARTS.items()
    ]


class AssessmentMenuItem(SubmenuMenuItem):
    """Shown to staff of an institution and to national administrators."""

    def is_shown(self, request):
        user = request.user
        return is_national_admin(user) or bool(staff_institution_ids(user))


def _menu_items():
    return [item for module in PARTS.values() for item in module.menu_items()]


@hooks.register("register_admin_menu_item")
def register_assessment_menu_item():
    return AssessmentMenuItem(
        _("Assessment"),
        Menu(items=_menu_items()),
        icon_name="tasks",
        order=260,
    )
