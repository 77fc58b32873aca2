"""`make bench`: load a large synthetic data set on PostgreSQL, then measure the queue pages and
the intake API: latency in-process (django.test.Client), throughput over HTTP through gunicorn.
Results go to stdout and var/bench-latest.json; docs/benchmarks.md records a run.

    .venv/bin/python -m bench [--referrals 100000] [--fresh]

It always uses its own database, `port_bench` on the local PostgreSQL (127.0.0.1:5432, user
postgres), never the test suite's. The first run builds the data with port.demo (a few minutes);
later runs reuse it. The harness lives outside the installed package `port`, split by what it does:
`database` (its own database, Django set up on it), `data` (the programs and their referrals),
`queue` (the queue pages, in-process), `intake` (the intake API, in-process), `throughput` (over
HTTP through gunicorn), `figures` (latency and throughput figures), `report` (the printed tables),
and `__main__` tying them together.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository: var/ and the gunicorn working directory
