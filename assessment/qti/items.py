"""One item between the platform's question types and a QTI `assessmentItem`.

`item_to_xml` writes an item version (2.x element names; `names.to_v3` renames for 3.0)
and answers the extension that carries what QTI cannot say; `item_from_xml` reads an item
(ours or another tool's) back into a question type, a stem and a body, or raises
`ItemError` saying why it cannot be imported. docs/qti.md has the mapping table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, SubElement

from django.utils import translation
from django.utils.translation import gettext as _

from .. import questions
from .html import elements_to_html, stem_to_elements
from .names import HTML, XSI, QtiVersion, attr, local

RESPONSE = "RESPONSE"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")

# Body keys QTI cannot express natively, per type: they travel in the extension.
EXTRA_KEYS = {
    "single_choice": ("points",),
    "multiple_choice": ("points", "scoring"),
    "true_false": ("points",),
    "short_answer": ("points", "diacritic_sensitive"),
    "numeric": ("points", "units", "unit_required"),
    "matching": ("points", "scoring"),
    "ordering": ("points", "scoring"),
    "cloze": ("points",),
    "essay": ("points", "rubric", "min_words", "max_words"),
    "file_upload": ("points", "rubric", "accepted_types", "max_files", "max_file_mb"),
    "practical_checklist": ("standard", "criteria"),
}
GAP_EXTRA_KEYS = {
    "text": ("points", "diacritic_sensitive"),
    "numeric": ("points", "units", "unit_required"),
    "select": ("points",),
}
BLOCK_INTERACTIONS = {
    "choiceInteraction",
    "orderInteraction",
    "matchInteraction",
    "extendedTextInteraction",
    "uploadInteraction",
}
INLINE_INTERACTIONS = {"textEntryInteraction", "inlineChoiceInteraction"}
UNSUPPORTED_INTERACTIONS = {
    "associateInteraction",
    "gapMatchInteraction",
    "hottextInteraction",
    "hotspotInteraction",
    "graphicOrderInteraction",
    "graphicAssociateInteraction",
    "graphicGapMatchInteraction",
    "positionObjectInteraction",
    "selectPointInteraction",
    "sliderInteraction",
    "mediaInteraction",
    "drawingInteraction",
    "customInteraction",
    "portableCustomInteraction",
}
# A button to end the attempt early: nothing to answer, ignored on import.
IGNORED_INTERACTIONS = {"endAttemptInteraction"}
SUPPORTED_TEMPLATES = {"match_correct", "map_response"}


class ItemError(Exception):
    """An item that cannot be imported: a stable code and a message for the report."""

    def __init__(self, code: str, message: str):
        self.code, self.message = code, message
        super().__init__(message)


# ---------------------------------------------------------------- numbers


def fmt(value) -> str:
    """A JSON number as QTI writes it: '220', '0.05', never '2.2E+2'."""
    number = Decimal(str(value))
    text = format(number.normalize(), "f")
    return text


def num(text: str | None, what: str):
    """QTI number text as a JSON number (an int when whole)."""
    try:
        number = Decimal((text or "").strip())
    except InvalidOperation as exc:
        raise ItemError("bad_number", _("%(what)s is not a number.") % {"what": what}) from exc
    if not number.is_finite():
        raise ItemError("bad_number", _("%(what)s is not a number.") % {"what": what})
    if number == number.to_integral_value() and abs(number) < 10**15:
        return int(number)
    return float(number)


# ---------------------------------------------------------------- export


@dataclass
class Exported:
    """An item written as QTI: the element, the extension, and the image files it needs."""

    element: Element
    extension: dict
    images: list[str] = field(default_factory=list)


class _Ids:
    """Our ids as QTI identifiers: kept when already valid, else renamed (I1, I2…) with the
    original in the extension, so a round trip gives the same ids."""

    def __init__(self):
        self.renamed: dict[str, str] = {}
        self.used: set[str] = set()
        self.kept: set[str] = set()

    def __call__(self, original: str) -> str:
        if original in self.renamed:
            return self.renamed[original]
        if original in self.kept:
            return original
        if _IDENTIFIER.match(original) and original not in self.used:
            self.used.add(original)
            self.kept.add(original)
            return original
        candidate = f"I{len(self.renamed) + 1}"
        while candidate in self.used:
            candidate += "_"
        self.used.add(candidate)
        self.renamed[original] = candidate
        return candidate

    def back(self) -> dict[str, str]:
        return {qti: original for original, qti in self.renamed.items()}


def _el(parent: Element | None, tag: str, attributes: dict | None = None, text=None) -> Element:
    attributes = {k: v for k, v in (attributes or {}).items() if v is not None}
    element = Element(tag, attributes) if parent is None else SubElement(parent, tag, attributes)
    if text is not None:
        element.text = str(text)
    return element


def _declare(root: Element, identifier: str, cardinality: str, base_type: str) -> Element:
    return _el(
        root,
        "responseDeclaration",
        {"identifier": identifier, "cardinality": cardinality, "baseType": base_type},
    )


def _correct(declaration: Element, values: list[str]) -> None:
    correct = _el(declaration, "correctResponse")
    for value in values:
        _el(correct, "value", text=value)


def _mapping(declaration: Element, entries, **bounds) -> None:
    mapping = _el(
        declaration,
        "mapping",
        {"defaultValue": "0", **{k: fmt(v) for k, v in bounds.items() if v is not None}},
    )
    for key, value, extra in entries:
        _el(mapping, "mapEntry", {"mapKey": key, "mappedValue": fmt(value), **extra})


def _share(count: int) -> Decimal:
    return (Decimal(1) / count).quantize(Decimal("0.000001"))


def item_to_xml(
    version, *, qti: QtiVersion, identifier: str, image_file, title: str = ""
) -> Exported:
    """The `assessmentItem` of an item version (2.x names)."""
    question_type, body = version.question_type, version.body
    ids = _Ids()
    root = _el(
        None,
        "assessmentItem",
        {
            "xmlns": qti.namespace,
            "xmlns:xsi": XSI,
            "xsi:schemaLocation": f"{qti.namespace} {qti.schema}",
            "identifier": identifier,
            "title": title or identifier,
            "adaptive": "false",
            "timeDependent": "false",
            "xml:lang": version.language,
        },
    )
    item_body = Element("itemBody")
    stem = _el(item_body, "div", {"class": "tn-stem"})
    stem_to_elements(version.stem, stem, image_file)
    template = None
    custom: list[tuple[str, Decimal, list[Element]]] = []  # (response, points, conditions)
    max_score = questions.get(question_type).max_score(body)

    if question_type in ("single_choice", "multiple_choice", "true_false"):
        single = question_type != "multiple_choice"
        declaration = _declare(root, RESPONSE, "single" if single else "multiple", "identifier")
        interaction = _el(
            item_body,
            "choiceInteraction",
            {
                "responseIdentifier": RESPONSE,
                "shuffle": "true" if body.get("shuffle") else "false",
                "maxChoices": "1" if single else "0",
            },
        )
        if question_type == "true_false":
            with translation.override(version.language):
                options = [{"id": "true", "text": _("True")}, {"id": "false", "text": _("False")}]
            correct = ["true" if body["correct"] else "false"]
        else:
            options = body["options"]
            correct = body["correct"] if not single else [body["correct"]]
        for option in options:
            _el(interaction, "simpleChoice", {"identifier": ids(option["id"])}, option["text"])
        _correct(declaration, [ids(value) for value in correct])
        template = "match_correct"
        if (
            question_type == "multiple_choice"
            and body.get("scoring", "partial") != "all_or_nothing"
        ):
            share = _share(len(correct))
            _mapping(
                declaration,
                [
                    (ids(o["id"]), share if o["id"] in correct else -share, {})
                    for o in body["options"]
                ],
                lowerBound=0,
                upperBound=1,
            )
            template = "map_response"
    elif question_type == "short_answer":
        declaration = _declare(root, RESPONSE, "single", "string")
        _short_answer(declaration, body)
        _el(
            _el(item_body, "div", {"class": "tn-response"}),
            "textEntryInteraction",
            {"responseIdentifier": RESPONSE, "expectedLength": "20"},
        )
        template = "map_response"
    elif question_type == "numeric":
        declaration = _declare(root, RESPONSE, "single", "float")
        _correct(declaration, [fmt(body["answers"][0]["value"])])
        _el(
            _el(item_body, "div", {"class": "tn-response"}),
            "textEntryInteraction",
            {"responseIdentifier": RESPONSE, "expectedLength": "10"},
        )
        custom.append((RESPONSE, max_score, _numeric_conditions(RESPONSE, body)))
    elif question_type == "matching":
        declaration = _declare(root, RESPONSE, "multiple", "directedPair")
        interaction = _el(
            item_body,
            "matchInteraction",
            {
                "responseIdentifier": RESPONSE,
                "shuffle": "true",
                "maxAssociations": str(len(body["prompts"])),
            },
        )
        sources = _el(interaction, "simpleMatchSet")
        for prompt in body["prompts"]:
            _el(
                sources,
                "simpleAssociableChoice",
                {"identifier": ids(prompt["id"]), "matchMax": "1"},
                prompt["text"],
            )
        targets = _el(interaction, "simpleMatchSet")
        for choice in body["choices"]:
            _el(
                targets,
                "simpleAssociableChoice",
                {"identifier": ids(choice["id"]), "matchMax": "0"},
                choice["text"],
            )
        pairs = [f"{ids(p)} {ids(c)}" for p, c in body["pairs"].items()]
        _correct(declaration, pairs)
        if body.get("scoring", "partial") == "partial":
            share = _share(len(pairs))
            _mapping(declaration, [(pair, share, {}) for pair in pairs], lowerBound=0, upperBound=1)
            template = "map_response"
        else:
            template = "match_correct"
    elif question_type == "ordering":
        declaration = _declare(root, RESPONSE, "ordered", "identifier")
        interaction = _el(
            item_body, "orderInteraction", {"responseIdentifier": RESPONSE, "shuffle": "true"}
        )
        for step in body["steps"]:
            _el(interaction, "simpleChoice", {"identifier": ids(step["id"])}, step["text"])
        _correct(declaration, [ids(step["id"]) for step in body["steps"]])
        template = "match_correct"
    elif question_type == "cloze":
        paragraph = _el(item_body, "p", {"class": "tn-cloze"})
        gaps = {gap["id"]: gap for gap in body["gaps"]}
        position = 0
        text = body["text"]
        from ..questions.cloze import PLACEHOLDER

        last = None
        for match in PLACEHOLDER.finditer(text):
            before = text[position : match.start()]
            if last is None:
                paragraph.text = (paragraph.text or "") + before
            else:
                last.tail = (last.tail or "") + before
            gap = gaps[match.group(1)]
            identifier = ids(gap["id"])
            last = _gap(root, paragraph, identifier, gap, ids, custom)
            position = match.end()
        rest = text[position:]
        if last is None:
            paragraph.text = (paragraph.text or "") + rest
        else:
            last.tail = (last.tail or "") + rest
    elif question_type == "essay":
        _declare(root, RESPONSE, "single", "string")
        attributes = {"responseIdentifier": RESPONSE}
        if body.get("max_words"):
            attributes["expectedLength"] = str(int(body["max_words"]) * 7)
        _el(item_body, "extendedTextInteraction", attributes)
        _rubric_block(item_body, body)
    elif question_type in ("file_upload", "practical_checklist"):
        _declare(root, RESPONSE, "single", "file")
        accepted = body.get("accepted_types", [])
        kind = accepted[0] if len(accepted) == 1 and "*" not in accepted[0] else None
        _el(item_body, "uploadInteraction", {"responseIdentifier": RESPONSE, "type": kind})
        if question_type == "practical_checklist":
            _checklist_block(item_body, body)
        else:
            _rubric_block(item_body, body)
    else:  # pragma: no cover - the registry and this module list the same types
        raise ItemError("unsupported_type", question_type)

    _el(
        _el(
            _el(
                root,
                "outcomeDeclaration",
                {"identifier": "SCORE", "cardinality": "single", "baseType": "float"},
            ),
            "defaultValue",
        ),
        "value",
        text="0",
    )
    _el(
        _el(
            _el(
                root,
                "outcomeDeclaration",
                {"identifier": "MAXSCORE", "cardinality": "single", "baseType": "float"},
            ),
            "defaultValue",
        ),
        "value",
        text=fmt(max_score),
    )
    for response, _points, _conditions in custom:
        _el(
            _el(
                _el(
                    root,
                    "outcomeDeclaration",
                    {
                        "identifier": f"FRACTION_{response}",
                        "cardinality": "single",
                        "baseType": "float",
                    },
                ),
                "defaultValue",
            ),
            "value",
            text="0",
        )
    root.append(item_body)
    if template:
        _el(root, "responseProcessing", {"template": qti.template(template)})
    elif custom:
        processing = _el(root, "responseProcessing")
        for _response, _points, conditions in custom:
            processing.extend(conditions)
        total = _el(_el(processing, "setOutcomeValue", {"identifier": "SCORE"}), "sum")
        for response, points_, _conditions in custom:
            product = _el(total, "product")
            _el(product, "baseValue", {"baseType": "float"}, fmt(points_))
            _el(product, "variable", {"identifier": f"FRACTION_{response}"})

    extension = {"type": question_type}
    extra = {key: body[key] for key in EXTRA_KEYS[question_type] if key in body}
    if question_type == "ordering":
        extra["scoring"] = body.get(
            "scoring", "position"
        )  # QTI's match_correct reads as all or nothing
    if question_type == "cloze":
        extra["gaps"] = {
            gap["id"]: {key: gap[key] for key in GAP_EXTRA_KEYS[gap["kind"]] if key in gap}
            for gap in body["gaps"]
        }
    if extra:
        extension["body"] = extra
    if ids.renamed:
        extension["ids"] = ids.back()
    return Exported(root, extension)


def _short_answer(declaration: Element, body: dict) -> None:
    accepted = body["accepted"]
    best = max(accepted, key=lambda entry: Decimal(str(entry.get("fraction", 1))))
    _correct(declaration, [best["text"]])
    case = "true" if body.get("case_sensitive", False) else "false"
    _mapping(
        declaration,
        [(entry["text"], entry.get("fraction", 1), {"caseSensitive": case}) for entry in accepted],
    )


def _numeric_conditions(response: str, body: dict) -> list[Element]:
    """One condition per accepted answer: the best share matched wins, in authored order."""
    conditions = []
    fraction = f"FRACTION_{response}"
    for answer in body["answers"]:
        condition = Element("responseCondition")
        branch = _el(condition, "responseIf")
        both = _el(branch, "and")
        tolerance = Decimal(str(answer.get("tolerance", 0)))
        relative = answer.get("tolerance_type", "absolute") == "relative"
        if tolerance:
            shown = fmt(tolerance * 100 if relative else tolerance)  # QTI's relative is per cent
            equal = _el(
                both,
                "equal",
                {
                    "toleranceMode": "relative" if relative else "absolute",
                    "tolerance": f"{shown} {shown}",
                    "includeLowerBound": "true",
                    "includeUpperBound": "true",
                },
            )
        else:
            equal = _el(both, "equal", {"toleranceMode": "exact"})
        _el(equal, "variable", {"identifier": response})
        _el(equal, "baseValue", {"baseType": "float"}, fmt(answer["value"]))
        less = _el(both, "lt")
        _el(less, "variable", {"identifier": fraction})
        share = fmt(answer.get("fraction", 1))
        _el(less, "baseValue", {"baseType": "float"}, share)
        _el(
            _el(branch, "setOutcomeValue", {"identifier": fraction}),
            "baseValue",
            {"baseType": "float"},
            share,
        )
        conditions.append(condition)
    return conditions


def _gap(root, paragraph, identifier, gap, ids, custom) -> Element:
    kind = gap["kind"]
    gap_points = questions.get(
        {"text": "short_answer", "numeric": "numeric", "select": "single_choice"}[kind]
    ).max_score(gap)
    fraction = f"FRACTION_{identifier}"
    if kind == "select":
        declaration = _declare(root, identifier, "single", "identifier")
        _correct(declaration, [ids(gap["correct"])])
        element = _el(
            paragraph,
            "inlineChoiceInteraction",
            {
                "responseIdentifier": identifier,
                "shuffle": "true" if gap.get("shuffle") else "false",
            },
        )
        for option in gap["options"]:
            _el(element, "inlineChoice", {"identifier": ids(option["id"])}, option["text"])
        condition = Element("responseCondition")
        branch = _el(condition, "responseIf")
        match = _el(branch, "match")
        _el(match, "variable", {"identifier": identifier})
        _el(match, "correct", {"identifier": identifier})
        _el(
            _el(branch, "setOutcomeValue", {"identifier": fraction}),
            "baseValue",
            {"baseType": "float"},
            "1",
        )
        custom.append((identifier, gap_points, [condition]))
    elif kind == "text":
        declaration = _declare(root, identifier, "single", "string")
        _short_answer(declaration, gap)
        element = _el(paragraph, "textEntryInteraction", {"responseIdentifier": identifier})
        setter = Element("setOutcomeValue", {"identifier": fraction})
        _el(setter, "mapResponse", {"identifier": identifier})
        custom.append((identifier, gap_points, [setter]))
    else:
        declaration = _declare(root, identifier, "single", "float")
        _correct(declaration, [fmt(gap["answers"][0]["value"])])
        element = _el(paragraph, "textEntryInteraction", {"responseIdentifier": identifier})
        custom.append((identifier, gap_points, _numeric_conditions(identifier, gap)))
    return element


def _rubric_block(item_body: Element, body: dict) -> None:
    """The rubric as a table for other tools' markers (the extension carries it exactly)."""
    rubric = body.get("rubric")
    if not rubric:
        return
    block = _el(item_body, "rubricBlock", {"view": "scorer"})
    # QTI's XHTML subset wants rows in a tbody (the schema refuses tr directly in table).
    table = _el(_el(block, "table", {"class": "tn-rubric"}), "tbody")
    for criterion in rubric["criteria"]:
        row = _el(table, "tr")
        _el(row, "th", text=criterion["title"])
        for level in criterion["levels"]:
            _el(row, "td", text=f"{level['label']} ({fmt(level['points'])})")


def _checklist_block(item_body: Element, body: dict) -> None:
    block = _el(item_body, "rubricBlock", {"view": "scorer"})
    standard = body.get("standard")
    if standard:
        _el(block, "p", text=f"{standard['code']} {standard.get('title', '')}".strip())
    table = _el(_el(block, "table", {"class": "tn-checklist"}), "tbody")
    for criterion in body["criteria"]:
        row = _el(table, "tr")
        _el(row, "td", text=criterion["text"])
        if criterion.get("mode", "met") == "met":
            _el(row, "td", text=f"✓ / ✗ ({fmt(criterion.get('points', 1))})")
        else:
            _el(row, "td", text=f"0–{fmt(criterion['max'])}")


# ---------------------------------------------------------------- import


@dataclass
class ItemDraft:
    """An item read from QTI, not yet stored."""

    identifier: str
    title: str
    question_type: str
    stem: str
    body: dict
    language: str = ""
    images: list[str] = field(default_factory=list)


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local(child.tag) == name]


def _child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    found = _children(element, name)
    return found[0] if found else None


_NOT_TEXT = {"feedbackInline", "feedbackBlock", "templateInline", "templateBlock", "rubricBlock"}


def _text(element: Element | None) -> str:
    """The words of an element without feedback and template parts."""
    if element is None:
        return ""
    parts = [element.text or ""]
    for child in element:
        if local(child.tag) not in _NOT_TEXT:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _values(element: Element | None) -> list[str]:
    return (
        [(value.text or "").strip() for value in _children(element, "value")]
        if element is not None
        else []
    )


def _find_all(element: Element, names: set[str]) -> list[Element]:
    return [node for node in element.iter() if local(node.tag) in names]


def item_from_xml(root: Element, *, extension: dict | None, image_embed) -> ItemDraft:
    """Read one `assessmentItem`; raise ItemError when it cannot be imported."""
    if local(root.tag) != "assessmentItem":
        raise ItemError("not_an_item", _("The file is not a QTI assessment item."))
    identifier = attr(root, "identifier") or ""
    extension = extension or {}
    declarations = {}
    for declaration in _children(root, "responseDeclaration"):
        declarations[attr(declaration, "identifier")] = declaration
    item_body = _child(root, "itemBody")
    if item_body is None:
        raise ItemError("no_item_body", _("The item has no item body."))
    unsupported = _find_all(item_body, UNSUPPORTED_INTERACTIONS)
    if unsupported:
        raise ItemError(
            "unsupported_interaction",
            _("The item uses %(name)s, which this platform has no question type for.")
            % {"name": local(unsupported[0].tag)},
        )
    blocks = _find_all(item_body, BLOCK_INTERACTIONS)
    inline = _find_all(item_body, INLINE_INTERACTIONS)
    if not blocks and not inline:
        raise ItemError("no_interaction", _("The item has no interaction to answer."))
    if len(blocks) > 1 or (blocks and inline):
        raise ItemError(
            "several_interactions",
            _(
                "The item has several interactions; only one per item, or gaps in a text, can be imported."
            ),
        )
    for interaction in blocks + inline:
        response = attr(interaction, "responseIdentifier")
        if response not in declarations:
            raise ItemError(
                "undeclared_response",
                _("The interaction answers %(id)s, which the item does not declare.")
                % {"id": response},
            )
    processing = _child(root, "responseProcessing")
    template = ""
    if processing is not None:
        template = attr(processing, "template") or attr(processing, "templateLocation") or ""
        if template:
            template = template.rstrip("/").rsplit("/", 1)[-1].removesuffix(".xml")
            if template not in SUPPORTED_TEMPLATES:
                raise ItemError(
                    "bad_response_processing",
                    _("The response processing template %(name)s is not supported.")
                    % {"name": template},
                )
    renamed = extension.get("ids", {})

    def original(qti_id: str) -> str:
        return renamed.get(qti_id, qti_id)

    max_score = _max_score(root)
    wanted = extension.get("type")
    images: list[str] = []

    def embed(src, alt, image_format):
        images.append(src)
        return image_embed(src, alt, image_format)

    if inline and (
        len(inline) > 1 or local(inline[0].tag) == "inlineChoiceInteraction" or wanted == "cloze"
    ):
        question_type, body, stem = _cloze(
            item_body, inline, declarations, processing, original, embed
        )
    else:
        interaction = (blocks or inline)[0]
        stem_nodes = [
            node
            for node in item_body
            if local(node.tag) in HTML
            and node is not interaction
            and not any(n is interaction for n in node.iter())
        ]
        leading = item_body.text or ""
        if len(stem_nodes) == 1 and "tn-stem" in stem_nodes[0].attrib.get("class", "").split():
            leading, stem_nodes = stem_nodes[0].text or "", list(stem_nodes[0])
        ours = any("tn-stem" in n.attrib.get("class", "").split() for n in item_body)
        if inline and not ours:
            # Another tool's sentence with one gap: the sentence is the stem, the gap a blank.
            stem = _stem_with_blank(item_body, interaction, embed)
        else:
            stem = elements_to_html(stem_nodes, leading_text=leading, image_embed=embed)
        prompt = _child(interaction, "prompt")
        if prompt is not None and _text(prompt):
            stem = f"{stem}<p>{_escape(_text(prompt))}</p>"
        question_type, body = _interaction(
            interaction,
            declarations[attr(interaction, "responseIdentifier")],
            template,
            processing,
            original,
            wanted,
        )
    if wanted and wanted != question_type:
        if wanted == "practical_checklist" and question_type == "file_upload":
            question_type, body = wanted, {}
        elif wanted == "true_false" and question_type == "single_choice":
            question_type, body = wanted, {"correct": body["correct"] == "true"}
        else:
            raise ItemError(
                "type_mismatch",
                _("The extension says %(type)s but the interaction is %(found)s.")
                % {"type": wanted, "found": question_type},
            )
    extra = extension.get("body") or {}
    gap_extra = extra.pop("gaps", None) if question_type == "cloze" else None
    if (
        "points" not in extra
        and max_score is not None
        and question_type not in ("cloze", "practical_checklist")
    ) and (
        not (question_type in ("essay", "file_upload") and extra.get("rubric")) and max_score != 1
    ):
        body["points"] = max_score
    body.update(extra)
    if not body:
        body["points"] = 1  # an empty definition would be a blank field
    if gap_extra:
        for gap in body["gaps"]:
            gap.update(gap_extra.get(gap["id"], {}))
    if not stem.strip():
        stem = f"<p>{_escape(attr(root, 'title') or identifier)}</p>"
    return ItemDraft(
        identifier=identifier,
        title=attr(root, "title") or identifier,
        question_type=question_type,
        stem=stem,
        body=body,
        language=(root.attrib.get("{http://www.w3.org/XML/1998/namespace}lang") or "")[:2],
        images=images,
    )


def _escape(text: str) -> str:
    from html import escape

    return escape(text, quote=False)


def _max_score(root: Element):
    for outcome in _children(root, "outcomeDeclaration"):
        if attr(outcome, "identifier") == "MAXSCORE":
            values = _values(_child(outcome, "defaultValue"))
            if values:
                return num(values[0], "MAXSCORE")
        if attr(outcome, "identifier") == "SCORE" and attr(outcome, "normalMaximum"):
            return num(attr(outcome, "normalMaximum"), "normalMaximum")
    return None


def _stem_with_blank(item_body: Element, interaction: Element, embed) -> str:
    parts = []
    for node in item_body:
        if local(node.tag) not in HTML:
            continue
        parts.append(elements_to_html([_blanked(node, interaction)], image_embed=embed))
    return "".join(parts)


def _blanked(node: Element, interaction: Element) -> Element:
    """A copy of `node` with the interaction replaced by a blank line of text."""
    copy = Element(node.tag, dict(node.attrib))
    copy.text = node.text
    for child in node:
        if child is interaction:
            text = "_____" + (child.tail or "")
            if len(copy):
                copy[-1].tail = (copy[-1].tail or "") + text
            else:
                copy.text = (copy.text or "") + text
            continue
        inner = _blanked(child, interaction)
        inner.tail = child.tail
        copy.append(inner)
    return copy


def _require_correct(declaration: Element) -> list[str]:
    values = _values(_child(declaration, "correctResponse"))
    if not values:
        raise ItemError(
            "no_correct_response",
            _("The item declares no correct response, so it cannot be marked automatically."),
        )
    return values


def _cardinality(declaration: Element, *allowed: str) -> None:
    if attr(declaration, "cardinality") not in allowed:
        raise ItemError(
            "bad_declaration",
            _("The response is declared %(found)s; this interaction needs %(wanted)s.")
            % {"found": attr(declaration, "cardinality"), "wanted": " / ".join(allowed)},
        )


def _choices(interaction: Element, name: str, original) -> list[dict]:
    entries = []
    for choice in _children(interaction, name):
        text = _text(choice)
        if not text:
            raise ItemError("empty_choice", _("A choice has no text."))
        entries.append({"id": original(attr(choice, "identifier") or ""), "text": text})
    return entries


def _known(values, known, what):
    unknown = [value for value in values if value not in known]
    if unknown:
        raise ItemError(
            "bad_correct_response",
            _("The correct response of %(what)s names choices that do not exist: %(ids)s.")
            % {"what": what, "ids": ", ".join(unknown)},
        )


def _mapping_entries(declaration: Element):
    mapping = _child(declaration, "mapping")
    if mapping is None:
        return None
    return [
        (
            attr(entry, "mapKey") or "",
            num(attr(entry, "mappedValue"), "mappedValue"),
            attr(entry, "caseSensitive"),
        )
        for entry in _children(mapping, "mapEntry")
    ]


def _interaction(interaction, declaration, template, processing, original, wanted):
    name = local(interaction.tag)
    if name == "choiceInteraction":
        options = _choices(interaction, "simpleChoice", original)
        ids = {option["id"] for option in options}
        correct = [original(value) for value in _require_correct(declaration)]
        _known(correct, ids, _("the choice"))
        shuffle = attr(interaction, "shuffle") == "true"
        max_choices = attr(interaction, "maxChoices", "1")
        if attr(declaration, "cardinality") == "single" or (
            max_choices == "1"
            and len(correct) == 1
            and attr(declaration, "cardinality") != "multiple"
        ):
            if ids == {"true", "false"} and wanted in (None, "true_false"):
                return "true_false", {"correct": correct[0] == "true"}
            body = {"options": options, "correct": correct[0]}
            if shuffle:
                body["shuffle"] = True
            return "single_choice", body
        _cardinality(declaration, "multiple")
        body = {"options": options, "correct": correct}
        body["scoring"] = "all_or_nothing" if template == "match_correct" else "partial"
        if shuffle:
            body["shuffle"] = True
        return "multiple_choice", body
    if name == "textEntryInteraction":
        _cardinality(declaration, "single")
        base_type = attr(declaration, "baseType")
        if base_type in ("float", "integer"):
            return "numeric", _numeric_body(
                declaration, attr(interaction, "responseIdentifier"), processing
            )
        if base_type != "string":
            raise ItemError(
                "bad_declaration", _("A text entry must be declared as a string or a number.")
            )
        return "short_answer", _short_answer_body(declaration)
    if name == "matchInteraction":
        _cardinality(declaration, "multiple")
        sets = _children(interaction, "simpleMatchSet")
        if len(sets) != 2:
            raise ItemError("bad_interaction", _("A match interaction needs two sets of choices."))
        prompts = _choices(sets[0], "simpleAssociableChoice", original)
        choices = _choices(sets[1], "simpleAssociableChoice", original)
        pairs = {}
        for value in _require_correct(declaration):
            parts = value.split()
            if len(parts) != 2:
                raise ItemError("bad_correct_response", _("A pair must name two choices."))
            source, target = original(parts[0]), original(parts[1])
            if source not in {p["id"] for p in prompts}:
                source, target = target, source  # some tools write the pair the other way
            if source in pairs:
                raise ItemError(
                    "unsupported_scoring",
                    _("A prompt has several right choices; each prompt must have exactly one."),
                )
            pairs[source] = target
        _known(list(pairs), {p["id"] for p in prompts}, _("the pairs"))
        _known(list(pairs.values()), {c["id"] for c in choices}, _("the pairs"))
        if set(pairs) != {p["id"] for p in prompts}:
            raise ItemError("unsupported_scoring", _("Every prompt needs one right choice."))
        return "matching", {
            "prompts": prompts,
            "choices": choices,
            "pairs": pairs,
            "scoring": "all_or_nothing" if template == "match_correct" else "partial",
        }
    if name == "orderInteraction":
        _cardinality(declaration, "ordered")
        steps = {step["id"]: step for step in _choices(interaction, "simpleChoice", original)}
        order = [original(value) for value in _require_correct(declaration)]
        if sorted(order) != sorted(steps):
            raise ItemError(
                "bad_correct_response", _("The correct order must place every step once.")
            )
        return "ordering", {"steps": [steps[i] for i in order], "scoring": "all_or_nothing"}
    if name == "extendedTextInteraction":
        return "essay", {}
    if name == "uploadInteraction":
        kind = attr(interaction, "type")
        return "file_upload", ({"accepted_types": [kind]} if kind else {})
    raise ItemError("unsupported_interaction", name)  # pragma: no cover


def _short_answer_body(declaration: Element) -> dict:
    entries = _mapping_entries(declaration)
    if entries:
        best = max(value for _key, value, _case in entries)
        if best <= 0:
            raise ItemError("bad_response_processing", _("No answer earns marks."))
        best = max(best, 1)  # values above 1 (another tool's points) become shares of the best
        accepted = []
        for key, value, _case in entries:
            if value <= 0 or not key.strip():
                continue
            share = Decimal(str(value)) / Decimal(str(best))
            entry = {"text": key}
            if share != 1:
                entry["fraction"] = num(
                    str(share.quantize(Decimal("0.000001")).normalize()), "fraction"
                )
            accepted.append(entry)
        case = {case for _key, _value, case in entries}
        body = {"accepted": accepted}
        if case == {"true"} or case == {None}:
            # QTI's default is case sensitive; a mapping naming no case is case sensitive too.
            body["case_sensitive"] = True
        return body
    values = _require_correct(declaration)
    return {"accepted": [{"text": value} for value in values], "case_sensitive": True}


def _numeric_body(declaration: Element, response: str, processing) -> dict:
    answers = []
    if processing is not None:
        for equal in _find_all(processing, {"equal"}):
            variable, value = _child(equal, "variable"), _child(equal, "baseValue")
            if variable is None or value is None or attr(variable, "identifier") != response:
                continue
            answer = {"value": num(value.text, _("An answer"))}
            mode = attr(equal, "toleranceMode", "exact")
            if mode in ("absolute", "relative"):
                tolerance = Decimal(
                    str(num((attr(equal, "tolerance") or "0").split()[0], "tolerance"))
                )
                if mode == "relative":
                    tolerance /= 100
                    answer["tolerance_type"] = "relative"
                answer["tolerance"] = num(str(tolerance), "tolerance")
            share = _share_set(equal, processing)
            if share is not None and share != 1:
                answer["fraction"] = share
            answers.append(answer)
    if not answers:
        answers = [
            {"value": num(value, _("The correct response"))}
            for value in _require_correct(declaration)[:1]
        ]
    return {"answers": answers}


def _share_set(equal: Element, processing: Element):
    """The share of marks the branch holding `equal` gives (our own packages write it)."""
    for branch in processing.iter():
        if local(branch.tag) in ("responseIf", "responseElseIf") and any(
            node is equal for node in branch.iter()
        ):
            setter = _child(branch, "setOutcomeValue")
            value = _child(setter, "baseValue")
            if value is not None and (attr(setter, "identifier") or "").startswith("FRACTION_"):
                return num(value.text, "fraction")
    return None


def _cloze(item_body, inline, declarations, processing, original, embed):
    holders = [node for node in item_body if any(n is i for n in node.iter() for i in inline)]
    stem_nodes = [node for node in item_body if local(node.tag) in HTML and node not in holders]
    leading = item_body.text or ""
    if len(stem_nodes) == 1 and "tn-stem" in stem_nodes[0].attrib.get("class", "").split():
        leading, stem_nodes = stem_nodes[0].text or "", list(stem_nodes[0])
    stem = elements_to_html(stem_nodes, leading_text=leading, image_embed=embed)
    gaps = []
    pieces = []
    for holder in holders:
        pieces.append(_cloze_text(holder, inline, original))
    text = "\n".join(piece.strip("\n") for piece in pieces)
    for interaction in inline:
        response = attr(interaction, "responseIdentifier")
        declaration = declarations[response]
        gap_id = original(response)
        if local(interaction.tag) == "inlineChoiceInteraction":
            options = _choices(interaction, "inlineChoice", original)
            correct = [original(v) for v in _require_correct(declaration)]
            _known(correct[:1], {o["id"] for o in options}, gap_id)
            gap = {"id": gap_id, "kind": "select", "options": options, "correct": correct[0]}
            if attr(interaction, "shuffle") == "true":
                gap["shuffle"] = True
        elif attr(declaration, "baseType") in ("float", "integer"):
            gap = {
                "id": gap_id,
                "kind": "numeric",
                **_numeric_body(declaration, response, processing),
            }
        else:
            gap = {"id": gap_id, "kind": "text", **_short_answer_body(declaration)}
        gaps.append(gap)
    return "cloze", {"text": text, "gaps": gaps}, stem


def _cloze_text(node: Element, inline, original) -> str:
    """The text of a block holding gaps, each gap as {{its id}}, blocks and breaks as lines."""
    if any(node is interaction for interaction in inline):
        return "{{" + original(attr(node, "responseIdentifier")) + "}}"
    name = local(node.tag)
    if name == "br":
        return "\n"
    if name not in HTML:
        return ""
    parts = [node.text or ""]
    for child in node:
        parts.append(_cloze_text(child, inline, original))
        parts.append(child.tail or "")
    text = "".join(parts)
    return f"{text}\n" if name in ("p", "div", "li") else text
