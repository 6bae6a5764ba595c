"""Load the demo's national picture through the platform's own services (idempotent)."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.rich_text import RichText

from assessment import api as assessment_api
from assessment.demo import demo_assessment_load
from courseware import services as courseware_services
from courseware.models import Licence, Package
from institutions import services as institution_services
from institutions.models import Cohort, Institution, User
from institutions.roles import InstitutionRole, NationalRole
from lms import services
from lms.demo import data
from lms.models import CoursePage, LearningOutcome, LessonPage, ModulePage, ProgrammePage

# The demo exam (assessment/demo.py) is sat from the last lesson of the first course.
DEMO_EXAM_TITLE = "Kiểm tra an toàn điện (15 phút)"

# (folder under lms/demo/courseware, package title, index of the lesson of the first course)
DEMO_COURSEWARE = [
    ("an-toan-dien", "An toàn điện cơ bản", 0),
    ("do-luong-dien", "Đo lường điện", 1),
]


def _zip_folder(folder) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Load demo institutions, people, programmes and courses (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--institutions",
            type=int,
            default=len(data.INSTITUTIONS),
            help="How many of the demo institutions to load (tests load fewer).",
        )
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")

    def handle(self, *args, institutions: int, quiet_logins: bool, **options):
        home = services.site_ensure()
        ministry = self._user(
            "bo-giaoduc", "Lê Thị", "Hương", national_role=NationalRole.MINISTRY_ADMIN
        )
        services.national_admin_access_sync(user=ministry)
        self._user("thongke", "Nguyễn Hữu", "Phúc", national_role=NationalRole.MINISTRY_ANALYST)
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@taynghe.local", data.DEMO_PASSWORD)
        for row in data.INSTITUTIONS[:institutions]:
            with transaction.atomic():
                self._institution(ministry, row)
            self.stdout.write(f"  {row[0]}: {row[1]}")
        catalogue = home.get_children().type(services.CatalogueIndexPage).first()
        services.translations_sync(page=catalogue)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        if not quiet_logins:
            self._print_logins(institutions)

    def _user(self, username, first, last, national_role=NationalRole.NONE) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = institution_services.user_create(
                username=username,
                password=data.DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                email=f"{username}@taynghe.local",
                national_role=national_role,
            )
        return user

    def _institution(self, ministry, row) -> None:
        code, name, short, kind, province, address, lat, lng, programmes = row
        institution = Institution.objects.filter(code=code).first()
        if institution is None:
            institution = institution_services.institution_create(
                actor=ministry,
                code=code,
                name=name,
                short_name=short,
                kind=kind,
                province=province,
                address=address,
                latitude=Decimal(lat),
                longitude=Decimal(lng),
            )
        section = services.institution_site_ensure(institution=institution)
        slug = code.lower()
        for role, (first, last) in data.STAFF_NAMES.items():
            user = self._user(f"{slug}-{role}", first, last)
            services.staff_role_grant(actor=ministry, user=user, institution=institution, role=role)
        admin = User.objects.get(username=f"{slug}-admin")
        teacher = User.objects.get(username=f"{slug}-teacher")
        learners = []
        for index, (first, last) in enumerate(data.LEARNER_NAMES[:6], start=1):
            learner = self._user(f"{slug}-hv{index}", first, last)
            institution_services.membership_grant(
                actor=admin, user=learner, institution=institution, role=InstitutionRole.LEARNER
            )
            learners.append(learner)
        cohort = Cohort.objects.filter(institution=institution, code="K2026A").first()
        if cohort is None:
            cohort = institution_services.cohort_create(
                actor=admin, institution=institution, code="K2026A", name="Khóa 2026 — lớp A"
            )
        institution_services.cohort_add_learners(actor=admin, cohort=cohort, learners=learners)

        first_course = None
        for key in programmes:
            course = self._programme(section, teacher, data.PROGRAMMES[key])
            first_course = first_course or course
        if first_course is not None:
            self._courseware(institution, teacher, first_course)
            services.enrolment_enrol_cohort(actor=teacher, cohort=cohort, course=first_course)
        # An item bank, a published exam, marked attempts and one attempt left to sit.
        demo_assessment_load(institution=institution, teacher=teacher, learners=learners)
        if first_course is not None:
            self._exam_lesson(institution, teacher, first_course)

    def _exam_lesson(self, institution, teacher, course) -> None:
        """Place the demo exam in the course's last lesson through the exam block (once)."""
        exam = assessment_api.exam_find(institution_id=institution.pk, title=DEMO_EXAM_TITLE)
        lesson = LessonPage.objects.descendant_of(course).order_by("-path").first()
        if exam is None or lesson is None:
            return
        if any(child.block_type == "exam" for child in lesson.body):
            return
        lesson.body.append(
            ("exam", {"exam": exam, "introduction": "Bài kiểm tra 15 phút, làm một lần."})
        )
        lesson.save_revision(user=teacher).publish()

    def _courseware(self, institution, teacher, course) -> None:
        """Import the demo packages for the institution and place each in a lesson of `course`."""
        lessons = list(LessonPage.objects.descendant_of(course).order_by("path"))
        for folder, title, lesson_index in DEMO_COURSEWARE:
            package = Package.objects.filter(institution=institution, title=title).first()
            if package is None:
                package = courseware_services.package_import(
                    actor=teacher,
                    institution=institution,
                    file=io.BytesIO(_zip_folder(data.COURSEWARE_DIR / folder)),
                    title=title,
                    language="vi",
                    licence=Licence.CC_BY_SA,
                    keywords=["demo"],
                ).package
            if lesson_index >= len(lessons):
                continue
            lesson = lessons[lesson_index]
            if any(child.block_type == "courseware" for child in lesson.body):
                continue
            lesson.body.append(
                (
                    "courseware",
                    {"package": package, "item": "", "version": 1, "display": "embedded"},
                )
            )
            lesson.save_revision(user=teacher).publish()

    def _programme(self, section, teacher, spec) -> CoursePage:
        programme = (
            ProgrammePage.objects.child_of(section)
            .filter(occupation_code=spec["occupation_code"])
            .first()
        )
        if programme is None:
            programme = ProgrammePage(
                title=spec["title"],
                slug=f"nghe-{spec['occupation_code']}",
                occupation_code=spec["occupation_code"],
                level=spec["level"],
                duration_months=spec["duration_months"],
                summary=spec["summary"],
                owner=teacher,
                locale=section.locale,
            )
            for sort_order, (code, text, digital, area) in enumerate(spec["outcomes"]):
                programme.outcomes.add(
                    LearningOutcome(
                        code=code,
                        description=text,
                        is_digital_competency=digital,
                        digital_area=area,
                        sort_order=sort_order,
                    )
                )
            section.add_child(instance=programme)
            programme.save_revision(user=teacher).publish()
        first = None
        for code, title, summary, modules in spec["courses"]:
            course = CoursePage.objects.child_of(programme).filter(code=code).first()
            if course is None:
                course = programme.add_child(
                    instance=CoursePage(
                        title=title,
                        slug=code.lower(),
                        code=code,
                        summary=summary,
                        hours=45,
                        owner=teacher,
                        locale=section.locale,
                    )
                )
                course.save_revision(user=teacher).publish()
                for m_index, (module_title, lessons) in enumerate(modules, start=1):
                    module = course.add_child(
                        instance=ModulePage(
                            title=module_title,
                            slug=f"mo-dun-{m_index}",
                            summary=f"Mô-đun {m_index} của học phần {title}.",
                            owner=teacher,
                            locale=section.locale,
                        )
                    )
                    module.save_revision(user=teacher).publish()
                    for l_index, lesson_title in enumerate(lessons, start=1):
                        body = [
                            ("heading", "Mục tiêu bài học"),
                            (
                                "paragraph",
                                RichText(
                                    data.LESSON_TEXT.format(title=lesson_title, module=module_title)
                                ),
                            ),
                            (
                                "callout",
                                {
                                    "kind": "warning" if "an toàn" in title.lower() else "tip",
                                    "text": RichText(
                                        "<p>Luôn kiểm tra thiết bị bảo hộ trước khi thực hành.</p>"
                                    ),
                                },
                            ),
                        ]
                        lesson = module.add_child(
                            instance=LessonPage(
                                title=lesson_title,
                                slug=f"bai-{l_index}",
                                duration_minutes=45,
                                body=body,
                                owner=teacher,
                                locale=section.locale,
                            )
                        )
                        lesson.save_revision(user=teacher).publish()
            first = first or course
        return first

    def _print_logins(self, institutions: int) -> None:
        codes = [row[0].lower() for row in data.INSTITUTIONS[:institutions]]
        lines = [
            "",
            f"Demo logins (password for all: {data.DEMO_PASSWORD})",
            "  admin              superuser (Wagtail admin at /admin/)",
            "  bo-giaoduc         ministry administrator",
            "  thongke            ministry analyst",
        ]
        for code in codes[:3]:
            lines += [
                f"  {code}-admin{' ' * max(1, 13 - len(code))}institution administrator of {code.upper()}",
                f"  {code}-teacher{' ' * max(1, 11 - len(code))}teacher of {code.upper()}",
                f"  {code}-hv1{' ' * max(1, 15 - len(code))}learner of {code.upper()}",
            ]
        lines.append("  (every institution has <code>-admin, -teacher, -examiner, -hv1 … -hv6)")
        self.stdout.write("\n".join(lines))
