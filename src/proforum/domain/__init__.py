"""The domain model: plain attrs classes and the rules between them.

Nothing in this package performs I/O, reads the clock or draws random numbers:
use cases in :mod:`proforum.services` pass in the current time and fresh ids.
"""
