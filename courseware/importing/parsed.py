"""What a package's manifest says, as plain data, before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class ParsedActivity:
    """An item of a table of contents; launchable when it has a launch path."""

    identifier: str
    title: str = ""
    is_visible: bool = True
    resource_identifier: str = ""
    href: str = ""
    launch_parameters: str = ""
    scorm_type: str = ""
    prerequisites: str = ""
    mastery_score: Decimal | None = None
    min_normalized_measure: Decimal | None = None
    max_time_allowed: str = ""
    time_limit_seconds: float | None = None
    time_limit_action: str = ""
    data_from_lms: str = ""
    completion_threshold: Decimal | None = None
    sequencing: dict = field(default_factory=dict)
    launch_settings: dict = field(default_factory=dict)
    children: list[ParsedActivity] = field(default_factory=list)

    @property
    def is_launchable(self) -> bool:
        return bool(self.href)

    def walk(self):
        yield self
        for item in self.children:
            yield from item.walk()


@dataclass
class ParsedOrganization:
    """One table of contents."""

    identifier: str
    title: str = ""
    is_default: bool = False
    activities: list[ParsedActivity] = field(default_factory=list)
    sequencing: dict = field(default_factory=dict)
    objectives_global_to_system: bool = True
    shared_data_global_to_system: bool = True

    def walk(self):
        for item in self.activities:
            yield from item.walk()


@dataclass
class ParsedResource:
    """A manifest resource."""

    identifier: str
    type: str = ""
    scorm_type: str = ""
    href: str = ""
    files: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)


@dataclass
class ParsedPackage:
    """Everything read from one archive: kind, tables of contents, resources and warnings."""

    kind: str
    edition: str = ""
    schema_version: str = ""
    identifier: str = ""
    version: str = ""
    title: str = ""
    organizations: list[ParsedOrganization] = field(default_factory=list)
    resources: list[ParsedResource] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def activities(self):
        for organization in self.organizations:
            yield from organization.walk()

    @property
    def launchable_count(self) -> int:
        return sum(1 for activity in self.activities() if activity.is_launchable)
