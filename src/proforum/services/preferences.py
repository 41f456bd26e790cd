"""Use cases of a member's notification preferences: which messages, on which channel."""

from __future__ import annotations

import attrs

from proforum.domain.common import MemberId
from proforum.domain.notification import MessageKind
from proforum.domain.preferences import MANDATORY_KINDS, NotificationPreference
from proforum.errors import InvalidPreference
from proforum.services.base import ForumBase


@attrs.frozen
class NotificationSettings:
    """Every channel and kind of message, and whether the member gets it there.

    ``preferences`` has one entry per (channel, kind), in the forum's channel
    order and :class:`MessageKind` order, with what the member chose or the
    default (on).  Kinds in :data:`mandatory` are always on.
    """

    member_id: MemberId
    channels: tuple[str, ...]
    preferences: tuple[NotificationPreference, ...]
    mandatory: frozenset[MessageKind] = MANDATORY_KINDS

    def enabled(self, channel: str, kind: MessageKind | str) -> bool:
        """Tell whether the member gets ``kind`` messages on ``channel``.

        :raises KeyError: no such channel or kind.
        """
        wanted = MessageKind(kind)
        for preference in self.preferences:
            if preference.channel == channel and preference.kind is wanted:
                return preference.enabled
        raise KeyError((channel, kind))


class PreferenceUseCases(ForumBase):
    """Reading and changing what a member wants to be told, and where."""

    def notification_preferences(self, actor: MemberId) -> NotificationSettings:
        """Return the actor's own choices for every channel and kind of message."""
        with self._transaction() as tx:
            tx.member(actor)
            chosen = {(p.channel, p.kind): p for p in tx.uow.preferences.for_member(actor)}
        return NotificationSettings(
            member_id=actor,
            channels=self._channels,
            preferences=tuple(
                chosen.get((channel, kind))
                or NotificationPreference(actor, channel, kind, enabled=True)
                for channel in self._channels
                for kind in MessageKind
            ),
        )

    def set_notification_preference(
        self, actor: MemberId, *, channel: str, kind: MessageKind | str, enabled: bool
    ) -> NotificationPreference:
        """Switch one kind of message on or off on one of the forum's channels, for the actor.

        :raises InvalidPreference: the channel is not one this forum delivers
            through, the kind does not exist, or ``enabled`` is not a bool.
        :raises PreferenceLocked: the kind is one every member must get.
        """
        if channel not in self._channels:
            raise InvalidPreference(channel, field="channel", allowed=", ".join(self._channels))
        try:
            wanted = MessageKind(kind)
        except ValueError:
            raise InvalidPreference(
                kind, field="kind", allowed=", ".join(k.value for k in MessageKind)
            ) from None
        if not isinstance(enabled, bool):
            raise InvalidPreference(enabled, field="enabled", allowed="True, False")
        preference = NotificationPreference(actor, channel, wanted, enabled=enabled)
        with self._transaction() as tx:
            tx.member(actor)
            tx.uow.preferences.put(preference)
        return preference
