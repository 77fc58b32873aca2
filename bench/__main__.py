"""`python -m bench`: build or reuse the data, measure, print and write the results (see bench/__init__.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from bench import ROOT
from bench.data import bench_cast, close_bench_referrals, data_shape, ensure_data
from bench.database import BENCH_DATABASE, PG_SERVER, analyze, prepare_database, setup_django
from bench.figures import Latency, Throughput
from bench.intake import ReferralBodies, issue_token, known_participants, measure_intake
from bench.queue import measure_queue
from bench.report import load_average, machine, report, to_json
from bench.throughput import measure_throughput


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Load synthetic data and measure PORT.")
    add = parser.add_argument
    add("part", nargs="?", choices=("all", "directory", "tasks"), default="all", help="run everything, or one part")
    add("--referrals", type=int, default=100_000, help="referrals in the main program")
    add("--fresh", action="store_true", help="drop the bench database and build it again")
    add("--seed", type=int, default=20261120, help="seed of the synthetic data")
    add("--requests", type=int, default=30, help="measured requests per queue page")
    add("--warmup", type=int, default=3, help="requests discarded before measuring")
    add("--intake-requests", type=int, default=200, help="measured new referrals, in-process")
    add("--seconds", type=float, default=20, help="length of the POST throughput run")
    add("--status-seconds", type=float, default=8, help="length of the shorter runs")
    add("--clients", type=int, default=8, help="concurrent HTTP clients")
    add("--workers", type=int, default=3, help="gunicorn workers")
    add(
        "--redis-url",
        default="redis://127.0.0.1:6379/15",
        help="Redis for the production-like runs (skipped if it does not answer; '' skips)",
    )
    add("--output", type=Path, default=ROOT / "var" / "bench-latest.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.part == "tasks":  # its own database: see bench/tasks.py
        from bench.tasks import main as tasks_main

        tasks_main(["--requests", str(args.requests), "--warmup", str(args.warmup)])
        return
    began = time.perf_counter()
    created = prepare_database(fresh=args.fresh)
    print(
        f"{'Created' if created else 'Using'} the database {BENCH_DATABASE} on "
        f"{PG_SERVER['host']}:{PG_SERVER['port']}.",
        flush=True,
    )
    setup_django()
    if args.part == "directory":
        run_directory(args)
        return
    load_seconds = ensure_data(referrals=args.referrals, seed=args.seed)
    cast = bench_cast()
    close_bench_referrals(cast)  # left open by an interrupted run
    analyze()

    load_before = load_average()
    print(f"Measuring the queue pages (load average {load_before})...", flush=True)
    queue, queue_details = measure_queue(cast, requests=args.requests, warmup=args.warmup)
    print("Measuring the intake API in-process...", flush=True)
    token = issue_token(cast)
    run = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    bodies = ReferralBodies(known=known_participants(cast.program_id), seed=args.seed, run=run)
    try:
        intake, ids = measure_intake(token=token, bodies=bodies, requests=args.intake_requests, warmup=args.warmup)
        print(f"Measuring throughput through gunicorn ({args.workers} workers, {args.clients} clients)...", flush=True)
        throughput = measure_throughput(
            token=token,
            bodies=bodies,
            status_ids=ids,
            seconds=args.seconds,
            status_seconds=args.status_seconds,
            clients=args.clients,
            workers=args.workers,
            redis_url=args.redis_url,
        )
    finally:
        closed = close_bench_referrals(cast)
    result: dict[str, object] = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine(),
        "load_seconds": load_seconds,
        "data": data_shape(cast.program_id),
        "other_program": data_shape(cast.other_program_id),
        "queue": queue,
        "intake": intake,
        "throughput": throughput,
        "bench_referrals_closed_after_run": closed,
        # Other work on the machine skews every figure: recorded so a noisy run can be spotted.
        "load_average": {"before": load_before, "after": load_average()},
        "queue_details": queue_details,
        "total_seconds": round(time.perf_counter() - began, 1),
    }
    report(result)
    result["directory"] = run_directory(args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, default=to_json) + "\n")
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(f"\nWrote {shown}; {result['total_seconds']} s in all.")
    figures: list[Latency | Throughput] = [*queue, *intake, *throughput]
    if any(figure.errors for figure in figures):
        raise SystemExit("Some requests failed (the errors columns above): the figures are not valid.")


def run_directory(args: argparse.Namespace) -> list[dict]:
    """The directory part: 10,000 services, search variants timed through the page."""
    from bench.directory import ensure_directory, measure_directory, report_directory

    print("Building or reusing the 10,000-service directory...", flush=True)
    program_id = ensure_directory()
    analyze()
    load_before = load_average()
    figures = measure_directory(program_id, requests=args.requests, warmup=args.warmup)
    report_directory(figures)
    # The machine is shared: the load says how far other work moved the figures.
    print(f"Load average (1 min): {load_before} before, {load_average()} after measuring.")
    return figures


if __name__ == "__main__":
    main()
