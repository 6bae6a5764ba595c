"""The data-model helpers: time formats, the commit shapes a runtime may send, load order."""

from __future__ import annotations

import pytest

from courseware.runtime import cmi


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT0S", 0),
        ("PT1H2M3.45S", 3723.45),
        ("P1DT1S", 86401),
        ("PT90M", 5400),
        ("P1Y", 365 * 86400),
    ],
)
def test_durations(text, seconds):
    assert cmi.duration_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "P", "PT", "1H", "PT1.234S", "PT-1S", "P1H", "pt1s"])
def test_malformed_durations(text):
    with pytest.raises(ValueError):
        cmi.duration_seconds(text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00:00", 0), ("0001:30:00.5", 5400.5), ("9999:59:59.99", 9999 * 3600 + 3599.99)],
)
def test_timespans(text, seconds):
    assert cmi.timespan_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["1:00:00", "00:60:00", "00:00:60", "00:00:00.123", "PT1S"])
def test_malformed_timespans(text):
    with pytest.raises(ValueError):
        cmi.timespan_seconds(text)


def test_formats_round_trip():
    assert cmi.seconds_as_timespan(3723.45) == "0001:02:03.45"
    assert cmi.duration_seconds(cmi.seconds_as_duration(3723.45)) == pytest.approx(3723.45)
    assert cmi.seconds_as_duration(0) == "PT0S"


def test_arrays_as_lists_indexed_objects_or_child_arrays_flatten_alike():
    record = {"id": "q1", "type": "choice"}
    shapes = [
        {"cmi": {"interactions": [record]}},
        {"cmi": {"interactions": {"0": record, "_count": "1"}}},
        {"interactions": {"childArray": [record]}},
    ]
    flat = [cmi.flatten(shape) for shape in shapes]
    assert (
        flat[0]
        == flat[1]
        == flat[2]
        == {
            "cmi.interactions.0.id": "q1",
            "cmi.interactions.0.type": "choice",
        }
    )


def test_nest_puts_ids_then_types_first_in_each_record():
    nested = cmi.nest(
        {
            "cmi.interactions.1.result": "correct",
            "cmi.interactions.1.type": "numeric",
            "cmi.interactions.1.id": "q2",
            "cmi.interactions.0.learner_response": "a",
            "cmi.interactions.0.objectives.0.id": "o",
            "cmi.interactions.0.type": "choice",
            "cmi.interactions.0.id": "q1",
        }
    )
    assert list(nested["interactions"]) == ["0", "1"]
    assert list(nested["interactions"]["0"])[:2] == ["id", "type"]
    assert list(nested["interactions"]["1"]) == ["id", "type", "result"]


def test_empty_values_are_unset_and_numbers_are_accepted_as_text():
    accepted = cmi.validate_commit(
        cmi.SCORM2004,
        cmi.flatten({"cmi": {"score": {"scaled": 0.5, "raw": ""}, "location": ""}}),
    )
    assert accepted == {"cmi.score.scaled": "0.5"}


def test_deeply_nested_bodies_are_refused():
    body: dict = {}
    node = body
    for _ in range(20):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(cmi.CmiError):
        cmi.flatten({"cmi": body})


def test_a_commit_with_too_many_elements_is_refused():
    records = [{"id": f"q{n}", "type": "other", "result": "neutral"} for n in range(999)]
    many = {"interactions": records, "objectives": [{"id": f"o{n}"} for n in range(999)]}
    assert len(cmi.flatten({"cmi": many})) < cmi.MAX_ELEMENTS
    records = [{"id": f"q{n}", "correct_responses": [{"pattern": "x"}] * 30} for n in range(999)]
    with pytest.raises(cmi.CmiError):
        cmi.flatten({"cmi": {"interactions": records}})
