"""A QTI test (`assessmentTest`, `qti-assessment-test`) read into an exam.

`exam_from_test` reads one test resource of a package whose items `qti_import` has
already stored, and makes the exam through `assessment.exams.exam_create` in one
savepoint: the exam is made whole, or not at all and the report says why. What the
exam model cannot say (branching, preconditions, per-section time limits, weights, a
random selection other tools wrote…) is listed in the test's report, never dropped
silently. The mapping is described in docs/qti.md ("Tests become exams").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ..exams import RuleSpec, SectionSpec, exam_create
from ..models import ExamVersion, ItemBank, ItemVersion
from .names import READ_NAMESPACES, attr, local, namespace_of
from .package import QtiPackageError, resolve

# Defaults of the Django settings ASSESSMENT_QTI_MAX_TEST_SECTIONS / …_MAX_TEST_ITEMS.
MAX_TEST_SECTIONS = 200
MAX_TEST_ITEMS = 2_000
MAX_SECTION_DEPTH = 20
MAX_INSTRUCTIONS = 20_000
MAX_PROBLEMS = 200  # per test; past this the report counts them

# Children of a test, a test part, a section and an item reference that are read here;
# every other child is reported as not carried.
_TEST_READ = {"outcomeDeclaration", "timeLimits", "testPart", "outcomeProcessing"}
_PART_READ = {"assessmentSection", "timeLimits"}
_SECTION_READ = {"assessmentItemRef", "assessmentSection", "ordering", "selection"}
_REF_READ = {"weight"}


class TestError(Exception):
    """The test cannot become an exam: a stable code and a message for the report."""

    __test__ = False  # not a pytest class

    def __init__(self, code: str, message: str):
        self.code, self.message = code, message
        super().__init__(message)


@dataclass
class TestReport:
    """What became of one test of the package: the exam made, or why none was."""

    __test__ = False  # not a pytest class

    identifier: str
    href: str
    title: str = ""
    exam_id: int | None = None
    sections: int = 0
    items: int = 0
    rules: int = 0
    code: str = ""
    message: str = ""
    # What the exam does not carry, and items left out (each a sentence).
    problems: list[str] = field(default_factory=list)
    problems_left_out: int = 0  # past MAX_PROBLEMS, counted rather than listed
    # How something was carried differently (a rule drawing from the bank imported into).
    notes: list[str] = field(default_factory=list)

    @property
    def made(self) -> bool:
        return self.exam_id is not None


@dataclass
class _Draft:
    """An exam section being read: its item versions, rules, and whether it shuffles."""

    title: str
    shuffle: bool
    label: str
    items: list[ItemVersion] = field(default_factory=list)
    rules: list[RuleSpec] = field(default_factory=list)
    fixed: bool = False  # an item in it is marked fixed="true"
    refs: int = 0  # item references read into it, kept or not


def _limit(name: str, default: int) -> int:
    return getattr(settings, f"ASSESSMENT_QTI_{name}", default)


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _name(element: Element) -> str:
    return attr(element, "identifier") or attr(element, "title") or local(element.tag)


class _Reader:
    """Reads one test into section drafts, collecting what it cannot carry."""

    def __init__(self, *, bank, package, href, items_by_path, report, extension):
        self.bank, self.package, self.href = bank, package, href
        self.items_by_path = items_by_path
        self.report = report
        self.extension = extension
        self.drafts: list[_Draft] = []
        self.seen_paths: dict[str, str] = {}  # package path → the first reference's identifier
        self.seen_ids: set[str] = set()
        self.top_index = -1  # the top-level section being read (for the extension's rules)
        self.rule_index = 0  # the selections read in it

    def problem(self, message: str) -> None:
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(message)
        else:
            self.report.problems_left_out += 1

    def unread(self, element: Element, known: set[str], where: str) -> None:
        """Report every kind of child of `element` this reader does not carry, once."""
        reported: set[str] = set()
        for child in element:
            if not isinstance(child.tag, str):
                continue
            name = local(child.tag)
            if name not in known and name not in reported:
                reported.add(name)
                self.problem(
                    _("%(where)s: <%(element)s> is not carried by the exam.")
                    % {"where": where, "element": name}
                )

    # ---------------------------------------------------------------- sections

    def ext_rules(self, top_index: int) -> list[dict]:
        sections = self.extension.get("sections")
        if not isinstance(sections, list) or top_index >= len(sections):
            return []
        entry = sections[top_index]
        rules = entry.get("rules") if isinstance(entry, dict) else None
        return rules if isinstance(rules, list) else []

    def section(self, element: Element, *, depth: int, into: _Draft | None) -> None:
        """Read a section: a visible one (`into` None) starts an exam section of its own; an
        invisible one's items join `into`, the section it is shown as part of."""
        if depth > MAX_SECTION_DEPTH:
            raise TestError(
                "too_deep",
                _("Sections are nested more than %(n)d deep.") % {"n": MAX_SECTION_DEPTH},
            )
        where = _("Section %(id)s") % {"id": _name(element)}
        if attr(element, "keepTogether") is not None and not _true(attr(element, "keepTogether")):
            self.problem(_('%(where)s: keepTogether="false" is not carried.') % {"where": where})
        self.unread(element, _SECTION_READ, where)
        ordering = next((c for c in element if local(c.tag) == "ordering"), None)
        shuffle = ordering is not None and _true(attr(ordering, "shuffle"))
        children = [
            c for c in element if local(c.tag) in ("assessmentItemRef", "assessmentSection")
        ]
        if not children:
            self.problem(_("%(where)s holds no item.") % {"where": where})
        selection = next((c for c in element if local(c.tag) == "selection"), None)
        if selection is not None:
            rule = self.selection(selection, len(children), where)
            if rule is not None:
                (into or self.new_draft(element, shuffle)).rules.append(rule)
                return
        if into is None:
            current = self.new_draft(element, shuffle)
        else:
            current = into
            if shuffle != current.shuffle and len(children) > 1:
                self.problem(
                    _(
                        "%(where)s: its own shuffle setting is not carried; its items follow"
                        " the section it is part of."
                    )
                    % {"where": where}
                )
        for child in children:
            child_visible = attr(child, "visible") is None or _true(attr(child, "visible"))
            if local(child.tag) == "assessmentSection" and child_visible:
                self.section(child, depth=depth + 1, into=None)
                continue
            # Items after a visible sub-section continue in an exam section of their own.
            current = self.continuation(current)
            if local(child.tag) == "assessmentItemRef":
                self.item_ref(child, current)
            else:
                self.section(child, depth=depth + 1, into=current)

    def new_draft(self, element: Element, shuffle: bool) -> _Draft:
        title = (attr(element, "title") or "").strip()[:255]
        draft = _Draft(title=title, shuffle=shuffle, label=_name(element))
        self.drafts.append(draft)
        return draft

    def continuation(self, draft: _Draft) -> _Draft:
        if self.drafts and self.drafts[-1] is draft:
            return draft
        again = _Draft(title=draft.title, shuffle=draft.shuffle, label=draft.label)
        self.drafts.append(again)
        return again

    def selection(self, selection: Element, children: int, where: str) -> RuleSpec | None:
        """A blueprint rule where the platform's extension says which; else None (reported)."""
        try:
            select = int(attr(selection, "select") or "")
        except ValueError:
            select = -1
        if _true(attr(selection, "withReplacement")):
            self.problem(
                _("%(where)s: selection with replacement is not carried.") % {"where": where}
            )
        rules = self.ext_rules(self.top_index)
        index = self.rule_index
        self.rule_index += 1
        spec = rules[index] if index < len(rules) and isinstance(rules[index], dict) else None
        rule = _rule(spec, self.bank) if spec else None
        if rule is not None and rule.count == select:
            self.report.notes.append(
                _(
                    "%(where)s: draws %(count)d items per candidate from the bank %(bank)s by"
                    " its rule (the items it listed were imported there)."
                )
                % {"where": where, "count": rule.count, "bank": self.bank.name}
            )
            return rule
        if select >= children:
            return None  # every child is chosen: the same as no selection
        self.problem(
            _(
                "%(where)s: a random selection of %(select)s of %(total)d is not carried; all"
                " %(total)d are fixed questions. Add a blueprint rule in the exam screens to"
                " draw instead."
            )
            % {"where": where, "select": attr(selection, "select") or "?", "total": children}
        )
        return None

    def item_ref(self, ref: Element, draft: _Draft) -> None:
        identifier = attr(ref, "identifier") or ""
        raw = attr(ref, "href") or ""
        where = _("Item %(id)s") % {"id": identifier or raw}
        draft.refs += 1
        try:
            path = resolve(self.href, raw)
        except QtiPackageError:
            self.problem(
                _("%(where)s: its href %(href)s points outside the package; left out.")
                % {"where": where, "href": raw}
            )
            return
        if path in self.seen_paths or (identifier and identifier in self.seen_ids):
            self.problem(
                _("%(where)s: referred to more than once; only its first place is kept.")
                % {"where": where}
            )
            return
        self.seen_paths[path] = identifier
        if identifier:
            self.seen_ids.add(identifier)
        entry = self.items_by_path.get(path)
        if entry is None:
            self.problem(
                _("%(where)s: %(href)s is not an item resource of the package; left out.")
                % {"where": where, "href": raw}
            )
            return
        if not entry.imported:
            self.problem(
                _("%(where)s: the item was not imported (%(code)s); left out.")
                % {"where": where, "code": entry.code}
            )
            return
        self.unread(ref, _REF_READ, where)
        for weight in (c for c in ref if local(c.tag) == "weight"):
            try:
                value = Decimal(attr(weight, "value") or "")
                one = value.is_finite() and value == 1  # sNaN would raise on comparing
            except InvalidOperation:
                one = False
            if not one:
                self.problem(
                    _(
                        "%(where)s: its weight %(value)s is not carried; the item keeps its own"
                        " marks."
                    )
                    % {"where": where, "value": attr(weight, "value")}
                )
        if _true(attr(ref, "fixed")):
            draft.fixed = True
        draft.items.append(ItemVersion.objects.select_related("item").get(pk=entry.version_id))


def _rule(spec: dict, bank: ItemBank) -> RuleSpec | None:
    """The platform's blueprint rule from the extension, checked; None when it is not one."""
    count, difficulty = spec.get("count"), spec.get("difficulty")
    tag, outcome = spec.get("tag") or "", spec.get("outcome_code") or ""
    if not (isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= 500):
        return None
    if not (isinstance(tag, str) and isinstance(outcome, str)):
        return None
    if len(tag) > 255 or len(outcome) > 255:
        return None
    if difficulty is not None and difficulty not in ItemVersion.Difficulty.values:
        return None
    return RuleSpec(bank=bank, count=count, tag=tag, outcome_code=outcome, difficulty=difficulty)


def _seconds_to_minutes(value: str | None, where: str, reader: _Reader) -> int | None:
    try:
        seconds = float(value or "")
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        reader.problem(
            _("%(where)s: maxTime %(value)s is not a time limit; none is set.")
            % {"where": where, "value": value}
        )
        return None
    minutes = math.ceil(seconds / 60)
    if minutes > 24 * 60:
        reader.problem(
            _("%(where)s: maxTime %(value)s is over a day; no time limit is set.")
            % {"where": where, "value": value}
        )
        return None
    if minutes * 60 != seconds:
        reader.report.notes.append(
            _("%(where)s: maxTime %(value)s s is rounded up to %(minutes)d minutes.")
            % {"where": where, "value": value, "minutes": minutes}
        )
    return minutes


def _time_limit(element: Element, where: str, reader: _Reader) -> int | None:
    limits = next((c for c in element if local(c.tag) == "timeLimits"), None)
    if limits is None:
        return None
    if attr(limits, "minTime") is not None:
        reader.problem(_("%(where)s: minTime is not carried.") % {"where": where})
    if _true(attr(limits, "allowLateSubmission")):
        reader.problem(_("%(where)s: allowLateSubmission is not carried.") % {"where": where})
    if attr(limits, "maxTime") is None:
        return None
    return _seconds_to_minutes(attr(limits, "maxTime"), where, reader)


def _sum_of_scores(element: Element) -> bool:
    """An outcome processing that only sets SCORE to the sum of the items' SCORE."""
    for rule in element:
        if local(rule.tag) != "setOutcomeValue" or attr(rule, "identifier") != "SCORE":
            return False
        expression = list(rule)
        if len(expression) != 1:
            return False
        node = expression[0]
        if local(node.tag) == "sum" and len(node) == 1:
            node = node[0]
        if local(node.tag) != "testVariables":
            return False
        if attr(node, "variableIdentifier") != "SCORE" or attr(node, "weightIdentifier"):
            return False
        if any(attr(node, name) for name in ("sectionIdentifier", "includeCategory")):
            return False
    return True


def _settings(extension: dict, reader: _Reader) -> dict:
    """The exam settings the platform's extension carries, each checked; bad ones reported."""
    raw = extension.get("settings")
    if not isinstance(raw, dict):
        return {}
    out: dict = {}
    checks = {
        "instructions": lambda v: isinstance(v, str) and len(v) <= MAX_INSTRUCTIONS,
        "time_limit_minutes": lambda v: (
            v is None or (isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 24 * 60)
        ),
        "attempts_allowed": lambda v: (
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 100
        ),
        "shuffle_items": lambda v: isinstance(v, bool),
        "shuffle_options": lambda v: isinstance(v, bool),
        "review_when": lambda v: v in ExamVersion.ReviewWhen.values,
    }
    for name, check in checks.items():
        if name not in raw:
            continue
        if check(raw[name]):
            out[name] = raw[name]
        else:
            reader.problem(
                _("The setting %(name)s in the platform extension is not valid; left out.")
                % {"name": name}
            )
    if "negative_marking" in raw:
        try:
            value = Decimal(str(raw["negative_marking"]))
        except InvalidOperation:
            value = None
        if value is not None and value.is_finite() and 0 <= value <= 1:
            out["negative_marking"] = value.quantize(Decimal("0.0001"))
        else:
            reader.problem(
                _("The setting %(name)s in the platform extension is not valid; left out.")
                % {"name": "negative_marking"}
            )
    return out


def _read(root: Element, reader: _Reader) -> tuple[str, dict]:
    """The exam's title and settings, with `reader.drafts` filled."""
    sections = sum(1 for node in root.iter() if local(node.tag) == "assessmentSection")
    refs = sum(1 for node in root.iter() if local(node.tag) == "assessmentItemRef")
    max_sections = _limit("MAX_TEST_SECTIONS", MAX_TEST_SECTIONS)
    max_items = _limit("MAX_TEST_ITEMS", MAX_TEST_ITEMS)
    if sections > max_sections:
        raise TestError(
            "too_many_sections",
            _("The test has %(n)d sections; at most %(max)d are imported.")
            % {"n": sections, "max": max_sections},
        )
    parts = sum(1 for node in root if local(node.tag) == "testPart")
    if parts > max_sections:
        raise TestError(
            "too_many_sections",
            _("The test has %(n)d test parts; at most %(max)d are imported.")
            % {"n": parts, "max": max_sections},
        )
    if refs > max_items:
        raise TestError(
            "too_many_items",
            _("The test refers to %(n)d items; at most %(max)d are imported.")
            % {"n": refs, "max": max_items},
        )
    if refs == 0:
        raise TestError("no_items", _("The test refers to no item."))
    test_where = pgettext("QTI import report: the assessmentTest", "The test")
    reader.unread(root, _TEST_READ, test_where)
    processing = next((c for c in root if local(c.tag) == "outcomeProcessing"), None)
    if processing is not None and not _sum_of_scores(processing):
        reader.problem(
            _(
                "The test's outcome processing is not carried: the exam's score is the sum of"
                " its questions' marks."
            )
        )
    time_limit = _time_limit(root, test_where, reader)
    parts = [c for c in root if local(c.tag) == "testPart"]
    for part in parts:
        where = _("Test part %(id)s") % {"id": _name(part)}
        reader.unread(part, _PART_READ, where)
        if (attr(part, "navigationMode") or "linear") == "linear":
            reader.problem(
                _(
                    "%(where)s: linear navigation is not carried; candidates move freely"
                    " between questions."
                )
                % {"where": where}
            )
        if (attr(part, "submissionMode") or "individual") == "individual":
            reader.problem(
                _(
                    "%(where)s: individual submission is not carried; answers are submitted"
                    " together."
                )
                % {"where": where}
            )
        part_limit = _time_limit(part, where, reader)
        if part_limit is not None:
            if len(parts) == 1 and time_limit is None:
                time_limit = part_limit
            else:
                reader.problem(
                    _("%(where)s: its own time limit is not carried.") % {"where": where}
                )
        for section in (c for c in part if local(c.tag) == "assessmentSection"):
            reader.top_index += 1
            reader.rule_index = 0
            reader.section(section, depth=1, into=None)
    title = (attr(root, "title") or "").strip()[:255] or (attr(root, "identifier") or "")[:255]
    settings_ = _settings(reader.extension, reader) if reader.extension else {}
    if "time_limit_minutes" not in settings_ and time_limit is not None:
        settings_["time_limit_minutes"] = time_limit
    return title or _("Imported test"), settings_


def exam_from_test(
    *, actor, bank: ItemBank, package, resource: Element, items_by_path: dict, extension: dict
) -> TestReport:
    """Make the exam one test resource describes, from the items already imported.

    The exam goes into the bank's institution. One savepoint: a `TestError` or a
    validation error leaves nothing of this test behind, and the report says why.
    """
    raw_href = attr(resource, "href") or ""
    report = TestReport(identifier=attr(resource, "identifier") or "", href=raw_href)
    try:
        with transaction.atomic():
            href = _test_href(package, raw_href)
            root = _test_root(package, href)
            reader = _Reader(
                bank=bank,
                package=package,
                href=href,
                items_by_path=items_by_path,
                report=report,
                extension=extension if extension.get("type") == "exam" else {},
            )
            title, settings_ = _read(root, reader)
            report.title = title
            drafts = [d for d in reader.drafts if d.items or d.rules]
            for draft in reader.drafts:
                if draft.refs and not (draft.items or draft.rules):
                    reader.problem(
                        _("Section %(id)s has no item left; no exam section is made of it.")
                        % {"id": draft.label}
                    )
            if not drafts:
                raise TestError(
                    "no_items", _("None of the test's items could be imported; no exam is made.")
                )
            titles = reader.extension.get("sections") if reader.extension else None
            if (
                isinstance(titles, list)
                and len(titles) == len(drafts)
                and all(isinstance(t, dict) and isinstance(t.get("title"), str) for t in titles)
            ):
                # The platform's own export: its titles exactly (an untitled section too).
                for draft, entry in zip(drafts, titles, strict=True):
                    draft.title = entry["title"][:255]
            if "shuffle_items" not in settings_:  # the platform's own setting wins
                settings_["shuffle_items"] = _shuffle(drafts, reader)
            exam = exam_create(
                actor=actor,
                institution=bank.institution,
                title=title,
                sections=[SectionSpec(title=d.title, items=d.items, rules=d.rules) for d in drafts],
                **settings_,
            )
    except TestError as exc:
        report.code, report.message = exc.code, exc.message
    except (ValidationError, PermissionDenied) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        report.code, report.message = "invalid_test", " ".join(messages)
    else:
        report.exam_id = exam.pk
        report.sections = len(drafts)
        report.items = sum(len(d.items) for d in drafts)
        report.rules = sum(len(d.rules) for d in drafts)
    return report


def _shuffle(drafts: list[_Draft], reader: _Reader) -> bool:
    """One shuffle setting for the exam: on when every section of several questions shuffles."""
    several = [d for d in drafts if len(d.items) + sum(r.count for r in d.rules) > 1]
    shuffled = [d for d in several if d.shuffle]
    if several and len(shuffled) == len(several):
        for draft in shuffled:
            if draft.fixed:
                reader.problem(
                    _(
                        "Section %(id)s: items marked fixed are shuffled with the others (the"
                        " exam shuffles whole sections)."
                    )
                    % {"id": draft.label}
                )
        return True
    for draft in shuffled:
        reader.problem(
            _(
                "Section %(id)s: shuffle is not carried, because other sections keep their"
                " order (the exam shuffles every section or none)."
            )
            % {"id": draft.label}
        )
    return False


def _test_href(package, raw: str) -> str:
    try:
        href = resolve("imsmanifest.xml", raw)
    except QtiPackageError as exc:
        raise TestError("missing_file", _("The test file is outside the package.")) from exc
    if href not in package:
        raise TestError("missing_file", _("The test file is not in the package."))
    return href


def _test_root(package, href: str) -> Element:
    try:
        root = package.xml(href)
    except QtiPackageError as exc:
        if exc.code == "xml_malformed":
            raise TestError(exc.code, exc.message) from exc
        raise
    if READ_NAMESPACES.get(namespace_of(root.tag)) is None:
        raise TestError(
            "unsupported_version",
            _("The test is not in a QTI 2.1, 2.2 or 3.0 namespace (%(ns)s).")
            % {"ns": namespace_of(root.tag) or "—"},
        )
    if local(root.tag) != "assessmentTest":
        raise TestError("not_a_test", _("The test file is not an assessmentTest."))
    return root
