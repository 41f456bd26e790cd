"""proforum's benchmark suite: use cases measured against a raw baseline in the same run.

Run it with ``python -m bench`` (see ``python -m bench --help`` and
``docs/performance.md``).  Every benchmark times a proforum use case and a
hand-written equivalent on the same fresh database, and reports their ratio
against a target.  Ratios, not absolute times, are what the targets are about:
they stay comparable across machines.  Nothing here asserts a time; the smoke
test (``tests/test_bench_smoke.py``) only checks that the suite still runs.

Modules:

* :mod:`bench.harness` — timing, backends with fresh databases, results, the table;
* :mod:`bench.data` — bulk set-up (SQLAlchemy Core ``executemany`` on SQL
  databases, one unit of work per chunk on other storage);
* :mod:`bench.announce`, :mod:`bench.publish`, :mod:`bench.feed`,
  :mod:`bench.survey` — one module per benchmark group;
* :mod:`bench.cli` — the command line.
"""
