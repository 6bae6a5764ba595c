"""Statement validation per xAPI 1.0.3: what is accepted and what is refused, and why."""

from __future__ import annotations

import copy
import re

import pytest

from lrs import validation
from lrs.validation import XAPIValidationError

from .conftest import make_statement

AGENT = {"objectType": "Agent", "mbox": "mailto:a@example.com"}
ACTIVITY = {"objectType": "Activity", "id": "http://example.com/a"}


def _with(path: str, value):
    """A valid statement with the property at dotted `path` set (None removes it)."""
    statement = copy.deepcopy(make_statement())
    *parents, last = path.split(".")
    target = statement
    for name in parents:
        target = target.setdefault(name, {})
    if value is None:
        target.pop(last, None)
    else:
        target[last] = value
    return statement


VALID = {
    "minimal": make_statement(),
    "with id and version": make_statement(
        id="5b1e3b2e-7c6f-4a0e-9d6e-2a7c1f0e9b11", version="1.0.3"
    ),
    "version 2.0.0": make_statement(version="2.0.0"),
    "mbox_sha1sum actor": make_statement(actor={"mbox_sha1sum": "a" * 40, "objectType": "Agent"}),
    "openid actor": make_statement(actor={"openid": "http://openid.example.com/lan"}),
    "account actor": make_statement(
        actor={"account": {"homePage": "https://taynghe.vn", "name": "TN00000000018"}}
    ),
    "identified group": make_statement(
        actor={"objectType": "Group", "mbox": "mailto:team@example.com", "member": [AGENT]}
    ),
    "anonymous group": make_statement(actor={"objectType": "Group", "member": [AGENT]}),
    "agent object": make_statement(object=AGENT),
    "statement ref": make_statement(
        object={"objectType": "StatementRef", "id": "5b1e3b2e-7c6f-4a0e-9d6e-2a7c1f0e9b11"}
    ),
    "substatement": make_statement(
        object={
            "objectType": "SubStatement",
            "actor": AGENT,
            "verb": {"id": "http://example.com/v"},
            "object": ACTIVITY,
        }
    ),
    "activity without objectType": make_statement(object={"id": "http://example.com/a"}),
    "choice interaction": make_statement(
        object={
            "id": "http://example.com/q1",
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "choice",
                "correctResponsesPattern": ["a"],
                "choices": [
                    {"id": "a", "description": {"vi": "Đúng"}},
                    {"id": "b", "description": {"vi": "Sai"}},
                ],
            },
        }
    ),
    "full result": make_statement(
        result={
            "score": {"scaled": -1, "raw": 5, "min": 0, "max": 10},
            "success": True,
            "completion": False,
            "response": "a",
            "duration": "PT1H30M5.5S",
            "extensions": {"http://example.com/ext": {"any": ["json"]}},
        }
    ),
    "full context": make_statement(
        context={
            "registration": "5b1e3b2e-7c6f-4a0e-9d6e-2a7c1f0e9b11",
            "instructor": AGENT,
            "team": {"objectType": "Group", "member": [AGENT]},
            "contextActivities": {"parent": ACTIVITY, "grouping": [ACTIVITY]},
            "revision": "2",
            "platform": "Taynghe",
            "language": "vi-VN",
            "statement": {
                "objectType": "StatementRef",
                "id": "5b1e3b2e-7c6f-4a0e-9d6e-2a7c1f0e9b11",
            },
            "extensions": {"urn:x-taynghe:cohort": "K1"},
        }
    ),
    "timestamp with offset": make_statement(timestamp="2024-05-01T08:30:00.123+07:00"),
    "timestamp in UTC": make_statement(timestamp="2024-05-01T08:30:00Z"),
    "language map with script": _with("verb.display", {"zh-Hant-TW": "x", "und": "y"}),
    "voiding": make_statement(
        verb={"id": validation.VOIDED_VERB},
        object={"objectType": "StatementRef", "id": "5b1e3b2e-7c6f-4a0e-9d6e-2a7c1f0e9b11"},
    ),
    "stored and authority given": make_statement(stored="2024-05-01T08:30:00Z", authority=AGENT),
    "OAuth authority: anonymous group of two": make_statement(
        authority={
            "objectType": "Group",
            "member": [{"mbox": "mailto:app@example.com"}, {"mbox": "mailto:lan@example.com"}],
        }
    ),
    "duration in weeks": make_statement(result={"duration": "P4W"}),
    "xAPI 2.0 contextAgents and contextGroups": make_statement(
        context={
            "contextAgents": [
                {
                    "objectType": "contextAgent",
                    "agent": {"mbox": "mailto:coach@example.com"},
                    "relevantTypes": ["http://taynghe.example/types/coach"],
                }
            ],
            "contextGroups": [
                {
                    "objectType": "contextGroup",
                    "group": {"objectType": "Group", "mbox": "mailto:team@example.com"},
                }
            ],
        }
    ),
    "attachment by fileUrl": make_statement(
        attachments=[
            {
                "usageType": "http://adlnet.gov/expapi/attachments/signature",
                "display": {"en": "x"},
                "contentType": "application/pdf",
                "length": 10,
                "sha2": "abc",
                "fileUrl": "https://example.com/x.pdf",
            }
        ]
    ),
}


@pytest.mark.parametrize("statement", VALID.values(), ids=VALID.keys())
def test_valid_statements_pass(statement):
    validation.statement(statement)


INVALID = {
    "unknown top-level property": (make_statement(colour="red"), "unknown property colour"),
    "missing actor": (_with("actor", None), "'actor' is required"),
    "missing verb": (_with("verb", None), "'verb' is required"),
    "missing object": (_with("object", None), "'object' is required"),
    "id not a uuid": (make_statement(id="not-a-uuid"), "statement.id"),
    "bad version": (make_statement(version="0.95"), "statement.version"),
    "null property": (make_statement(result=None), "must not be null"),
    "statement not an object": (["x"], "must be a JSON object"),
    "agent without identifier": (
        make_statement(actor={"name": "Lan"}),
        "needs one identifier",
    ),
    "agent with two identifiers": (
        make_statement(actor={"mbox": "mailto:a@b.c", "openid": "http://o.example"}),
        "exactly one identifier",
    ),
    "mbox without mailto": (make_statement(actor={"mbox": "a@b.c"}), "statement.actor.mbox"),
    "sha1 not hex": (make_statement(actor={"mbox_sha1sum": "xyz"}), "mbox_sha1sum"),
    "openid not iri": (make_statement(actor={"openid": "not an iri"}), "openid"),
    "account without name": (
        make_statement(actor={"account": {"homePage": "http://x.example"}}),
        "'name' is required",
    ),
    "account homePage not iri": (
        make_statement(actor={"account": {"homePage": "x", "name": "y"}}),
        "homePage",
    ),
    "agent with member": (
        make_statement(actor={"mbox": "mailto:a@b.c", "member": [AGENT]}),
        "unknown property member",
    ),
    "actor objectType wrong": (
        make_statement(actor={"objectType": "Person", "mbox": "mailto:a@b.c"}),
        "must be 'Agent'",
    ),
    "anonymous group without members": (
        make_statement(actor={"objectType": "Group"}),
        "non-empty list of Agents",
    ),
    "group member is a group": (
        make_statement(
            actor={"objectType": "Group", "member": [{"objectType": "Group", "member": [AGENT]}]}
        ),
        "statement.actor.member[0]: unknown property member",
    ),
    "verb without id": (make_statement(verb={"display": {"en": "x"}}), "'id' is required"),
    "verb id not iri": (make_statement(verb={"id": "completed"}), "statement.verb.id"),
    "display not a language map": (_with("verb.display", "completed"), "verb.display"),
    "bad language tag": (_with("verb.display", {"english!": "x"}), "RFC 5646"),
    "language map value not string": (_with("verb.display", {"en": 1}), "verb.display.en"),
    "unknown object type": (
        make_statement(object={"objectType": "Thing", "id": "http://x.example"}),
        "must be Activity, Agent",
    ),
    "activity without id": (make_statement(object={"objectType": "Activity"}), "'id' is required"),
    "activity id not iri": (make_statement(object={"id": "lesson 1"}), "statement.object.id"),
    "definition unknown key": (
        make_statement(object={"id": "http://x.example", "definition": {"colour": 1}}),
        "unknown property colour",
    ),
    "interaction type unknown": (
        make_statement(
            object={"id": "http://x.example", "definition": {"interactionType": "essay"}}
        ),
        "interactionType",
    ),
    "choices on a true-false": (
        make_statement(
            object={
                "id": "http://x.example",
                "definition": {"interactionType": "true-false", "choices": [{"id": "a"}]},
            }
        ),
        "choices: is not allowed",
    ),
    "duplicate component ids": (
        make_statement(
            object={
                "id": "http://x.example",
                "definition": {"interactionType": "choice", "choices": [{"id": "a"}, {"id": "a"}]},
            }
        ),
        "duplicate component id",
    ),
    "statement ref id not uuid": (
        make_statement(object={"objectType": "StatementRef", "id": "x"}),
        "object.id",
    ),
    "substatement with id": (
        make_statement(
            object={
                "objectType": "SubStatement",
                "id": "5b1e3b2e-7c6f-4a0e-9d6e-2a7c1f0e9b11",
                "actor": AGENT,
                "verb": {"id": "http://x.example/v"},
                "object": ACTIVITY,
            }
        ),
        "unknown property id",
    ),
    "nested substatement": (
        make_statement(
            object={
                "objectType": "SubStatement",
                "actor": AGENT,
                "verb": {"id": "http://x.example/v"},
                "object": {
                    "objectType": "SubStatement",
                    "actor": AGENT,
                    "verb": {"id": "http://x.example/v"},
                    "object": ACTIVITY,
                },
            }
        ),
        "cannot contain another SubStatement",
    ),
    "scaled above 1": (make_statement(result={"score": {"scaled": 1.5}}), "between -1 and 1"),
    "scaled below -1": (make_statement(result={"score": {"scaled": -1.01}}), "between -1 and 1"),
    "raw below min": (make_statement(result={"score": {"raw": -1, "min": 0}}), "below min"),
    "raw above max": (make_statement(result={"score": {"raw": 11, "max": 10}}), "above max"),
    "max not above min": (
        make_statement(result={"score": {"min": 5, "max": 5}}),
        "greater than min",
    ),
    "score as string": (make_statement(result={"score": {"raw": "5"}}), "must be a number"),
    "score as boolean": (make_statement(result={"score": {"scaled": True}}), "must be a number"),
    "success not boolean": (make_statement(result={"success": "yes"}), "true or false"),
    "bad duration": (make_statement(result={"duration": "90 minutes"}), "ISO 8601 duration"),
    "empty duration": (make_statement(result={"duration": "PT"}), "ISO 8601 duration"),
    "extension key not iri": (
        make_statement(result={"extensions": {"score": 1}}),
        "result.extensions",
    ),
    "registration not uuid": (
        make_statement(context={"registration": "abc"}),
        "context.registration",
    ),
    "revision with agent object": (
        make_statement(object=AGENT, context={"revision": "1"}),
        "only allowed when the object is an Activity",
    ),
    "platform with statement ref": (
        make_statement(
            object={"objectType": "StatementRef", "id": "5b1e3b2e-7c6f-4a0e-9d6e-2a7c1f0e9b11"},
            context={"platform": "x"},
        ),
        "only allowed when the object is an Activity",
    ),
    "team not a group": (make_statement(context={"team": AGENT}), "context.team"),
    "context activities key unknown": (
        make_statement(context={"contextActivities": {"sibling": [ACTIVITY]}}),
        "unknown property sibling",
    ),
    "context language bad": (make_statement(context={"language": "!!"}), "context.language"),
    "activity id too long for the index": (
        make_statement(object={"id": "http://x.example/" + "a" * 2100}),
        "longer than 2048 bytes",
    ),
    "account identifier too long": (
        make_statement(actor={"account": {"homePage": "http://x.example", "name": "n" * 1200}}),
        "longer than 1000 bytes",
    ),
    "timestamp not iso": (make_statement(timestamp="01/05/2024 08:30"), "ISO 8601 date-time"),
    "timestamp minus zero offset": (
        make_statement(timestamp="2024-05-01T08:30:00-00:00"),
        "-00:00",
    ),
    "timestamp impossible date": (make_statement(timestamp="2024-02-30T08:30:00Z"), "valid"),
    "voiding without statement ref": (
        make_statement(verb={"id": validation.VOIDED_VERB}),
        "must be a StatementRef",
    ),
    "authority an identified group": (
        make_statement(
            authority={
                "objectType": "Group",
                "mbox": "mailto:g@example.com",
                "member": [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}],
            }
        ),
        "must be anonymous",
    ),
    "authority a group of three": (
        make_statement(
            authority={
                "objectType": "Group",
                "member": [{"mbox": f"mailto:{n}@example.com"} for n in "abc"],
            }
        ),
        "exactly two Agents",
    ),
    "interactionType an object": (
        _with("object.definition.interactionType", {"type": "choice"}),
        "interactionType",
    ),
    "weeks combined with days": (make_statement(result={"duration": "P4W1D"}), "duration"),
    "contextAgent without its objectType": (
        make_statement(context={"contextAgents": [{"agent": {"mbox": "mailto:a@example.com"}}]}),
        "'objectType' is required",
    ),
    "contextAgent holding a Group": (
        make_statement(
            context={
                "contextAgents": [
                    {
                        "objectType": "contextAgent",
                        "agent": {"objectType": "Group", "mbox": "mailto:g@example.com"},
                    }
                ]
            }
        ),
        "must be 'Agent'",
    ),
    "contextGroups empty relevantTypes": (
        make_statement(
            context={
                "contextGroups": [
                    {
                        "objectType": "contextGroup",
                        "group": {"objectType": "Group", "mbox": "mailto:g@example.com"},
                        "relevantTypes": [],
                    }
                ]
            }
        ),
        "relevantTypes",
    ),
}


@pytest.mark.parametrize(("statement", "message"), INVALID.values(), ids=INVALID.keys())
def test_invalid_statements_are_refused_with_the_faulty_path(statement, message):
    with pytest.raises(XAPIValidationError, match=re.escape(message)) as caught:
        validation.statement(statement)
    assert str(caught.value).startswith("statement")


def test_a_batch_with_a_repeated_id_is_refused():
    statement = make_statement(id="5b1e3b2e-7c6f-4a0e-9d6e-2a7c1f0e9b11")
    with pytest.raises(XAPIValidationError, match="twice"):
        validation.statement_list([statement, dict(statement)])


def test_a_batch_names_the_index_of_the_faulty_statement():
    with pytest.raises(XAPIValidationError, match=re.escape("statements[1].verb")):
        validation.statement_list([make_statement(), make_statement(verb={"id": "x"})])


@pytest.mark.parametrize(
    ("agent", "key"),
    [
        ({"mbox": "mailto:Lan@Example.com"}, "Agent|mbox|mailto:lan@example.com"),
        ({"mbox_sha1sum": "A" * 40}, "Agent|mbox_sha1sum|" + "a" * 40),
        ({"openid": "http://o.example/x"}, "Agent|openid|http://o.example/x"),
        (
            {"account": {"homePage": "https://taynghe.vn", "name": "TN1"}},
            "Agent|account|https://taynghe.vn|TN1",
        ),
        ({"objectType": "Group", "mbox": "mailto:t@x.vn"}, "Group|mbox|mailto:t@x.vn"),
        ({"objectType": "Group", "member": [AGENT]}, ""),
    ],
)
def test_agent_key_normalises_each_identifier(agent, key):
    assert validation.agent_key(agent) == key
