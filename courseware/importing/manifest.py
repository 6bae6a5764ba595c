"""imsmanifest.xml: SCORM 1.2, SCORM 2004 (2nd–4th edition) and IMS Common Cartridge.

Elements are matched by local name because real packages mix namespace versions; the
namespaces and the declared schema version decide only the kind and edition.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from django.utils.translation import gettext as _

from .archive import SafeArchive
from .errors import ImportProblem, PackageImportError, refuse
from .parsed import ParsedActivity, ParsedOrganization, ParsedPackage, ParsedResource
from .paths import file_part, is_unsafe_url, is_web_url, package_path
from .xmlsafe import attr, child, children, local, namespace, text, xml_read

MANIFEST = "imsmanifest.xml"

SCORM12 = "scorm12"
SCORM2004 = "scorm2004"
COMMON_CARTRIDGE = "common_cartridge"

_SCORM_VERSIONS = {
    "1.2": (SCORM12, ""),
    "cam 1.3": (SCORM2004, "2nd"),
    "2004 2nd edition": (SCORM2004, "2nd"),
    "2004 3rd edition": (SCORM2004, "3rd"),
    "2004 4th edition": (SCORM2004, "4th"),
}
_CC_VERSIONS = {"1.0.0", "1.1.0", "1.2.0", "1.3.0"}
_CC_WEBLINK = re.compile(r"^imswl_xmlv1p\d$")

# Sequencing attributes that are numbers; "true"/"false" become booleans, the rest stay text.
_NUMBERS = {
    "minimumCount",
    "minimumPercent",
    "measureThreshold",
    "selectCount",
    "attemptLimit",
    "objectiveMeasureWeight",
    "minNormalizedMeasure",
}


def _value(key: str, raw: str):
    if raw in ("true", "false"):
        return raw == "true"
    if key in _NUMBERS:
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if number.is_integer() and key != "measureThreshold" else number
    return raw


def _attrs(element: Element | None) -> dict:
    if element is None:
        return {}
    return {local(key): _value(local(key), value.strip()) for key, value in element.attrib.items()}


def manifest_kind(root: Element) -> tuple[str, str, str]:
    """(kind, edition, declared version) of a manifest, or a refusal for versions we do not read."""
    metadata = child(root, "metadata")
    schema = text(metadata, "schema")
    declared = text(metadata, "schemaversion")
    namespaces = {namespace(element.tag) for element in root.iter()}
    for element in root.iter():
        namespaces.update(namespace(key) for key in element.attrib)
    if "common cartridge" in schema.lower() or any("imscc" in ns for ns in namespaces):
        if declared not in _CC_VERSIONS:
            raise refuse(
                "unsupported_version",
                _("Common Cartridge version “%(version)s” is not supported (1.0–1.3 are).")
                % {"version": declared},
                MANIFEST,
            )
        return COMMON_CARTRIDGE, "", declared
    if declared:
        found = _SCORM_VERSIONS.get(declared.lower())
        if found is None:
            raise refuse(
                "unsupported_version",
                _(
                    "Schema version “%(version)s” is not supported: SCORM 1.2 and SCORM 2004"
                    " 2nd, 3rd and 4th edition are."
                )
                % {"version": declared},
                MANIFEST,
            )
        return found[0], found[1], declared
    if any("adlcp_rootv1p2" in ns for ns in namespaces):
        return SCORM12, "", ""
    if any("adlcp_v1p3" in ns for ns in namespaces):
        return SCORM2004, "", ""
    raise refuse(
        "unsupported_version",
        _(
            "The manifest declares no SCORM or Common Cartridge version; it cannot be"
            " told which standard it follows."
        ),
        MANIFEST,
    )


def _decimal(raw: str, element: str, identifier: str) -> Decimal | None:
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation as exc:
        raise refuse(
            "invalid_value",
            _("Item “%(item)s” has an invalid value in %(element)s: “%(value)s”.")
            % {"item": identifier, "element": element, "value": raw},
            MANIFEST,
        ) from exc


_CMI_TIME = re.compile(r"^(\d{1,4}):(\d{1,2}):(\d{1,2}(?:\.\d{1,2})?)$")
_ISO_DURATION = re.compile(
    r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def duration_seconds(value: str) -> float | None:
    """Seconds in a SCORM 1.2 timespan (HHHH:MM:SS.SS) or an ISO 8601 duration; None if neither."""
    if match := _CMI_TIME.match(value):
        hours, minutes, seconds = match.groups()
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    if value not in ("", "P", "PT") and (match := _ISO_DURATION.match(value)):
        years, months, days, hours, minutes, seconds = (float(g or 0) for g in match.groups())
        return ((years * 365 + months * 30 + days) * 24 + hours) * 3600 + minutes * 60 + seconds
    return None


def _rules(element: Element | None, name: str) -> list[dict]:
    rules = []
    for rule in children(element, name) if element is not None else []:
        conditions = child(rule, "ruleConditions")
        rules.append(
            {
                "conditionCombination": attr(conditions, "conditionCombination", "all"),
                "conditions": [_attrs(c) for c in children(conditions, "ruleCondition")]
                if conditions is not None
                else [],
                "action": attr(child(rule, "ruleAction"), "action"),
            }
        )
    return rules


def _objectives(element: Element) -> list[dict]:
    found = []
    for objective in element:
        if local(objective.tag) not in ("primaryObjective", "objective"):
            continue
        entry = _attrs(objective)
        entry["primary"] = local(objective.tag) == "primaryObjective"
        measure = text(objective, "minNormalizedMeasure")
        if measure:
            entry["minNormalizedMeasure"] = _value("minNormalizedMeasure", measure)
        entry["mapInfo"] = [_attrs(info) for info in children(objective, "mapInfo")]
        found.append(entry)
    return found


def sequencing_parse(element: Element) -> dict:
    """The SCORM 2004 sequencing of one activity, with SCORM's own names, defaults not filled in."""
    out: dict = {}
    for simple in (
        "controlMode",
        "limitConditions",
        "randomizationControls",
        "deliveryControls",
        "constrainedChoiceConsiderations",
        "rollupConsiderations",
    ):
        found = child(element, simple)
        if found is not None:
            out[simple] = _attrs(found)
    rules = child(element, "sequencingRules")
    if rules is not None:
        out["sequencingRules"] = {
            "preConditionRules": _rules(rules, "preConditionRule"),
            "exitConditionRules": _rules(rules, "exitConditionRule"),
            "postConditionRules": _rules(rules, "postConditionRule"),
        }
    rollup = child(element, "rollupRules")
    if rollup is not None:
        entry = _attrs(rollup)
        entry["rules"] = []
        for rule in children(rollup, "rollupRule"):
            conditions = child(rule, "rollupConditions")
            entry["rules"].append(
                {
                    **_attrs(rule),
                    "conditionCombination": attr(conditions, "conditionCombination", "any"),
                    "conditions": [_attrs(c) for c in children(conditions, "rollupCondition")]
                    if conditions is not None
                    else [],
                    "action": attr(child(rule, "rollupAction"), "action"),
                }
            )
        out["rollupRules"] = entry
    for objectives in children(element, "objectives"):
        # imsss:objectives holds the objectives; adlseq:objectives (4th edition) adds map
        # info for raw, min, max scores and completion.
        key = "adlObjectives" if "adlseq" in namespace(objectives.tag) else "objectives"
        out[key] = _objectives(objectives)
    return out


class _ManifestReader:
    def __init__(self, archive: SafeArchive, root: Element, kind: str):
        self.archive = archive
        self.root = root
        self.kind = kind
        self.problems: list[ImportProblem] = []
        self.warnings: list[str] = []
        self.collection: dict[str, dict] = {}
        for collection in children(root, "sequencingCollection"):
            for sequencing in children(collection, "sequencing"):
                if attr(sequencing, "ID"):
                    self.collection[attr(sequencing, "ID")] = sequencing_parse(sequencing)

    def problem(self, code: str, message: str, path: str = MANIFEST) -> None:
        self.problems.append(ImportProblem(code, message, path))

    # Resources ---------------------------------------------------------------------------

    def _resolve(self, bases: list[str], href: str) -> str:
        """The package path (or web address) an href points to, query string kept."""
        if is_web_url(href):
            return href
        if is_unsafe_url(href):
            self.problem(
                "unsafe_url",
                _("The address “%(href)s” is neither a web address nor a file of the package.")
                % {"href": href},
            )
            return ""
        path, sep, query = href.partition("?")
        normal = package_path(*bases, path)
        if normal is None:
            self.problem(
                "zip_slip",
                _("The path “%(href)s” leaves the package.") % {"href": href},
            )
            return ""
        return f"{normal}{sep}{query}"

    def resources(self) -> dict[str, ParsedResource]:
        found: dict[str, ParsedResource] = {}
        base = attr(self.root, "base")
        container = child(self.root, "resources")
        container_base = attr(container, "base")
        for element in children(container, "resource") if container is not None else []:
            identifier = attr(element, "identifier")
            if identifier in found:
                self.problem(
                    "duplicate_identifier",
                    _("Two resources have the identifier “%(id)s”.") % {"id": identifier},
                )
                continue
            bases = [base, container_base, attr(element, "base")]
            href = attr(element, "href")
            found[identifier] = ParsedResource(
                identifier=identifier,
                type=attr(element, "type"),
                scorm_type=attr(element, "scormType").lower(),
                href=self._resolve(bases, href) if href else "",
                files=[
                    self._resolve(bases, attr(f, "href"))
                    for f in children(element, "file")
                    if attr(f, "href")
                ],
                dependencies=[attr(d, "identifierref") for d in children(element, "dependency")],
            )
        for resource in found.values():
            for dependency in resource.dependencies:
                if dependency not in found:
                    self.warnings.append(
                        _("Resource “%(id)s” depends on unknown resource “%(dep)s”.")
                        % {"id": resource.identifier, "dep": dependency}
                    )
        return found

    # Items -------------------------------------------------------------------------------

    def _sequencing(self, element: Element, owner: str) -> dict:
        sequencing = child(element, "sequencing")
        if sequencing is None:
            return {}
        merged: dict = {}
        reference = attr(sequencing, "IDRef")
        if reference:
            if reference not in self.collection:
                self.problem(
                    "unknown_sequencing",
                    _("“%(item)s” refers to sequencing “%(ref)s”, which the manifest lacks.")
                    % {"item": owner, "ref": reference},
                )
            else:
                merged = copy.deepcopy(self.collection[reference])
        # Sequencing written on the item overrides the shared collection, element by element.
        merged.update(sequencing_parse(sequencing))
        return merged

    def item(self, element: Element, resources: dict[str, ParsedResource]) -> ParsedActivity:
        identifier = attr(element, "identifier")
        activity = ParsedActivity(
            identifier=identifier,
            title=text(element, "title"),
            is_visible=attr(element, "isvisible", "true").lower() != "false",
            resource_identifier=attr(element, "identifierref"),
            launch_parameters=attr(element, "parameters"),
            prerequisites=text(element, "prerequisites"),
            max_time_allowed=text(element, "maxtimeallowed"),
            time_limit_action=text(element, "timelimitaction"),
            data_from_lms=text(element, "datafromlms"),
        )
        for element_child in element:
            if local(element_child.tag) == "completionThreshold":
                raw = attr(element_child, "minProgressMeasure") or text(element_child)
                activity.completion_threshold = _decimal(
                    raw, "adlcp:completionThreshold", identifier
                )
                if element_child.attrib:
                    activity.launch_settings["completionThreshold"] = _attrs(element_child)
        activity.mastery_score = _decimal(
            text(element, "masteryscore"), "adlcp:masteryscore", identifier
        )
        if activity.mastery_score is not None and not 0 <= activity.mastery_score <= 100:
            self.problem(
                "invalid_value",
                _("Item “%(item)s” has a mastery score outside 0–100: %(value)s.")
                % {"item": identifier, "value": activity.mastery_score},
            )
        activity.sequencing = self._sequencing(element, identifier)
        limits = activity.sequencing.get("limitConditions", {})
        if not activity.max_time_allowed and limits.get("attemptAbsoluteDurationLimit"):
            activity.max_time_allowed = limits["attemptAbsoluteDurationLimit"]
        if activity.max_time_allowed:
            activity.time_limit_seconds = duration_seconds(activity.max_time_allowed)
        for objective in activity.sequencing.get("objectives", []):
            if objective.get("primary") and objective.get("satisfiedByMeasure"):
                measure = objective.get("minNormalizedMeasure", 1.0)
                activity.min_normalized_measure = _decimal(
                    str(measure), "imsss:minNormalizedMeasure", identifier
                )
        presentation = child(element, "presentation")
        if presentation is not None:
            hidden = [
                text(hide)
                for nav in children(presentation, "navigationInterface")
                for hide in children(nav, "hideLMSUI")
            ]
            activity.launch_settings["hideLMSUI"] = hidden
        if activity.resource_identifier:
            resource = resources.get(activity.resource_identifier)
            if resource is None:
                self.problem(
                    "unknown_resource",
                    _("Item “%(item)s” refers to resource “%(ref)s”, which the manifest lacks.")
                    % {"item": identifier, "ref": activity.resource_identifier},
                )
            else:
                self._launch(activity, resource)
        activity.children = [self.item(sub, resources) for sub in children(element, "item")]
        return activity

    def _launch(self, activity: ParsedActivity, resource: ParsedResource) -> None:
        activity.scorm_type = resource.scorm_type
        href = resource.href
        if self.kind == COMMON_CARTRIDGE:
            activity.launch_settings["resourceType"] = resource.type
            if _CC_WEBLINK.match(resource.type):
                href = self._weblink(resource)
            elif resource.type != "webcontent":
                # Assessments, discussions and LTI links are kept in the tree, not launched here.
                return
        if not href:
            self.problem(
                "missing_launch_file",
                _("Item “%(item)s” uses resource “%(ref)s”, which names no launch file.")
                % {"item": activity.identifier, "ref": resource.identifier},
            )
            return
        activity.href = href
        if not is_web_url(href):
            path = file_part(href)
            if path not in self.archive:
                self.problem(
                    "missing_launch_file",
                    _("The launch file of item “%(item)s” is not in the package.")
                    % {"item": activity.identifier},
                    path,
                )

    def _weblink(self, resource: ParsedResource) -> str:
        """The URL of a Common Cartridge web link (its XML file holds <url href=…>)."""
        source = resource.files[0] if resource.files else ""
        if source not in self.archive:
            self.problem(
                "missing_launch_file",
                _("The web link file of resource “%(ref)s” is not in the package.")
                % {"ref": resource.identifier},
                source,
            )
            return ""
        url = attr(child(xml_read(self.archive, source), "url"), "href")
        if not is_web_url(url):
            self.problem(
                "unsafe_url",
                _("The web link “%(href)s” is not an http(s) address.") % {"href": url},
                source,
            )
            return ""
        return url

    def organizations(self, resources) -> list[ParsedOrganization]:
        container = child(self.root, "organizations")
        elements = children(container, "organization") if container is not None else []
        default = attr(container, "default")
        if default and default not in {attr(o, "identifier") for o in elements}:
            self.problem(
                "unknown_organization",
                _("The default organization “%(id)s” is not in the manifest.") % {"id": default},
            )
        found = []
        for element in elements:
            identifier = attr(element, "identifier")
            organization = ParsedOrganization(
                identifier=identifier,
                title=text(element, "title"),
                is_default=identifier == default,
                activities=[self.item(sub, resources) for sub in children(element, "item")],
                sequencing=self._sequencing(element, identifier),
                objectives_global_to_system=attr(element, "objectivesGlobalToSystem", "true")
                != "false",
                shared_data_global_to_system=attr(element, "sharedDataGlobalToSystem", "true")
                != "false",
            )
            seen: set[str] = set()
            for activity in organization.walk():
                if activity.identifier in seen:
                    self.problem(
                        "duplicate_identifier",
                        _("Two items have the identifier “%(id)s”.") % {"id": activity.identifier},
                    )
                seen.add(activity.identifier)
            found.append(organization)
        if found and not any(o.is_default for o in found):
            found[0].is_default = True
        return found


def manifest_read(archive: SafeArchive) -> ParsedPackage:
    """Read imsmanifest.xml into a package description, or refuse with every problem found."""
    root = xml_read(archive, MANIFEST)
    if local(root.tag) != "manifest":
        raise refuse(
            "bad_manifest",
            _("The root element is “%(tag)s”, not “manifest”.") % {"tag": local(root.tag)},
            MANIFEST,
        )
    kind, edition, declared = manifest_kind(root)
    reader = _ManifestReader(archive, root, kind)
    resources = reader.resources()
    organizations = reader.organizations(resources)
    package = ParsedPackage(
        kind=kind,
        edition=edition,
        schema_version=declared,
        identifier=attr(root, "identifier"),
        version=attr(root, "version"),
        title=organizations[0].title if organizations else "",
        organizations=organizations,
        resources=list(resources.values()),
        warnings=reader.warnings,
    )
    if kind != COMMON_CARTRIDGE and not package.launchable_count and not reader.problems:
        reader.problem(
            "no_launchable_item",
            _("The manifest has no item that launches content (check its organizations)."),
        )
    if reader.problems:
        raise PackageImportError(reader.problems)
    default = next((o for o in organizations if o.is_default), None)
    if default is not None and default.title:
        package.title = default.title
    return package
