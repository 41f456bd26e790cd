"""Test support shipped with proforum: contract suites for adapter authors.

Importing this package needs pytest, which is only a test dependency.
"""
