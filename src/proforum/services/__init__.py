"""Use cases: each public method of :class:`proforum.Forum` is one transaction."""
