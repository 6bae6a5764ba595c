"""Fill the benchmark database: institutions and programmes through the platform's
services, then thousands of courses (each with modules and lessons) inserted in bulk
as real Wagtail pages of the same tree.

Run by bench.run in its own process (`python -m bench.load --courses 5000`), with
DJANGO_SETTINGS_MODULE and DATABASE_URL pointing at the benchmark database.
"""

from __future__ import annotations

import argparse
import json
import time

import django

INSTITUTIONS = 50
PROGRAMMES_PER_INSTITUTION = 4
MODULES_PER_COURSE = 2
LESSONS_PER_MODULE = 2
BATCH = 1000

PROVINCES = ["Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Nghệ An", "Huế"]
OCCUPATIONS = [
    ("6520227", "Điện công nghiệp"),
    ("6510216", "Công nghệ ô tô"),
    ("6480201", "Công nghệ thông tin"),
    ("6810205", "Kỹ thuật chế biến món ăn"),
    ("6520121", "Cắt gọt kim loại"),
    ("6520123", "Hàn"),
    ("6340302", "Kế toán doanh nghiệp"),
    ("6810101", "Hướng dẫn du lịch"),
]
SUBJECTS = [
    "An toàn lao động",
    "Vẽ kỹ thuật",
    "Đo lường điện",
    "Khí cụ điện",
    "Máy điện",
    "Trang bị điện",
    "PLC cơ bản",
    "Lập trình vi điều khiển",
    "Cung cấp điện",
    "Tiếng Anh chuyên ngành",
    "Kỹ năng mềm",
    "Thực tập sản xuất",
]


# What treebeard's find_problems checks, in SQL (it takes minutes in Python at this size).
TREE_CHECKS = {
    "a wrong numchild or depth": """
        SELECT count(*) FROM wagtailcore_page p
        LEFT JOIN (
            SELECT substr(path, 1, length(path) - 4) AS parent_path, count(*) AS n
            FROM wagtailcore_page WHERE depth > 1 GROUP BY 1
        ) c ON c.parent_path = p.path
        WHERE p.numchild <> coalesce(c.n, 0) OR p.depth * 4 <> length(p.path)""",
    "no parent": """
        SELECT count(*) FROM wagtailcore_page c WHERE c.depth > 1 AND NOT EXISTS (
            SELECT 1 FROM wagtailcore_page p WHERE p.path = substr(c.path, 1, length(c.path) - 4)
        )""",
    "a url_path that is not the parent's plus the slug": """
        SELECT count(*) FROM wagtailcore_page c
        JOIN wagtailcore_page p ON p.path = substr(c.path, 1, length(c.path) - 4)
        WHERE c.url_path <> p.url_path || c.slug || '/'""",
}


def _bulk_children(parents, make_children):
    """Insert every parent's new children as pages at the end of its children, in bulk.

    `make_children(parent)` returns unsaved specific pages (CoursePage, …) with their own
    fields set; this fills in the tree fields (path, depth, url_path), writes the
    wagtailcore_page rows, then the specific table's rows, and updates numchild.
    """
    from django.utils import timezone
    from wagtail.models import Page

    now = timezone.now()
    specific_pages = []
    for parent in parents:
        children = make_children(parent)
        for offset, child in enumerate(children, start=1):
            child.depth = parent.depth + 1
            child.path = Page._get_path(parent.path, child.depth, parent.numchild + offset)
            child.url_path = f"{parent.url_path}{child.slug}/"
            child.draft_title = child.title
            child.locale_id = parent.locale_id
            child.live = True
            child.has_unpublished_changes = False
            child.first_published_at = child.last_published_at = now
            child.numchild = 0
        parent.numchild += len(children)
        specific_pages += children
    if not specific_pages:
        return []
    model = type(specific_pages[0])
    base_fields = [f for f in Page._meta.concrete_fields if not f.primary_key]
    for start in range(0, len(specific_pages), BATCH):
        chunk = specific_pages[start : start + BATCH]
        rows = Page.objects.bulk_create(
            [Page(**{f.attname: getattr(page, f.attname) for f in base_fields}) for page in chunk]
        )
        for page, row in zip(chunk, rows, strict=True):
            page.pk = page.id = page.page_ptr_id = row.pk
        # Django refuses bulk_create for multi-table inheritance; the specific table's
        # rows are plain inserts of the child model's own columns once the ids are known.
        model.objects.all()._batched_insert(
            chunk, model._meta.local_concrete_fields, batch_size=BATCH
        )
    Page.objects.bulk_update(list(parents), ["numchild"], batch_size=BATCH)
    return specific_pages


def load(courses: int) -> dict:
    """Build the catalogue with `courses` courses; returns what was made and how long it took."""
    from django.db import connection, transaction
    from wagtail.models import Page

    from institutions import services as institution_services
    from institutions.models import Institution
    from lms import services
    from lms.models import CoursePage, LessonPage, ModulePage, ProgrammePage

    timings = {}
    started = time.perf_counter()
    with transaction.atomic():
        services.site_ensure()
        programmes = []
        for number in range(1, INSTITUTIONS + 1):
            institution = institution_services.institution_create(
                actor=None,
                code=f"B{number:03d}",
                name=f"Trường Cao đẳng nghề số {number}",
                kind=Institution.Kind.COLLEGE,
                province=PROVINCES[number % len(PROVINCES)],
                latitude="16.0",
                longitude="107.0",
            )
            section = services.institution_site_ensure(institution=institution)
            for p_index in range(PROGRAMMES_PER_INSTITUTION):
                code, title = OCCUPATIONS[(number + p_index) % len(OCCUPATIONS)]
                programme = section.add_child(
                    instance=ProgrammePage(
                        title=title,
                        slug=f"nghe-{code}",
                        occupation_code=code,
                        level=ProgrammePage.Level.values[p_index % 3],
                        summary=f"Chương trình đào tạo nghề {title}.",
                        locale=section.locale,
                    )
                )
                programme.save_revision().publish()
                programmes.append(programme)
    timings["services_seconds"] = round(time.perf_counter() - started, 2)

    started = time.perf_counter()
    per_programme, extra = divmod(courses, len(programmes))
    counter = iter(range(1, courses + 1))

    def make_courses(programme):
        count = per_programme + (1 if programmes.index(programme) < extra else 0)
        made = []
        for _index in range(count):
            number = next(counter)
            subject = SUBJECTS[number % len(SUBJECTS)]
            made.append(
                CoursePage(
                    title=f"{subject} {number}",
                    slug=f"hp-{number}",
                    code=f"HP{number:05d}",
                    summary=f"Học phần {subject.lower()} của chương trình {programme.title}: "
                    "lý thuyết, thực hành trong xưởng và đánh giá kỹ năng.",
                    description="<p>Mô tả chi tiết học phần, mục tiêu và điều kiện dự thi.</p>",
                    hours=30 + number % 4 * 15,
                    institution_id=programme.institution_id,
                    programme_id=programme.pk,
                )
            )
        return made

    def make_modules(course):
        return [
            ModulePage(title=f"Mô-đun {m}", slug=f"mo-dun-{m}", summary=f"Mô-đun {m}.")
            for m in range(1, MODULES_PER_COURSE + 1)
        ]

    def make_lessons(module):
        return [
            LessonPage(title=f"Bài {n}", slug=f"bai-{n}", duration_minutes=45)
            for n in range(1, LESSONS_PER_MODULE + 1)
        ]

    with transaction.atomic():
        made_courses = _bulk_children(programmes, make_courses)
        made_modules = _bulk_children(made_courses, make_modules)
        made_lessons = _bulk_children(made_modules, make_lessons)
    timings["bulk_seconds"] = round(time.perf_counter() - started, 2)

    with connection.cursor() as cursor:
        for name, sql in TREE_CHECKS.items():
            cursor.execute(sql)
            (bad,) = cursor.fetchone()
            if bad:
                raise RuntimeError(
                    f"The page tree is broken after loading: {bad} pages with {name}"
                )
        cursor.execute("ANALYZE")
    return {
        "institutions": INSTITUTIONS,
        "programmes": len(programmes),
        "courses": CoursePage.objects.live().count(),
        "modules": len(made_modules),
        "lessons": len(made_lessons),
        "pages": Page.objects.count(),
        **timings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--courses", type=int, default=5000)
    args = parser.parse_args()
    django.setup()
    print(json.dumps(load(args.courses)))


if __name__ == "__main__":
    main()
