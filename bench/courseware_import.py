"""Benchmark: import a big SCORM package against unpacking the same archive with zipfile alone.

`python -m bench.courseware_import` (part of `make bench`): builds a ~200 MB SCORM 1.2
package of incompressible files (seeded, so every run imports the same bytes), then times,
in 7 alternating rounds (by default), (a) the reference — `zipfile.ZipFile.extractall` into a fresh folder —
and (b) `courseware.services.package_import` of the same file into a fresh PostgreSQL
database and a fresh storage folder (checks, manifest, copy through Django storage, rows).
The figure is the ratio of the medians (goal: under 1.5). Results go to bench/results/.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.5
DATABASE = "taynghe_bench_import"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def build_package(path: Path, total_mb: int, file_kb: int) -> tuple[int, int]:
    """A SCORM 1.2 package: 20 SCOs sharing `total_mb` MB of media files. Returns (files, bytes)."""
    rng = random.Random(20261204)
    count = max(1, total_mb * 1024 // file_kb)
    resources, items, size = [], [], 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for n in range(count):
            data = rng.randbytes(file_kb * 1024)
            archive.writestr(f"media/part{n // 100:03d}/clip{n:05d}.bin", data)
            size += len(data)
        for sco in range(20):
            archive.writestr(f"sco{sco:02d}/index.html", f"<html><body>SCO {sco}</body></html>")
            items.append(
                f'<item identifier="I{sco}" identifierref="R{sco}"><title>SCO {sco}</title></item>'
            )
            resources.append(
                f'<resource identifier="R{sco}" type="webcontent" adlcp:scormtype="sco" '
                f'href="sco{sco:02d}/index.html"><file href="sco{sco:02d}/index.html"/></resource>'
            )
        archive.writestr(
            "imsmanifest.xml",
            '<?xml version="1.0"?><manifest identifier="BIG" version="1"'
            ' xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"'
            ' xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">'
            "<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>"
            '<organizations default="O"><organization identifier="O"><title>Big</title>'
            + "".join(items)
            + "</organization></organizations><resources>"
            + "".join(resources)
            + "</resources></manifest>",
        )
    return count + 21, size


def fresh_database(server: str) -> str:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return f"{server}/{DATABASE}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--file-kb", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="taynghe-import-bench-"))
    try:
        package = work / "big.zip"
        log(f"building a {args.size_mb} MB package in {package}")
        files, size = build_package(package, args.size_mb, args.file_kb)
        log(
            f"{files} files, {size / 2**20:.0f} MiB unpacked, {package.stat().st_size / 2**20:.0f} MiB zipped"
        )

        os.environ["DATABASE_URL"] = fresh_database(args.server)
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
        os.environ.setdefault("COURSEWARE_MAX_ARCHIVE_BYTES", str(4 * 2**30))
        os.environ.setdefault("COURSEWARE_MAX_UNCOMPRESSED_BYTES", str(4 * 2**30))
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.files.storage import default_storage
        from django.core.management import call_command
        from django.test import override_settings

        log("migrating the benchmark database")
        call_command("migrate", verbosity=0)
        from courseware import services
        from institutions import services as institution_services
        from institutions.models import Institution

        institution = institution_services.institution_create(
            actor=None, code="BENCH", name="Bench", kind=Institution.Kind.COLLEGE, province="Hà Nội"
        )

        extract_times, import_times = [], []
        for round_number in range(1, args.rounds + 1):
            target = work / f"extract{round_number}"
            started = time.perf_counter()
            with zipfile.ZipFile(package) as archive:
                archive.extractall(target)
            extract_times.append(time.perf_counter() - started)
            shutil.rmtree(target)

            media = work / f"media{round_number}"
            with override_settings(MEDIA_ROOT=str(media)), open(package, "rb") as upload:
                assert default_storage.location == str(media)
                started = time.perf_counter()
                result = services.package_import(
                    actor=None, institution=institution, file=io.BufferedReader(upload)
                )
                import_times.append(time.perf_counter() - started)
            assert result.version.file_count == files, result.version.file_count
            shutil.rmtree(media)
            log(
                f"round {round_number}: extract {extract_times[-1]:.2f} s, "
                f"import {import_times[-1]:.2f} s"
            )

        extract, imported = statistics.median(extract_times), statistics.median(import_times)
        ratio = imported / extract
        verdict = "met" if ratio < GOAL else "NOT met"
        log(f"import / extract = {ratio:.2f} (goal < {GOAL}: {verdict})")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        args.out.mkdir(parents=True, exist_ok=True)
        report = {
            "benchmark": "courseware_import",
            "when": stamp,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "package": {
                "files": files,
                "unpacked_bytes": size,
                "zip_bytes": package.stat().st_size,
            },
            "extract_seconds": extract_times,
            "import_seconds": import_times,
            "ratio": ratio,
            "goal": GOAL,
            "met": ratio < GOAL,
        }
        (args.out / f"courseware-import-{stamp}.json").write_text(json.dumps(report, indent=2))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
