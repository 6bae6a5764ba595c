"""The response matrix and the item parameters as HDF5, CSV and XLSX (layout: docs/item-statistics.md).

CSV and XLSX cells that a spreadsheet would read as a formula (starting with = + - @, a tab
or a carriage return) are written with a leading apostrophe, the approach of
`lms.course_progress` (not imported: assessment sits below lms).
"""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _

from .statistics import SCHEMA_VERSION, ExamStatistics

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

# The item parameters, in the order of the columns of `/items` and of the items table:
# (HDF5 dataset and CSV column name, attribute of ItemStatistics).
ITEM_FIGURES = (
    ("n", "n"),
    ("mean", "mean"),
    ("facility", "facility"),
    ("sd", "sd"),
    ("random_guess", "random_guess"),
    ("intended_weight", "intended_weight"),
    ("effective_weight", "effective_weight"),
    ("discrimination_index", "discrimination_index"),
    ("discrimination_27", "discrimination_27"),
    ("discriminative_efficiency", "discriminative_efficiency"),
    ("point_biserial", "point_biserial"),
)
TEST_FIGURES = (
    "n_attempts",
    "n_items",
    "awaiting_marking",
    "mean",
    "median",
    "sd",
    "skewness",
    "kurtosis",
    "alpha",
    "kr20",
    "error_ratio",
    "sem",
    "max_score",
)


def _safe(value):
    """Spreadsheet formula injection: a text cell never starts as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _number(value):
    """A figure for a table cell: rounded, empty when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return round(value, 6)
    return value


def _json(responses: dict, row: int, column: int) -> str:
    """A response as JSON ("null" not answered); "" where the item was not presented."""
    if (row, column) not in responses:
        return ""
    return json.dumps(responses[(row, column)], ensure_ascii=False)


# ---------------------------------------------------------------------------
# Tables (CSV and XLSX).


def scores_table(stats: ExamStatistics) -> list[list]:
    """A row per graded attempt, a column per item: marks, empty where not presented."""
    matrix = stats.matrix
    header = [_("Learner (pseudonym)"), _("Exam version"), _("Attempt"), _("Total")]
    header += [f"Q{index + 1}" for index in range(len(matrix.items))]
    table = [header]
    # Rounded and read as Python floats once for the whole matrix (not a call per cell).
    totals = np.round(np.nansum(matrix.scores, axis=1), 6).tolist()
    marks = np.round(matrix.scores, 6).tolist()
    for row, learner in enumerate(matrix.learners):
        table.append(
            [learner.pseudonym, learner.exam_version, learner.attempt_number, totals[row]]
            + [mark if mark == mark else "" for mark in marks[row]]  # NaN != NaN: not shown
        )
    return table


def responses_table(stats: ExamStatistics) -> list[list]:
    """A row per graded attempt: each response as JSON in the authored ids; empty = not shown."""
    matrix = stats.matrix
    header = [_("Learner (pseudonym)"), _("Exam version"), _("Attempt")]
    header += [f"Q{index + 1}" for index in range(len(matrix.items))]
    table = [header]
    responses, columns = matrix.responses, range(len(matrix.items))
    texts: dict = {}  # most responses repeat (an option id, "not answered"): encode each once
    for row, learner in enumerate(matrix.learners):
        line = [learner.pseudonym, learner.exam_version, learner.attempt_number]
        for column in columns:
            if (row, column) not in responses:
                line.append("")
                continue
            value = responses[(row, column)]
            if value is None or isinstance(value, str):
                text = texts.get(value)
                if text is None:
                    text = texts[value] = json.dumps(value, ensure_ascii=False)
            else:
                text = json.dumps(value, ensure_ascii=False)
            line.append(text)
        table.append(line)
    return table


def items_table(stats: ExamStatistics) -> list[list]:
    """A row per item: its identity and every parameter (units in docs/item-statistics.md)."""
    header = ["number", "item_uid", "item_version", "question_type", "label", "max_mark"]
    header += [name for name, _attribute in ITEM_FIGURES] + ["dichotomous", "flags"]
    table = [header]
    for item_stats in stats.items:
        item = item_stats.item
        table.append(
            [
                f"Q{item_stats.number}",
                item.item_uid,
                item.version,
                item.question_type,
                item.label,
                _number(item.max_mark),
            ]
            + [_number(getattr(item_stats, attribute)) for _name, attribute in ITEM_FIGURES]
            + [int(item_stats.dichotomous), "; ".join(item_stats.flags)]
        )
    return table


def export_csv(table: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in table:
        writer.writerow([_safe(value) for value in line])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(stats: ExamStatistics) -> bytes:
    """One workbook: the scores, the responses, the item parameters and the test summary."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    # Write-only: rows are streamed to the file as they are appended, with no cell objects
    # kept (5,000 × 100 took 70 s and ~1 GB in the normal mode; see docs/benchmarks.md).
    workbook = Workbook(write_only=True)
    sheets = [
        (_("Scores"), scores_table(stats), False),
        (_("Responses"), responses_table(stats), True),
        (_("Items"), items_table(stats), True),
        (_("Test"), [[name, _number(getattr(stats.test, name))] for name in TEST_FIGURES], True),
    ]
    bold = Font(bold=True)
    for title, table, texts in sheets:
        sheet = workbook.create_sheet(title[:31].translate({ord(c): " " for c in "[]:*?/\\"}))
        sheet.freeze_panes = "B2"
        header, *lines = table
        cells = []
        for value in header:
            cell = WriteOnlyCell(sheet, value=_safe(value))
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
        for line in lines:
            if texts:
                sheet.append([_safe(value) for value in line])
            else:  # the scores: only the pseudonym is text, and it is never a formula
                sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# HDF5.


def _figure(value) -> float:
    return math.nan if value is None else float(value)


def export_hdf5(stats: ExamStatistics, *, generated_at=None) -> bytes:
    """The layout of schema version 1 (docs/item-statistics.md), as the bytes of an HDF5 file."""
    import h5py

    matrix, test = stats.matrix, stats.test
    text = h5py.string_dtype(encoding="utf-8")
    n, m = matrix.scores.shape
    # HDF5 cannot chunk (so compress) an empty dataset.
    packed = {"compression": "gzip", "shuffle": True} if n and m else {}
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as store:
        store.attrs["schema"] = "taynghe.item-statistics"
        store.attrs["schema_version"] = SCHEMA_VERSION
        store.attrs["exam_id"] = matrix.exam_id
        store.attrs["exam_title"] = matrix.exam_title
        store.attrs["exam_versions"] = np.array(matrix.versions, dtype="i8")
        store.attrs["attempts"] = matrix.attempts
        store.attrs["generated_at"] = (generated_at or timezone.now()).isoformat()

        learners = store.create_group("learners")
        learners.create_dataset("id", data=[x.pseudonym for x in matrix.learners], dtype=text)
        learners.create_dataset(
            "exam_version", data=np.array([x.exam_version for x in matrix.learners], dtype="i4")
        )
        learners.create_dataset(
            "attempt", data=np.array([x.attempt_number for x in matrix.learners], dtype="i4")
        )
        learners.create_dataset(
            "max_score", data=np.array([x.max_score for x in matrix.learners], dtype="f8")
        )

        responses = store.create_group("responses")
        responses.create_dataset("score", data=matrix.scores.astype("f8"), **packed)
        raw = np.empty((n, m), dtype=object)
        raw.fill("")
        for row, column in matrix.responses:
            raw[row, column] = _json(matrix.responses, row, column)
        responses.create_dataset("raw", data=raw, dtype=text, **packed)
        responses["raw"].attrs["meaning"] = (
            'JSON of the response in the authored ids; "null" not answered; "" not presented'
        )

        items = store.create_group("items")
        items.create_dataset("uid", data=[x.item.item_uid for x in stats.items], dtype=text)
        items.create_dataset(
            "item_version_id",
            data=np.array([x.item.item_version_id for x in stats.items], dtype="i8"),
        )
        items.create_dataset(
            "version", data=np.array([x.item.version for x in stats.items], dtype="i4")
        )
        items.create_dataset(
            "question_type", data=[x.item.question_type for x in stats.items], dtype=text
        )
        items.create_dataset("label", data=[x.item.label for x in stats.items], dtype=text)
        items.create_dataset(
            "max_mark", data=np.array([x.item.max_mark for x in stats.items], dtype="f8")
        )
        for name, attribute in ITEM_FIGURES:
            items.create_dataset(
                name,
                data=np.array([_figure(getattr(x, attribute)) for x in stats.items], dtype="f8"),
            )
        items.create_dataset(
            "dichotomous", data=np.array([x.dichotomous for x in stats.items], dtype=bool)
        )
        items.create_dataset("flags", data=["; ".join(x.flags) for x in stats.items], dtype=text)

        summary = store.create_group("test")
        for name in TEST_FIGURES:
            summary.attrs[name] = _figure(getattr(test, name))
        summary.create_dataset("histogram", data=np.array(test.histogram, dtype="i8"))
    return buffer.getvalue()
