"""The benchmark suite keeps working: ``python -m bench --size tiny`` on every backend.

Benchmarks are not tests: nothing here looks at how fast anything is.  It runs
the whole suite once at the tiny size — memory, SQLite, and PostgreSQL when
``PROFORUM_TEST_POSTGRES_URL`` is set (see tests/sql_support.py; set, the
server must answer) — and checks that every benchmark produced its rows with
positive times, a ratio that is proforum's time over the baseline's, and that
the JSON results were written.  It runs as a subprocess from the repository
root, exactly as ``make bench`` would, in a few seconds.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bench.concurrency import RetryCounter

from proforum.errors import TransientConflict
from proforum.services import retry
from sql_support import POSTGRES_URL_VARIABLE

ROOT = Path(__file__).resolve().parent.parent

#: Rows each benchmark produces per backend and size.
ROWS = {"announce": 1, "publish": 1, "feed": 3, "survey": 1, "lottery": 2}


def expected_rows() -> dict[tuple[str, str], int]:
    """Rows per (benchmark, backend) of one tiny run on :func:`backends`.

    Besides :data:`ROWS` (the lottery has its draw against the issue's baseline and
    against the same work by hand): the lottery's waitlist order needs no database and is
    reported once, as backend ``python``; the concurrency benchmark runs on
    PostgreSQL only (one row there, none elsewhere).
    """
    found = backends()
    expected = {(name, backend): n for name, n in ROWS.items() for backend in found}
    expected["lottery", "python"] = 1
    if "postgresql" in found:
        expected["concurrency", "postgresql"] = 1
    # The import's streaming row needs a database outside the process: SQL only.
    for backend in found:
        expected["import", backend] = 1 if backend == "memory" else 2
    return expected


def backends() -> list[str]:
    found = ["memory", "sqlite"]
    if os.environ.get(POSTGRES_URL_VARIABLE, "").strip():
        found.append("postgresql")
    return found


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        # The concurrency benchmark starts 8 worker processes (about 30 s on 2 CPUs).
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def tiny_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    dbs = ["--db", "memory", "--db", "sqlite"]
    postgres = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if postgres:
        dbs += ["--db", postgres]
    done = bench("--size", "tiny", "--json", str(out), *dbs)
    assert done.returncode == 0, done.stdout + done.stderr
    assert out.is_file(), "the JSON results were not written"
    return done, json.loads(out.read_text(encoding="utf-8"))


def test_every_benchmark_produced_its_rows(tiny_run: tuple[Any, dict[str, Any]]) -> None:
    _, document = tiny_run
    assert document["failures"] == []
    counts: dict[tuple[str, str], int] = {}
    for row in document["results"]:
        key = (row["benchmark"], row["backend"])
        counts[key] = counts.get(key, 0) + 1
        assert row["size"] == "tiny"
    assert counts == expected_rows()


def test_times_are_positive_and_ratios_are_proforum_over_baseline(
    tiny_run: tuple[Any, dict[str, Any]],
) -> None:
    _, document = tiny_run
    for row in document["results"]:
        assert row["proforum_s"] > 0, row
        assert row["baseline_s"] > 0, row
        assert row["ratio"] == pytest.approx(row["proforum_s"] / row["baseline_s"])
        assert row["ok"] is (row["ratio"] <= row["target"] and row["memory_ok"])
        assert row["judged"] is False  # targets are for small and full data sets
        assert row["proforum_s"] == min(row["proforum_runs"])
        assert row["baseline_s"] == min(row["baseline_runs"])


def test_statements_are_counted_on_sql_databases(tiny_run: tuple[Any, dict[str, Any]]) -> None:
    _, document = tiny_run
    for row in document["results"]:
        if row["backend"] in ("memory", "python") or row["operation"].startswith("feed deep /"):
            assert row["statements"] is None, row
        else:
            assert row["statements"] > 0, row
            assert row["baseline_statements"] > 0, row


def test_the_streaming_import_reports_its_memory(tiny_run: tuple[Any, dict[str, Any]]) -> None:
    _, document = tiny_run
    streaming = [r for r in document["results"] if r["operation"] == "streaming import"]
    assert {r["backend"] for r in streaming} == set(backends()) - {"memory"}
    for row in streaming:
        assert row["n"] == 2_000
        assert row["memory_target_mb"] == 300
        assert row["memory_mb"] > 0
        assert row["memory_ok"] is (row["memory_mb"] <= row["memory_target_mb"])
    for row in document["results"]:
        if row["operation"] != "streaming import":
            assert row["memory_mb"] is None, row


def test_the_machine_is_recorded(tiny_run: tuple[Any, dict[str, Any]]) -> None:
    _, document = tiny_run
    machine = document["machine"]
    assert machine["cpu_count"] >= 1
    assert machine["python"]
    assert machine["sqlite"]
    assert (machine["postgresql"] is not None) == ("postgresql" in backends())


def test_the_table_is_printed(tiny_run: tuple[Any, dict[str, Any]]) -> None:
    done, document = tiny_run
    for header in ("operation", "backend", "proforum", "baseline", "ratio", "target"):
        assert header in done.stdout
    for row in document["results"]:
        assert row["operation"] in done.stdout


def test_an_unknown_benchmark_is_refused() -> None:
    done = bench("--only", "no-such-benchmark")
    assert done.returncode == 2
    assert "unknown benchmark no-such-benchmark" in done.stderr


def test_the_concurrency_benchmark_counts_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its retry count comes from the record ``retry_transient`` logs per retry."""

    class Flaky:
        calls = 0

        @retry.retry_transient
        def act(self) -> str:
            self.calls += 1
            if self.calls <= 2:
                raise TransientConflict(None, reason="serialization failure")
            return "done"

    monkeypatch.setattr(retry, "BASE_DELAY", 0.0)
    monkeypatch.setattr(retry, "backoff", lambda attempt: 0.0)
    counter = RetryCounter()
    logger = logging.getLogger("proforum")
    logger.addHandler(counter)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        assert Flaky().act() == "done"
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
    assert counter.count == 2
