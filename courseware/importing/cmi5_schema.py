"""The content model of the cmi5 course structure XSD (cmi5 §13.2, CourseStructure.xsd v1).

cmi5 requires the LMS to refuse a cmi5.xml that does not conform to the XSD
(requirement 13.2.0.0-1). The reader takes elements by name, so this module checks
what reading by name cannot see: the order and number of the cmi5 elements, the
required ones, cmi5-namespace names the schema does not know, and extension
elements (another namespace, `xs:any namespace="##other"`) outside the places where
the schema allows them, which is only at the end of a sequence.

Attribute values (ids, moveOn, masteryScore) are checked by the reader itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from django.utils.translation import gettext as _

from .xmlsafe import local, namespace

NAMESPACE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
UNBOUNDED = 10**9
# Enough to show an author what to fix without flooding the report.
MAX_PROBLEMS = 20
# Blocks may nest without limit in the XSD; the reader walks them recursively, so a hostile
# structure nested thousands deep is refused here instead of exhausting Python's stack.
MAX_DEPTH = 100


@dataclass(frozen=True)
class Particle:
    """One place in a sequence: one element, or a choice between several, min..max times."""

    names: tuple[str, ...]
    minimum: int = 1
    maximum: int = 1


@dataclass(frozen=True)
class Model:
    """An element's content: a sequence of particles (or an `xs:all` of them), then maybe
    extension elements (the XSD's `anyElement` group, always last)."""

    particles: tuple[Particle, ...] = ()
    extensions: bool = True
    all_group: bool = False
    # No check inside (xs:anyType, or simple content checked by the reader).
    opaque: bool = False
    simple: bool = False


TEXT = "textType"
TEXT_MODEL = Model((Particle(("langstring",), 1, UNBOUNDED),))
LANGSTRING = Model(simple=True, extensions=False)
ANY = Model(opaque=True)
AU_OR_BLOCK = Particle(("au", "block"), 1, UNBOUNDED)

# Model of each element, by the name of the element that holds it and its own name.
MODELS: dict[tuple[str, str], Model] = {
    ("", "courseStructure"): Model(
        (Particle(("course",)), Particle(("objectives",), 0, 1), AU_OR_BLOCK)
    ),
    ("courseStructure", "course"): Model((Particle(("title",)), Particle(("description",)))),
    ("courseStructure", "objectives"): Model((Particle(("objective",), 1, UNBOUNDED),)),
    ("objectives@course", "objective"): Model(
        (Particle(("title",)), Particle(("description",))), extensions=False, all_group=True
    ),
    ("block", "objectives"): Model((Particle(("objective",), 1, UNBOUNDED),)),
    ("au", "objectives"): Model((Particle(("objective",), 1, UNBOUNDED),)),
    # An objective reference has only its idref attribute: no content at all.
    ("objectives@ref", "objective"): Model(extensions=False),
    ("block", "block"): Model(
        (
            Particle(("title",)),
            Particle(("description",)),
            Particle(("objectives",), 0, 1),
            AU_OR_BLOCK,
        )
    ),
    ("block", "au"): Model(
        (
            Particle(("title",)),
            Particle(("description",)),
            Particle(("objectives",), 0, 1),
            Particle(("url",)),
            Particle(("launchParameters",), 0, 1),
            Particle(("entitlementKey",), 0, 1),
        )
    ),
    ("au", "url"): Model(simple=True, extensions=False),
    ("au", "launchParameters"): ANY,
    ("au", "entitlementKey"): ANY,
    (TEXT, "langstring"): LANGSTRING,
}
for _holder in ("course", "block", "au", "objective"):
    MODELS[(_holder, "title")] = MODELS[(_holder, "description")] = TEXT_MODEL
MODELS[("courseStructure", "block")] = MODELS[("block", "block")]
MODELS[("courseStructure", "au")] = MODELS[("block", "au")]
KNOWN_NAMES = frozenset(name for _parent, name in MODELS)


def _model_key(parent_key: str, name: str) -> tuple[str, str]:
    """The MODELS key of `name` inside an element whose own key name is `parent_key`."""
    if parent_key in ("title", "description"):
        return (TEXT, name)
    return (parent_key, name)


def _child_key(parent_key: str, name: str) -> str:
    """The key under which a child's own children are looked up."""
    if name == "objectives":
        return "objectives@course" if parent_key == "courseStructure" else "objectives@ref"
    return name


def _quoted(names: tuple[str, ...]) -> str:
    quoted = [f"“{name}”" for name in names]
    if len(quoted) == 1:
        return quoted[0]
    return _("one of %(names)s") % {"names": ", ".join(quoted)}


def _step(element: Element, position: int) -> str:
    name = local(element.tag)
    for attribute in ("id", "idref"):
        if element.get(attribute):
            return f'{name}[@{attribute}="{element.get(attribute)}"]'
    return f"{name}[{position}]"


def structure_problems(root: Element) -> list[str]:
    """Messages for each place where cmi5.xml departs from the XSD's content model."""
    problems: list[str] = []
    if namespace(root.tag) != NAMESPACE:
        problems.append(
            _("The root element “courseStructure” is not in the cmi5 namespace “%(namespace)s”.")
            % {"namespace": NAMESPACE}
        )
        return problems
    if _depth(root) > MAX_DEPTH:
        problems.append(
            _("cmi5.xml nests its elements more than %(limit)s levels deep.") % {"limit": MAX_DEPTH}
        )
        return problems
    _check(root, MODELS[("", "courseStructure")], "courseStructure", "/courseStructure", problems)
    return problems[:MAX_PROBLEMS]


def _depth(root: Element) -> int:
    """How deep the elements nest (walked without recursion)."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((item, depth + 1) for item in element)
    return deepest


def _stray_text(value: str | None) -> str:
    return (value or "").strip()


def _check(element: Element, model: Model, key: str, where: str, problems: list[str]) -> None:
    if model.opaque or len(problems) >= MAX_PROBLEMS:
        return
    elements = [item for item in element if isinstance(item.tag, str)]
    if model.simple:
        if elements:
            problems.append(
                _("In %(where)s, the element “%(element)s” is not allowed: it holds text only.")
                % {"where": where, "element": local(elements[0].tag)}
            )
        return
    stray = _stray_text(element.text) or next(
        (_stray_text(item.tail) for item in element if _stray_text(item.tail)), ""
    )
    if stray:
        problems.append(
            _("In %(where)s, the text “%(text)s” is not allowed between elements.")
            % {"where": where, "text": stray[:40]}
        )
    if model.all_group:
        _check_all(elements, model, where, problems)
    else:
        _check_sequence(elements, model, where, problems)
    positions: dict[str, int] = {}
    for item in elements:
        name = local(item.tag)
        positions[name] = positions.get(name, 0) + 1
        if namespace(item.tag) != NAMESPACE:
            continue  # an extension element (lax): not ours to read
        child_model = MODELS.get(_model_key(key, name))
        if child_model is None:
            continue  # already reported as out of place
        child_key = _child_key(key, name)
        _check(item, child_model, child_key, f"{where}/{_step(item, positions[name])}", problems)


def _refuse_element(item: Element, expected: str, where: str, problems: list[str]) -> None:
    name = local(item.tag)
    if namespace(item.tag) == NAMESPACE and name not in KNOWN_NAMES:
        problems.append(
            _("In %(where)s, “%(element)s” is not an element of the cmi5 course structure.")
            % {"where": where, "element": name}
        )
    elif namespace(item.tag) == "":
        problems.append(
            _(
                "In %(where)s, the element “%(element)s” is in no namespace; expected "
                "%(expected)s (an extension element needs a namespace of its own)."
            )
            % {"where": where, "element": name, "expected": expected}
        )
    elif namespace(item.tag) != NAMESPACE:
        problems.append(
            _(
                "In %(where)s, the extension element “%(element)s” is not allowed here; "
                "expected %(expected)s."
            )
            % {"where": where, "element": name, "expected": expected}
        )
    else:
        problems.append(
            _("In %(where)s, “%(element)s” is out of order; expected %(expected)s.")
            % {"where": where, "element": name, "expected": expected}
        )


def _missing(names: tuple[str, ...], where: str, problems: list[str]) -> None:
    problems.append(
        _("In %(where)s, %(expected)s is missing; the cmi5 course structure requires it.")
        % {"where": where, "expected": _quoted(names)}
    )


def _check_sequence(elements: list[Element], model: Model, where: str, problems: list) -> None:
    particles = model.particles
    index, count = 0, 0
    in_extensions = False

    def expected() -> str:
        names: tuple[str, ...] = ()
        for position in range(index, len(particles)):
            particle = particles[position]
            if position == index and count >= particle.maximum:
                continue
            names += particle.names
            if (count if position == index else 0) < particle.minimum:
                break
        else:
            if model.extensions:
                return (
                    _("%(names)s or an extension element") % {"names": _quoted(names)}
                    if names
                    else _("only extension elements")
                )
        return _quoted(names) if names else _("no further element")

    for item in elements:
        # `##other` excludes elements in no namespace as well as the cmi5 one.
        is_extension = namespace(item.tag) not in (NAMESPACE, "")
        if is_extension and model.extensions:
            if in_extensions:
                continue
            if count < (particles[index].minimum if index < len(particles) else 0):
                _refuse_element(item, expected(), where, problems)
                return
            if any(particle.minimum for particle in particles[index + 1 :]):
                _refuse_element(item, expected(), where, problems)
                return
            in_extensions = True
            index = len(particles)
            continue
        name = local(item.tag)
        placed = False
        # Where the element was met, for the message (the loop below moves past optional ones).
        met_at = index, count
        while not is_extension and not in_extensions and index < len(particles):
            particle = particles[index]
            if name in particle.names and count < particle.maximum:
                count += 1
                placed = True
                break
            if count < particle.minimum:
                break
            index, count = index + 1, 0
        if not placed:
            index, count = met_at
            _refuse_element(item, expected(), where, problems)
            return
    for position in range(index, len(particles)):
        if (count if position == index else 0) < particles[position].minimum:
            _missing(particles[position].names, where, problems)
            return


def _check_all(elements: list[Element], model: Model, where: str, problems: list) -> None:
    seen: set[str] = set()
    allowed = {name for particle in model.particles for name in particle.names}
    for item in elements:
        name = local(item.tag)
        if namespace(item.tag) != NAMESPACE or name not in allowed or name in seen:
            remaining = tuple(sorted(allowed - seen))
            _refuse_element(
                item, _quoted(remaining) if remaining else _("no further element"), where, problems
            )
            return
        seen.add(name)
    for particle in model.particles:
        if not seen.intersection(particle.names):
            _missing(particle.names, where, problems)
            return
