"""The platform's xAPI Profile (ADL xAPI Profiles 1.0): the verbs, activity types and
extensions its own statements use, served at /xapi/profile.

Extension IRIs live under the deployment's base URL (`TAYNGHE_BASE_URL`), as the
statements that use them do, so the profile is built for that base.
"""

from __future__ import annotations

ADL = "http://adlnet.gov/expapi"
ADL_W3ID = "https://w3id.org/xapi/adl/verbs"
CMI5 = "https://w3id.org/xapi/cmi5"

#: Verbs of the platform's statements, listed with what they mean here. ADL's vocabulary
#: where it has the verb; `unregistered` from the xAPI registry (ADL has none).
VERBS = {
    f"{ADL}/verbs/registered": (
        "registered",
        "đã ghi danh",
        "The learner was enrolled in the course (registration = the enrolment).",
    ),
    "http://id.tincanapi.com/verb/unregistered": (
        "unregistered",
        "đã rút ghi danh",
        "The learner's enrolment in the course was withdrawn.",
    ),
    f"{ADL}/verbs/completed": (
        "completed",
        "đã hoàn thành",
        "The learner completed the content, submitted an exam, or completed every activity "
        "of a course.",
    ),
    f"{ADL}/verbs/passed": ("passed", "đạt", "The learner met the mastery score or pass mark."),
    f"{ADL}/verbs/failed": (
        "failed",
        "chưa đạt",
        "The learner did not meet the mastery score or pass mark.",
    ),
    f"{ADL}/verbs/scored": (
        "scored",
        "có điểm",
        "An exam result was released, with its score, for an exam without a pass mark.",
    ),
    f"{ADL}/verbs/progressed": (
        "progressed",
        "đã tiến triển",
        "The learner's attempt changed without completing, passing or failing.",
    ),
    f"{ADL}/verbs/launched": (
        "launched",
        "đã khởi chạy",
        "The platform launched a cmi5 assignable unit for the learner.",
    ),
    f"{ADL_W3ID}/satisfied": (
        "satisfied",
        "đã thoả mãn",
        "The learner met the moveOn criteria of a cmi5 assignable unit, block or course.",
    ),
    f"{ADL_W3ID}/abandoned": (
        "abandoned",
        "đã bỏ dở",
        "A cmi5 session ended without the assignable unit terminating it.",
    ),
    f"{ADL_W3ID}/waived": (
        "waived",
        "đã miễn",
        "The requirements of a cmi5 assignable unit were waived for the learner.",
    ),
    f"{ADL}/verbs/voided": ("voided", "đã huỷ", "Withdraws an earlier statement."),
}

ACTIVITY_TYPES = {
    f"{ADL}/activities/course": (
        "course",
        "khoá học",
        "A course of the catalogue, or a courseware package (SCORM, web content) as one "
        "activity, stable across versions.",
    ),
    f"{ADL}/activities/assessment": (
        "assessment",
        "bài thi",
        "An exam, stable across its versions.",
    ),
    f"{CMI5}/activitytype/au": ("assignable unit", "đơn vị học", "A cmi5 assignable unit."),
    f"{CMI5}/activitytype/block": ("block", "khối", "A block of a cmi5 course structure."),
    f"{CMI5}/activitytype/course": (
        "cmi5 course",
        "khoá học cmi5",
        "A cmi5 course structure.",
    ),
}

#: Statement templates: which verbs go with which activity type, and what is always there.
TEMPLATES = {
    "enrolment": (
        ("enrolment", "ghi danh"),
        "Enrolment, withdrawal and completion of a course (registration = the enrolment).",
        f"{ADL}/activities/course",
        [
            f"{ADL}/verbs/registered",
            "http://id.tincanapi.com/verb/unregistered",
            f"{ADL}/verbs/completed",
        ],
    ),
    "courseware-outcome": (
        ("courseware outcome", "kết quả học liệu"),
        "One change of a courseware attempt's outcome (registration = the enrolment when "
        "played from a course, else the attempt; the attempt id is an extension).",
        f"{ADL}/activities/course",
        [f"{ADL}/verbs/{v}" for v in ("completed", "passed", "failed", "progressed")],
    ),
    "exam-result": (
        ("exam result", "kết quả bài thi"),
        "An exam submitted, and its result released (registration = the enrolment when sat "
        "from a course, else the attempt; the attempt id is an extension).",
        f"{ADL}/activities/assessment",
        [f"{ADL}/verbs/{v}" for v in ("completed", "passed", "failed", "scored")],
    ),
}


def _extensions(base: str) -> dict:
    return {
        f"{base}/xapi/extensions/attempt": (
            "attempt",
            "lượt làm bài",
            "The id of the courseware or exam attempt; the registration is the course "
            "enrolment's when the learner worked from a course.",
        ),
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
        f"{base}/xapi/extensions/exam-version": (
            "exam version",
            "phiên bản đề thi",
            "The number of the exam version the learner sat.",
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
    # v2 added enrolment, exam and cmi5 statements to v1's courseware outcomes.
    version = f"{profile_id}/v2"
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
            "en": "The statements the Taynghe platform writes about its learners: enrolment "
            "and course completion, courseware outcomes, exam results and the cmi5 LMS's "
            "own statements. The actor is always the learner's account (homePage = the "
            "platform, name = the national learner id).",
        },
        "author": {"type": "Organization", "name": "Taynghe"},
        "versions": [
            {
                "id": version,
                "wasRevisionOf": [f"{profile_id}/v1"],
                "generatedAtTime": "2026-12-05T00:00:00Z",
            },
            {"id": f"{profile_id}/v1", "generatedAtTime": "2026-12-04T00:00:00Z"},
        ],
        "concepts": concepts,
        "templates": [
            {
                "id": f"{version}/templates/{name}",
                "type": "StatementTemplate",
                "inScheme": version,
                "prefLabel": {"en": labels[0], "vi": labels[1]},
                "definition": {"en": meaning},
                "objectActivityType": activity_type,
                "rules": [
                    {"location": "$.verb.id", "any": verbs},
                    {"location": "$.context.registration", "presence": "included"},
                    {"location": "$.actor.account.name", "presence": "included"},
                ],
            }
            for name, (labels, meaning, activity_type, verbs) in TEMPLATES.items()
        ],
    }
