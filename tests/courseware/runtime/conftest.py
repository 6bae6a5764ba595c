"""Imported packages, a learner and the helpers to open attempts and commit like scorm-again."""

from __future__ import annotations

import io
import itertools
import uuid

import pytest

from courseware import api
from courseware.models import Activity
from courseware.services import package_import
from institutions import services as institution_services
from institutions.models import Institution
from institutions.roles import InstitutionRole
from tests import factories
from tests.courseware import packages


def _people(code: str):
    """An institution with a teacher and two learners, without the page tree."""
    institution = institution_services.institution_create(
        actor=None, code=code, name=f"Trường {code}", kind=Institution.Kind.COLLEGE, province="Huế"
    )
    people = []
    for name, role in (
        ("teacher", InstitutionRole.TEACHER),
        ("learner", InstitutionRole.LEARNER),
        ("other", InstitutionRole.LEARNER),
    ):
        user = institution_services.user_create(
            username=f"{code.lower()}-{name}", password=factories.PASSWORD, first_name=name
        )
        institution_services.membership_grant(
            actor=None, user=user, institution=institution, role=role
        )
        user.refresh_from_db()
        people.append(user)
    return (institution, *people)


@pytest.fixture
def school(db):
    return _people("CDRT")


@pytest.fixture
def school_b(db):
    return _people("CDRB")


@pytest.fixture
def imported(school):
    """Import a package (files dict from tests.courseware.packages) as the school's teacher."""
    institution, teacher, _learner, _other = school

    def run(files):
        return package_import(
            actor=teacher, institution=institution, file=io.BytesIO(packages.zip_bytes(files))
        )

    return run


def scos(version) -> list[Activity]:
    organization = version.default_organization()
    return list(
        Activity.objects.filter(organization=organization, is_launchable=True).order_by(
            "sort_order"
        )
    )


class Runtime:
    """A learner's SCO session as scorm-again drives it: load, then numbered commits."""

    def __init__(self, attempt, activity, learner):
        self.attempt, self.activity, self.learner = attempt, activity, learner
        self.seq = 0
        self.counter = itertools.count()

    def load(self):
        state = api.runtime_load(attempt=self.attempt, activity=self.activity, learner=self.learner)
        self.seq = state.seq
        return state

    def commit(self, cmi: dict, *, terminate=False, commit_id=None, seq=None):
        if seq is None:
            self.seq += 1
            seq = self.seq
        return api.runtime_commit(
            attempt=self.attempt,
            activity=self.activity,
            learner=self.learner,
            seq=seq,
            commit_id=commit_id or uuid.uuid4().hex,
            cmi={"cmi": cmi},
            terminate=terminate,
        )


@pytest.fixture
def open_attempt(school):
    institution, _teacher, learner, _other = school

    def run(result, *, placement="lesson:1:block", user=None, new=False):
        return api.attempt_open(
            learner=user or learner,
            package=result.package,
            version=result.version,
            institution=institution,
            placement=placement,
            new=new,
        )

    return run
