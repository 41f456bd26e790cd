"""Registers the built-in adapters through the same hooks third-party plugins use."""

from __future__ import annotations

from proforum.adapters.inbox import InboxNotifierFactory
from proforum.adapters.manual_video import ManualVideoFactory
from proforum.adapters.memory import MemoryStorageFactory
from proforum.adapters.sql.factory import SqlStorageFactory
from proforum.plugins import hookimpl
from proforum.ports.notifier import NotifierFactory
from proforum.ports.storage import StorageFactory
from proforum.ports.video import VideoProviderFactory


@hookimpl
def proforum_register_storage() -> list[StorageFactory]:
    """Provide the ``memory://`` and SQL (``sqlite://``, ``postgresql://``) backends."""
    return [MemoryStorageFactory(), SqlStorageFactory()]


@hookimpl
def proforum_register_video_providers() -> list[VideoProviderFactory]:
    """Provide the ``manual`` video provider."""
    return [ManualVideoFactory()]


@hookimpl
def proforum_register_notifiers() -> list[NotifierFactory]:
    """Provide the ``inbox`` notifier."""
    return [InboxNotifierFactory()]
