"""Test support shipped with proforum, for plugin authors and application authors.

- :mod:`~proforum.testing.contracts`: one contract suite per port, which every
  storage backend, notifier and video provider runs (needs pytest);
- :mod:`~proforum.testing.pytest_plugin`: ``proforum_*`` fixtures (a forum on
  ``memory://`` with a manual clock, fakes, factories), loaded by pytest through
  the ``pytest11`` entry point;
- :mod:`~proforum.testing.strategies`: Hypothesis strategies for the domain
  types, registered through the ``hypothesis`` entry point (needs Hypothesis);
- :mod:`~proforum.testing.fakes` and :mod:`~proforum.testing.factories`: the
  recording adapters and the factories behind the fixtures (no test dependency).
"""
