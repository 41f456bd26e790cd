"""The command line: ``python -m bench [--size …] [--db …] [--json PATH] [--only NAME]``.

Prints one table to standard output, then (when more than one size ran) how
each operation grows with size; progress goes to standard error.  Exits 0
when every benchmark produced its rows (a missed target is a finding to
report, not a failure), or 1 when one raised.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import announce, concurrency, feed, import_, lottery, publish, survey
from bench.growth import growth, markdown_growth, render_growth
from bench.harness import (
    DEFAULT_REPEATS,
    SIZES,
    Benchmark,
    machine_info,
    markdown_table,
    open_backends,
    render_table,
    run_suite,
    wide_console,
    write_json,
)

#: Every benchmark group, in the order they run.
BENCHMARKS: tuple[Benchmark, ...] = (
    announce.BENCHMARK,
    publish.BENCHMARK,
    feed.BENCHMARK,
    survey.BENCHMARK,
    lottery.BENCHMARK,
    concurrency.BENCHMARK,
    import_.BENCHMARK,
)


def _database(value: str) -> str:
    """Accept ``memory``, ``sqlite`` or a PostgreSQL URL."""
    if value in ("memory", "sqlite"):
        return value
    try:
        backend = make_url(value).get_backend_name()
    except Exception:  # sqlalchemy raises ArgumentError, ValueError…
        backend = ""
    if backend != "postgresql":
        raise argparse.ArgumentTypeError(
            "expected 'memory', 'sqlite' or a PostgreSQL URL such as"
            " postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        )
    return value


def _shown(spec: str) -> str:
    """A --db value as it may be written to the results: without any password."""
    if spec in ("memory", "sqlite"):
        return spec
    return make_url(spec).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m bench``."""
    names = ", ".join(b.name for b in BENCHMARKS)
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Time proforum use cases against raw baselines on fresh databases and"
            " report their ratios against the targets."
        ),
        epilog=f"Benchmarks: {names}.  See docs/performance.md.",
    )
    parser.add_argument(
        "--size",
        choices=SIZES,
        default="small",
        help="tiny: seconds, for CI; small: the default; full: the real sizes"
        " (every smaller size runs too, so growth shows)",
    )
    parser.add_argument(
        "--db",
        action="append",
        type=_database,
        metavar="memory|sqlite|URL",
        help="a backend to run on; repeat for several (default: sqlite and memory)."
        " A PostgreSQL URL adds PostgreSQL: a throw-away database is created there"
        " and dropped at the end.",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the results here")
    parser.add_argument(
        "--markdown", type=Path, metavar="PATH", help="also write the table as Markdown"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only this benchmark; repeat for several ({names})",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        metavar="N",
        help="timed repeats per measurement, best kept (default: "
        + ", ".join(f"{size} {n}" for size, n in DEFAULT_REPEATS.items())
        + ")",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on standard error")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite as the command line says; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    known = {b.name: b for b in BENCHMARKS}
    wanted: list[str] = args.only or list(known)
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(known)}")
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    selected = [b for b in BENCHMARKS if b.name in wanted]
    specs: list[str] = args.db or ["sqlite", "memory"]
    # Growth: a run also measures every smaller size, so the rows of each
    # operation stand side by side and the growth table can compare them.
    sizes = list(SIZES[: SIZES.index(args.size) + 1])

    out = wide_console()
    progress = None if args.quiet else wide_console(stderr=True)
    with open_backends(specs) as backends:
        machine = machine_info(backends)
        results, failures = run_suite(
            selected, backends, sizes, repeats=args.repeats, progress=progress
        )
    out.print(render_table(results))
    grown = growth(results)
    if grown:
        out.print(render_growth(grown))
    for failure in failures:
        out.print(
            f"[red]FAILED[/red] {failure.benchmark} {failure.size} on {failure.backend}:"
            f" {failure.error}",
            highlight=False,
        )
    if args.json is not None:
        settings = {
            "size": args.size,
            "sizes": sizes,
            "db": [_shown(s) for s in specs],
            "only": wanted,
            "repeats": {size: args.repeats or DEFAULT_REPEATS[size] for size in sizes},
        }
        write_json(
            args.json,
            results,
            failures,
            machine=machine,
            settings=settings,
            growth=[g.as_json() for g in grown],
        )
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        text = markdown_table(results)
        if grown:
            text += "\n" + markdown_growth(grown)
        args.markdown.write_text(text, encoding="utf-8")
    return 1 if failures else 0
