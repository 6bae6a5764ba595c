"""Factories that build records through the platform's own services."""

from __future__ import annotations

import itertools

from institutions import services as institution_services
from institutions.models import Institution, User
from institutions.roles import InstitutionRole
from lms import services
from lms.models import CoursePage, InstitutionPage, LessonPage, ModulePage, ProgrammePage

PASSWORD = "test-pass-123"
_counter = itertools.count(1)


def make_user(username: str | None = None, **kwargs) -> User:
    """A person with the test password."""
    return institution_services.user_create(
        username=username or f"user{next(_counter)}", password=PASSWORD, **kwargs
    )


def make_institution(code: str | None = None, **kwargs) -> Institution:
    """An institution with its catalogue section (needs `site_ensure` first)."""
    number = next(_counter)
    defaults = {
        "code": code or f"INST{number}",
        "name": f"Trường thử nghiệm {number}",
        "kind": Institution.Kind.COLLEGE,
        "province": "Hà Nội",
        "latitude": "21.0",
        "longitude": "105.8",
    }
    defaults.update(kwargs)
    institution = institution_services.institution_create(actor=None, **defaults)
    services.institution_site_ensure(institution=institution)
    return institution


def grant(user: User, institution: Institution, role: str) -> User:
    """Give `user` a role (and its Wagtail groups) in `institution`."""
    services.staff_role_grant(actor=None, user=user, institution=institution, role=role)
    return user


def make_learner(institution: Institution, username: str | None = None) -> User:
    return grant(make_user(username), institution, InstitutionRole.LEARNER)


def make_teacher(institution: Institution, username: str | None = None) -> User:
    return grant(make_user(username), institution, InstitutionRole.TEACHER)


def make_admin(institution: Institution, username: str | None = None) -> User:
    return grant(make_user(username), institution, InstitutionRole.ADMIN)


def section_of(institution: Institution) -> InstitutionPage:
    return InstitutionPage.objects.get(institution=institution, alias_of__isnull=True)


def make_programme(
    institution: Institution, title: str = "Điện công nghiệp", **kwargs
) -> ProgrammePage:
    """A live programme in the institution's section."""
    section = section_of(institution)
    number = next(_counter)
    programme = ProgrammePage(
        title=title,
        slug=f"programme-{number}",
        occupation_code=kwargs.pop("occupation_code", "6520227"),
        level=kwargs.pop("level", ProgrammePage.Level.COLLEGE),
        locale=section.locale,
        **kwargs,
    )
    section.add_child(instance=programme)
    programme.save_revision().publish()
    return programme


def make_course(
    programme: ProgrammePage, title: str = "An toàn điện", live: bool = True, **kwargs
) -> CoursePage:
    """A course (live unless asked otherwise) with one module and one lesson."""
    number = next(_counter)
    course = CoursePage(
        title=title,
        slug=f"course-{number}",
        code=kwargs.pop("code", f"C{number}"),
        locale=programme.locale,
        live=live,
        **kwargs,
    )
    programme.add_child(instance=course)
    if live:
        course.save_revision().publish()
    module = course.add_child(
        instance=ModulePage(title="Mô-đun 1", slug="mo-dun-1", locale=programme.locale)
    )
    module.save_revision().publish()
    lesson = module.add_child(
        instance=LessonPage(
            title="Bài 1",
            slug="bai-1",
            locale=programme.locale,
            body=[("paragraph", "<p>Nội dung bài học</p>")],
        )
    )
    lesson.save_revision().publish()
    return CoursePage.objects.get(pk=course.pk)
