"""SCORM 1.2 and 2004 packages import into a stored activity tree with their rules."""

from decimal import Decimal

import pytest

from courseware.models import Activity, Organization, PackageVersion, Resource
from institutions.models import AuditEvent

from . import packages
from .conftest import stored_files


def _activity(version, identifier, organization="TOC1") -> Activity:
    return Activity.objects.get(
        version=version, organization__identifier=organization, identifier=identifier
    )


def test_scorm12_single_sco_imports_and_stores_its_files(import_bytes, storage_root):
    result = import_bytes(packages.zip_bytes(packages.scorm12_single()))
    version = result.version
    assert version.kind == PackageVersion.Kind.SCORM12
    assert version.status == PackageVersion.Status.READY
    assert version.schema_version == "1.2"
    assert version.manifest_identifier == "com.example.scorm12"
    assert len(version.sha256) == 64
    assert result.package.title == "An toàn điện"
    assert result.launchable_count == 1
    sco = _activity(version, "ITEM1")
    assert (sco.is_launchable, sco.href, sco.scorm_type) == (True, "index.html", "sco")
    assert sco.resource.files == ["index.html", "api.js"]
    stored = {p.relative_to(storage_root).as_posix() for p in stored_files(storage_root)}
    assert stored == {
        f"{version.storage_prefix}imsmanifest.xml",
        f"{version.storage_prefix}index.html",
        f"{version.storage_prefix}api.js",
    }
    assert AuditEvent.objects.filter(action="courseware.package_import").count() == 1


def test_scorm12_multi_sco_keeps_prerequisites_mastery_and_time_limits(import_bytes):
    version = import_bytes(packages.zip_bytes(packages.scorm12_multi())).version
    assert version.organizations.count() == 2
    assert version.default_organization().identifier == "TOC1"
    first = _activity(version, "I1")
    assert first.mastery_score == Decimal(80)
    assert first.max_time_allowed == "00:30:00"
    assert first.time_limit_seconds == 1800
    assert first.time_limit_action == "exit,message"
    assert first.data_from_lms == "level=1"
    assert _activity(version, "I2").prerequisites == "I1"
    chapter = _activity(version, "CH")
    assert not chapter.is_launchable
    nested = _activity(version, "I3")
    assert nested.parent == chapter
    assert nested.depth == 1
    assert nested.prerequisites == "I1 & I2"
    assert nested.launch_parameters == "?page=2"
    assert nested.scorm_type == "asset"
    assert nested.is_visible is False
    order = list(
        Activity.objects.filter(version=version, organization__identifier="TOC1").values_list(
            "identifier", flat=True
        )
    )
    assert order == ["I1", "I2", "CH", "I3"]
    assert Resource.objects.get(version=version, identifier="R1").dependencies == ["COMMON"]
    assert _activity(version, "J1", "TOC2").href == "sco1/index.html"


def test_folder_zipped_instead_of_its_contents_still_imports(import_bytes):
    files = {f"course/{name}": content for name, content in packages.scorm12_single().items()}
    version = import_bytes(packages.zip_bytes(files)).version
    assert version.kind == PackageVersion.Kind.SCORM12
    assert _activity(version, "ITEM1").href == "index.html"


@pytest.mark.parametrize("edition", ["3rd", "4th"])
def test_scorm2004_sequencing_is_stored_per_activity(import_bytes, edition):
    version = import_bytes(packages.zip_bytes(packages.scorm2004_sequenced(edition))).version
    assert (version.kind, version.edition) == (PackageVersion.Kind.SCORM2004, edition)
    organization = Organization.objects.get(version=version, identifier="ORG")
    assert organization.objectives_global_to_system is False
    assert organization.sequencing["controlMode"] == {"choice": True, "flow": True}

    module = _activity(version, "MOD1", "ORG")
    assert module.sequencing["controlMode"] == {
        "choice": False,
        "flow": True,
        "forwardOnly": True,
    }
    rollup = module.sequencing["rollupRules"]
    assert rollup["objectiveMeasureWeight"] == 1.0
    assert rollup["rules"] == [
        {
            "childActivitySet": "atLeastCount",
            "minimumCount": 1,
            "conditionCombination": "any",
            "conditions": [{"condition": "satisfied"}],
            "action": "satisfied",
        }
    ]
    assert module.sequencing["randomizationControls"] == {
        "randomizationTiming": "onEachNewAttempt",
        "selectCount": 1,
        "reorderChildren": True,
        "selectionTiming": "onEachNewAttempt",
    }

    first = _activity(version, "SCO1", "ORG")
    assert first.href == "l1/index.html"
    assert first.launch_parameters == "?lesson=1"
    assert first.min_normalized_measure == Decimal("0.75")
    assert first.completion_threshold == Decimal("0.8")
    assert first.max_time_allowed == "PT1H30M"
    assert first.time_limit_seconds == 5400
    # The shared collection gives delivery controls; the item's own limits win over it.
    assert first.sequencing["deliveryControls"]["completionSetByContent"] is True
    assert first.sequencing["limitConditions"] == {
        "attemptLimit": 3,
        "attemptAbsoluteDurationLimit": "PT1H30M",
    }
    [primary] = first.sequencing["objectives"]
    assert primary["primary"] is True
    assert primary["mapInfo"] == [
        {
            "targetObjectiveID": "urn:taynghe:l1",
            "readSatisfiedStatus": True,
            "writeSatisfiedStatus": True,
        }
    ]
    assert first.launch_settings["hideLMSUI"] == ["previous", "continue"]

    second = _activity(version, "SCO2", "ORG")
    assert second.href == "l2/start.html"  # xml:base applied
    rules = second.sequencing["sequencingRules"]
    assert rules["preConditionRules"] == [
        {
            "conditionCombination": "any",
            "conditions": [
                {"referencedObjective": "prev", "operator": "not", "condition": "satisfied"}
            ],
            "action": "disabled",
        }
    ]
    assert rules["exitConditionRules"][0]["action"] == "exit"
    assert rules["postConditionRules"][0]["conditions"][0]["measureThreshold"] == 0.5
    assert second.sequencing["objectives"][1]["mapInfo"][0]["targetObjectiveID"] == (
        "urn:taynghe:l1"
    )
    assert second.sequencing["adlObjectives"][0]["mapInfo"][0]["writeRawScore"] is True


def test_new_upload_becomes_the_next_version_and_keeps_the_old_one(import_bytes, school):
    from io import BytesIO

    from courseware import services

    first = import_bytes(packages.zip_bytes(packages.scorm12_single()))
    second = services.package_version_add(
        actor=school[1],
        package=first.package,
        file=BytesIO(packages.zip_bytes(packages.scorm12_multi())),
    )
    assert second.version.number == 2
    assert second.version.storage_prefix != first.version.storage_prefix
    assert first.package.latest_version() == second.version
    assert Activity.objects.filter(version=first.version).count() == 1
    assert AuditEvent.objects.filter(action="courseware.package_version_add").count() == 1
