"""gunicorn's settings for every server the project starts — the image, the compose stack,
the benchmarks and the packaging tests: `gunicorn config.wsgi --config python:config.gunicorn`.

Threads (`gthread`) rather than one request per process (`sync`): a request waiting on
PostgreSQL (a commit's flush to disk) leaves its process to the next request, and clients
that keep their connection open (browsers running content and exams, xAPI tools) skip a TCP
handshake per request. Measured on 2 cores with 8 clients POSTing xAPI statements over
kept-alive connections: 379 requests/s with 2 processes of 8 threads against 288 with 5
sync processes, the server's CPU per request 2.1 ms against 3.1 (docs/benchmarks.md).
Django and this project are thread-safe: `runserver` and the browser tests' live server are
threaded too. Each thread keeps its own database connection (`CONN_MAX_AGE`), so a process
holds up to `threads` connections: size PostgreSQL's `max_connections` (or a pooler) for
workers × threads per app server.

The number of processes stays on the command line (`--workers`, `TAYNGHE_WEB_WORKERS` in
compose.yaml).
"""

import os

worker_class = "gthread"
threads = int(os.environ.get("TAYNGHE_WEB_THREADS", "8"))
# Seconds an idle kept-alive connection stays open (the client's next request reuses it).
keepalive = int(os.environ.get("TAYNGHE_WEB_KEEPALIVE", "5"))
