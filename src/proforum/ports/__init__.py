"""Ports: the small interfaces adapters implement (storage, video, notifiers, clock, ids)."""
