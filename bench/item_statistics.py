"""Item statistics at exam scale: the figures and the XLSX export of a learner × item matrix
against numpy's own `corrcoef` over the same matrix (the floor: one correlation of every
column with every other, which the figures cannot beat), measured in the same run.

    .venv/bin/python -m bench.item_statistics                      # 5,000 × 100
    .venv/bin/python -m bench.item_statistics --learners 500 --items 20 --profile

No database: the matrix is made in memory as `statistics.response_matrix` returns it (80 %
single-choice items with their responses, 20 % essays marked 0–5), so the figures are the
code's own and the time is the computation's. Reading the matrix from the database is
measured apart (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def make_matrix(learners: int, items: int, seed: int = 7):
    """A plausible exam: an ability per learner, a difficulty per item, logistic marks."""
    import numpy as np

    from assessment.statistics import MatrixItem, MatrixLearner, ResponseMatrix

    rng = np.random.default_rng(seed)
    ability = rng.normal(size=learners)
    columns, scores, responses = [], np.zeros((learners, items)), {}
    options = tuple((key, f"Phương án {key}") for key in "abcd")
    for column in range(items):
        difficulty = rng.normal()
        chance = 1 / (1 + np.exp(-(ability - difficulty)))
        if column % 5 == 4:
            columns.append(
                MatrixItem(column + 1, f"uid-{column}", 1, "essay", f"Câu {column + 1}", 5.0)
            )
            scores[:, column] = np.round(5 * chance * rng.uniform(0.6, 1.0, learners))
            for row in range(learners):
                responses[(row, column)] = "Bài làm."
        else:
            columns.append(
                MatrixItem(
                    column + 1,
                    f"uid-{column}",
                    1,
                    "single_choice",
                    f"Câu {column + 1}",
                    1.0,
                    options=options,
                    correct=("a",),
                    random_guess=25.0,
                )
            )
            right = rng.uniform(size=learners) < chance
            scores[:, column] = right
            wrong = rng.choice(["b", "c", "d", None], size=learners)
            for row in range(learners):
                responses[(row, column)] = "a" if right[row] else wrong[row]
    matrix = ResponseMatrix(
        exam_id=1,
        exam_title="Bài thi đo hiệu năng",
        versions=(1,),
        attempts="first",
        learners=[
            MatrixLearner(
                row + 1,
                f"L{row:012x}",
                1,
                1,
                float(columns and sum(item.max_mark for item in columns)),
            )
            for row in range(learners)
        ],
        items=columns,
        scores=scores,
        responses=responses,
    )
    return matrix


def _baseline(commit: str):
    """assessment/exports.py as it was at `commit`, loaded as a module of the package."""
    import importlib.util
    import subprocess

    source = subprocess.run(
        ["git", "show", f"{commit}:assessment/exports.py"], capture_output=True, check=True
    ).stdout
    spec = importlib.util.spec_from_loader("assessment._exports_baseline", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "assessment"
    code = compile(source, f"{commit}:assessment/exports.py", "exec")
    exec(code, module.__dict__)  # noqa: S102 -- this repository's own file, for a before/after
    return module


def timed(function, *args, repeat: int = 1):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=5000)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile")
    parser.add_argument("--no-xlsx", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="best of this many exports")
    parser.add_argument(
        "--baseline",
        metavar="COMMIT",
        help="also time the XLSX export of assessment/exports.py as it was at COMMIT",
    )
    args = parser.parse_args(argv)
    _setup()
    import numpy as np
    from django.utils import translation

    from assessment import exports, statistics

    translation.activate("en")
    matrix = make_matrix(args.learners, args.items)
    floor, _ = timed(lambda: np.corrcoef(matrix.scores, rowvar=False), repeat=3)
    figures, stats = timed(statistics.exam_statistics, matrix, repeat=3)
    print(f"matrix {args.learners} × {args.items}")
    print(f"floor   numpy corrcoef       {floor * 1000:9.1f} ms")
    print(f"figures exam_statistics      {figures * 1000:9.1f} ms  ({figures / floor:.0f} × floor)")
    if not args.no_xlsx:
        xlsx, body = timed(exports.export_xlsx, stats, repeat=args.repeat)
        print(
            f"xlsx    export_xlsx          {xlsx * 1000:9.1f} ms  ({xlsx / floor:.0f} × floor, "
            f"{len(body) / 1e6:.1f} MB)"
        )
    if args.baseline:
        old, body = timed(_baseline(args.baseline).export_xlsx, stats, repeat=args.repeat)
        print(
            f"xlsx    at {args.baseline[:12]}   {old * 1000:9.1f} ms  ({old / floor:.0f} × floor, "
            f"{len(body) / 1e6:.1f} MB)"
        )
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        statistics.exam_statistics(matrix)
        if not args.no_xlsx:
            exports.export_xlsx(stats)
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())


if __name__ == "__main__":
    main()
