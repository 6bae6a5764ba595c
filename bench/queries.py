"""Count the database queries of one anonymous visit to each benchmarked page.

Run by bench.run in its own process against the loaded benchmark database, with the
page cache off, so the counts at 5,000 courses can be set beside those that
tests/lms/test_query_counts.py asserts at a handful of courses.
"""

from __future__ import annotations

import argparse
import json

import django


def count(paths: list[str], host: str) -> dict[str, int]:
    """Queries of the second anonymous GET of each path (the first fills process caches)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(headers={"host": host})
    counts = {}
    for path in paths:
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        counts[path] = len(captured.captured_queries)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    django.setup()
    print(json.dumps(count(args.paths, args.host)))


if __name__ == "__main__":
    main()
