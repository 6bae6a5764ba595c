"""The platform's xAPI Profile (ADL xAPI Profiles 1.0): the verbs, activity types and
extensions its own statements use, served at /xapi/profile.

Extension IRIs live under the deployment's base URL (`TAYNGHE_BASE_URL`), as the
statements that use them do, so the profile is built for that base.
"""

from __future__ import annotations

ADL = "http://adlnet.gov/expapi"

#: Verbs of the platform's statements: ADL's vocabulary, listed with what they mean here.
VERBS = {
    f"{ADL}/verbs/completed": ("completed", "đã hoàn thành", "The learner completed the content."),
    f"{ADL}/verbs/passed": ("passed", "đạt", "The learner met the content's mastery score."),
    f"{ADL}/verbs/failed": ("failed", "chưa đạt", "The learner did not meet the mastery score."),
    f"{ADL}/verbs/progressed": (
        "progressed",
        "đã tiến triển",
        "The learner's attempt changed without completing, passing or failing.",
    ),
    f"{ADL}/verbs/voided": ("voided", "đã huỷ", "Withdraws an earlier statement."),
}

ACTIVITY_TYPES = {
    f"{ADL}/activities/course": (
        "course",
        "khoá học",
        "A courseware package (SCORM, cmi5, web content) as one activity, stable across versions.",
    ),
}


def _extensions(base: str) -> dict:
    return {
        f"{base}/xapi/extensions/placement": (
            "placement",
            "vị trí",
            "Where the package was launched from (the lesson block's placement).",
        ),
        f"{base}/xapi/extensions/package-version": (
            "package version",
            "phiên bản gói",
            "The id of the package version the learner ran.",
        ),
    }


def _concept(iri: str, kind: str, labels: tuple[str, str, str], version: str) -> dict:
    english, vietnamese, meaning = labels
    return {
        "id": iri,
        "type": kind,
        "inScheme": version,
        "prefLabel": {"en": english, "vi": vietnamese},
        "definition": {"en": meaning},
    }


def platform_profile(base_url: str) -> dict:
    """The profile document for a deployment whose base URL is `base_url`."""
    base = base_url.rstrip("/")
    profile_id = f"{base}/xapi/profile"
    version = f"{profile_id}/v1"
    concepts = [_concept(iri, "Verb", labels, version) for iri, labels in VERBS.items()]
    concepts += [
        _concept(iri, "ActivityType", labels, version) for iri, labels in ACTIVITY_TYPES.items()
    ]
    for iri, labels in _extensions(base).items():
        concept = _concept(iri, "ContextExtension", labels, version)
        concept["recommendedVerbs"] = [iri for iri in VERBS if not iri.endswith("voided")]
        concepts.append(concept)
    return {
        "@context": "https://w3id.org/xapi/profiles/context",
        "id": profile_id,
        "type": "Profile",
        "conformsTo": "https://w3id.org/xapi/profiles#1.0",
        "prefLabel": {"en": "Taynghe platform statements", "vi": "Câu lệnh xAPI của Taynghe"},
        "definition": {
            "en": "The statements the Taynghe platform writes about its learners: courseware "
            "outcomes (registration = the attempt).",
        },
        "author": {"type": "Organization", "name": "Taynghe"},
        "versions": [{"id": version, "generatedAtTime": "2026-12-04T00:00:00Z"}],
        "concepts": concepts,
        "templates": [
            {
                "id": f"{version}/templates/courseware-outcome",
                "type": "StatementTemplate",
                "inScheme": version,
                "prefLabel": {"en": "courseware outcome", "vi": "kết quả học liệu"},
                "definition": {"en": "One change of a courseware attempt's outcome."},
                "objectActivityType": f"{ADL}/activities/course",
                "rules": [
                    {"location": "$.verb.id", "any": [i for i in VERBS if "voided" not in i]},
                    {"location": "$.context.registration", "presence": "included"},
                    {"location": "$.actor.account.name", "presence": "included"},
                ],
            }
        ],
    }
