"""The composition root: the one place storage, plugins, clock and ids are wired."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import timedelta
from typing import Any, Literal

import pluggy

from proforum.domain.common import MemberId, check_id
from proforum.domain.employer import VerificationPolicy
from proforum.domain.notification import RetryPolicy
from proforum.domain.preferences import DEFAULT_REMINDER_OFFSETS, check_reminder_offsets
from proforum.errors import DuplicateAdapter, InvalidInput, UnknownAdapter
from proforum.plugins import get_plugin_manager, index_by_name, pick
from proforum.ports.clock import Clock, IdGenerator, RandomIds, SeedSource, SystemClock
from proforum.ports.context import AdapterContext
from proforum.ports.storage import StorageFactory
from proforum.services.forum import Forum

DEFAULT_URL = "memory://"
#: A URL's scheme (RFC 3986), read without parsing the rest: ``urlsplit`` raises
#: ValueError on some passwords (an unescaped "[" reads as an IPv6 address).
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def _storage_factory(pm: pluggy.PluginManager, url: str) -> StorageFactory:
    factories = index_by_name("storage", pm.hook.proforum_register_storage())
    found = _SCHEME.match(url)
    scheme = found.group(1).lower().split("+", 1)[0] if found else ""
    by_scheme: dict[str, StorageFactory] = {}
    for factory in factories.values():
        for s in factory.schemes:
            # Two factories claiming one scheme is an error, as the hookspec
            # promises: otherwise registration order would silently decide.
            if by_scheme.get(s, factory) is not factory:
                raise DuplicateAdapter(s, name=s, kind="storage")
            by_scheme[s] = factory
    try:
        return by_scheme[scheme]
    except KeyError:
        raise UnknownAdapter(
            scheme,
            name=scheme or "(none)",
            kind="storage",
            available=", ".join(sorted(by_scheme)) or "-",
        ) from None


def open(
    url: str = DEFAULT_URL,
    *,
    plugin_manager: pluggy.PluginManager | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    seeds: SeedSource | None = None,
    notifier: str | Sequence[str] = "inbox",
    notifier_options: Mapping[str, Mapping[str, Any]] | None = None,
    video_options: Mapping[str, Mapping[str, Any]] | None = None,
    deliver: Literal["immediate", "manual"] = "immediate",
    max_delivery_attempts: int = 5,
    retry_policy: RetryPolicy | None = None,
    reminder_offsets: Sequence[timedelta] = DEFAULT_REMINDER_OFFSETS,
    site_operators: Collection[str] = (),
    verification: VerificationPolicy | None = None,
) -> Forum:
    """Open a forum on the storage at ``url``.

    :param url: which storage: ``memory://`` (default), or any scheme a
        storage plugin registered.
    :param plugin_manager: the plugins to use; by default
        :func:`proforum.get_plugin_manager` (built-ins and entry points).
    :param clock: where use cases read the time; the system clock by default.
    :param ids: how new entities are named; random by default.
    :param seeds: where lottery seeds and verification codes come from; the
        operating system's CSPRNG by default.  :class:`~proforum.ports.clock.ReplayableSeeds` makes a demo
        or a test draw the same way every run (never in production).
    :param notifier: the name of the notifier that delivers messages, or several
        names: each message then goes through every one of them (a channel
        each), except those the member switched that kind of message off on.
    :param notifier_options: settings per notifier name, handed to its factory.
    :param video_options: settings per video provider name, handed to its factory.
    :param deliver: ``"immediate"`` delivers each use case's messages right after
        it commits; ``"manual"`` leaves them in the outbox for
        :meth:`Forum.deliver_pending` (e.g. a worker process).
    :param max_delivery_attempts: attempts before a message is marked failed.
    :param retry_policy: how failed deliveries are spaced out (exponential
        backoff with full jitter; 30 s doubling up to 6 h by default).
    :param reminder_offsets: how long before a meetup its seat holders are
        reminded; a day and an hour by default, ``()`` for no planned reminders.
    :param site_operators: ids of the members who run the whole site: they,
        and only they, change a member's fixed nickname.  Community roles
        (operator of one community) do not reach across the site.
    :param verification: how company-e-mail verification behaves: code
        lifetime, wrong attempts allowed, codes per window, free mail domains
        (:class:`~proforum.domain.employer.VerificationPolicy`; 15 minutes, 5
        attempts, 3 codes an hour by default).

    :raises UnknownAdapter: no plugin provides the storage scheme or notifier.
    """
    if not isinstance(url, str):
        raise InvalidInput(url)
    if deliver not in ("immediate", "manual"):
        raise InvalidInput(deliver)
    pm = plugin_manager or get_plugin_manager()
    if isinstance(max_delivery_attempts, bool) or not (
        isinstance(max_delivery_attempts, int) and max_delivery_attempts >= 1
    ):
        raise InvalidInput(max_delivery_attempts)
    notifier_factories = index_by_name("notifier", pm.hook.proforum_register_notifiers())
    video_factories = index_by_name("video", pm.hook.proforum_register_video_providers())
    channels = (notifier,) if isinstance(notifier, str) else tuple(notifier)
    if not channels or len(set(channels)) != len(channels):
        raise InvalidInput(None)
    for channel in channels:
        pick("notifier", notifier_factories, channel)
    offsets = check_reminder_offsets(reminder_offsets)
    if isinstance(site_operators, str):
        # A lone id would be taken for a collection of its characters.
        raise InvalidInput(None)
    operators = frozenset(MemberId(check_id("member_id", m)) for m in site_operators)
    if verification is not None and not isinstance(verification, VerificationPolicy):
        raise InvalidInput(None)
    storage = _storage_factory(pm, url).open(url)
    the_clock = clock or SystemClock()
    forum = Forum(
        storage=storage,
        plugin_manager=pm,
        clock=the_clock,
        ids=ids or RandomIds(),
        seeds=seeds,
        context=AdapterContext(storage=storage, clock=the_clock),
        video_factories=video_factories,
        notifier_factories=notifier_factories,
        video_options=video_options or {},
        notifier_options=notifier_options or {},
        notifiers=channels,
        deliver_immediately=deliver == "immediate",
        max_delivery_attempts=max_delivery_attempts,
        retry_policy=retry_policy or RetryPolicy(),
        reminder_offsets=offsets,
        site_operators=operators,
        verification=verification,
    )
    try:
        # The chosen notifiers are built now so that their settings are
        # checked when the forum opens, not at the first message.
        for channel in channels:
            forum._notifier(channel)
    except BaseException:
        storage.close()
        raise
    return forum
