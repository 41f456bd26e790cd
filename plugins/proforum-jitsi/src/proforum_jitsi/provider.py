"""The ``jitsi`` video provider: unguessable rooms and a signed token per participant.

Nothing is called over the network.  A Jitsi room exists as soon as someone
opens its address, so "creating" a meeting is naming it, and what keeps
strangers out on a token-protected deployment is the JWT each participant
carries in ``?jwt=``.  A token cannot be withdrawn once issued; it is kept
short-lived instead (see :meth:`JitsiProvider.token_window`).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

import attrs

from proforum.domain.common import MemberId, Secret
from proforum.domain.meetup import MeetingRef
from proforum.errors import VideoProviderError
from proforum.ports.clock import Clock
from proforum.ports.context import AdapterContext
from proforum.ports.video import MeetingRequest, Participant, Registration
from proforum_jitsi.options import JitsiSettings, parse_options
from proforum_jitsi.rooms import is_room_name, new_room_name
from proforum_jitsi.tokens import encode

__all__ = ["NAME", "JitsiProvider", "JitsiProviderFactory", "TokenWindow"]

NAME: Final = "jitsi"
#: How far back ``nbf`` goes when the window starts now: servers' clocks drift
#: (the JaaS samples use the same ten seconds).
CLOCK_SKEW: Final = timedelta(seconds=10)

logger = logging.getLogger("proforum_jitsi")


@attrs.frozen
class TokenWindow:
    """When a token is valid: ``nbf`` to ``exp``, both aware UTC datetimes."""

    not_before: datetime
    expires: datetime


@attrs.frozen
class _Schedule:
    starts_at: datetime
    ends_at: datetime


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _refuse(operation: str, reason: str) -> VideoProviderError:
    return VideoProviderError(None, provider=NAME, operation=operation, reason=reason)


class JitsiProvider:
    """Names rooms and signs a personal join token for each registered participant.

    It remembers, in this process only, the schedule of the meetings it
    created or moved and the participants registered for them; meetings whose
    last token has expired are forgotten.  After a restart, tokens are valid
    for ``token_ttl`` from the call, and :meth:`join_link` gives members the
    room's address (see the README).  Thread-safe.

    ``repr()`` shows the settings' safe part only; the registry (names,
    addresses, room names) is never shown.
    """

    name: str = NAME
    #: Tokens carry the meeting's times: proforum issues them again after a move.
    reissue_links_on_move: bool = True

    def __init__(
        self,
        settings: JitsiSettings,
        clock: Clock,
        *,
        token_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        """Build a provider from checked settings.

        :param token_bytes: the random source for room names; the CSPRNG except in tests.
        """
        self.settings = settings
        self._clock = clock
        self._token_bytes = token_bytes
        self._lock = threading.Lock()
        self._schedules: dict[str, _Schedule] = {}
        self._registered: dict[str, dict[MemberId, Participant]] = {}

    def __repr__(self) -> str:
        return f"JitsiProvider(settings={self.settings!r})"

    # -- meetings -------------------------------------------------------------

    def create_meeting(self, request: MeetingRequest) -> MeetingRef:
        """Name a new room; its ``join_url`` is the address without any token.

        Nothing is sent anywhere, so a failure leaves nothing behind, and a
        retried call only names another room nobody will ever open.
        """
        room = new_room_name(self.settings.room_prefix, request.meetup_id, self._token_bytes)
        with self._lock:
            self._forget_past(self._clock.now())
            self._schedules[room] = _Schedule(request.starts_at, request.ends_at)
        logger.debug("jitsi: named a room for meetup %s", request.meetup_id)
        return MeetingRef(provider=NAME, meeting_id=room, join_url=Secret(self._room_url(room)))

    def update_meeting(self, meeting: MeetingRef, request: MeetingRequest) -> MeetingRef:
        """Record the new times; the room keeps its name.

        Only tokens signed from now on get the new window: those issued
        before keep the old one, and cannot be changed.  proforum reissues the
        links after a meetup moves (:attr:`reissue_links_on_move`).
        """
        room = self._room(meeting, "update_meeting")
        with self._lock:
            self._schedules[room] = _Schedule(request.starts_at, request.ends_at)
        return MeetingRef(provider=NAME, meeting_id=room, join_url=Secret(self._room_url(room)))

    def cancel_meeting(self, meeting: MeetingRef) -> None:
        """Forget the room and its registrations; new links get no token.

        A Jitsi room cannot be deleted (it disappears when empty), and tokens
        already handed out stay valid until they expire.
        """
        room = self._room(meeting, "cancel_meeting")
        with self._lock:
            self._schedules.pop(room, None)
            self._registered.pop(room, None)

    # -- participants ---------------------------------------------------------

    def register(
        self, meeting: MeetingRef, participants: Sequence[Participant]
    ) -> list[Registration]:
        """Sign a token for each participant; return their personal links, in order.

        Only a participant with ``host=True`` is a moderator.  The
        ``registrant_id`` is the member id: stable, and what a token's
        ``context.user.id`` says.

        :raises VideoProviderError: the meeting is not a Jitsi room of this
            provider, or it is over.
        """
        room = self._room(meeting, "register")
        window = self._window(room, "register")
        registrations = [
            Registration(
                member_id=p.member_id,
                join_url=self._personal_link(room, p, window),
                registrant_id=str(p.member_id),
            )
            for p in participants
        ]
        with self._lock:
            known = self._registered.setdefault(room, {})
            for participant in participants:
                known[participant.member_id] = participant
        logger.debug(
            "jitsi: signed %d join tokens valid for %d s",
            len(registrations),
            int((window.expires - window.not_before).total_seconds()),
        )
        return registrations

    def revoke(self, meeting: MeetingRef, registration: Registration) -> None:
        """Stop handing out tokens for this registration; issued ones cannot be recalled.

        A JWT is checked by signature and expiry alone: Jitsi has no server-side
        list to strike it from.  The member is forgotten here, so
        :meth:`join_link` gives them no new token; the one they hold works
        until its ``exp`` (the meeting's end plus ``grace_after_minutes``, or
        ``token_ttl_minutes``).  To lock someone out at once, rotate the secret
        or key, which invalidates everybody's tokens.
        """
        room = self._room(meeting, "revoke")
        with self._lock:
            self._registered.get(room, {}).pop(registration.member_id, None)

    def join_link(self, meeting: MeetingRef, member_id: MemberId) -> Secret:
        """A registered member's personal link, with a freshly signed token.

        A member who was not registered (in this process) gets the room's
        address without a token, which lets nobody in on a token-protected
        deployment: proforum registers everyone who needs a link and keeps
        the link :meth:`register` returned, so it does not call this for them.
        """
        room = self._room(meeting, "join_link")
        with self._lock:
            participant = self._registered.get(room, {}).get(member_id)
        if participant is None:
            return Secret(self._room_url(room))
        return self._personal_link(room, participant, self._window(room, "join_link"))

    def token(self, meeting: MeetingRef, participant: Participant) -> Secret:
        """A signed token alone, for an application that opens Jitsi itself (IFrame API)."""
        room = self._room(meeting, "token")
        return Secret(self._sign(room, participant, self._window(room, "token")))

    def token_window(self, meeting: MeetingRef) -> TokenWindow:
        """When a token for ``meeting`` issued now is valid.

        For a meeting this process created or moved: from ``join_before_minutes``
        before its start to ``grace_after_minutes`` after its end.  Otherwise
        (another process created it, or this one restarted): from now to
        ``token_ttl_minutes`` from now.

        :raises VideoProviderError: the meeting ended more than the grace ago.
        """
        return self._window(self._room(meeting, "token"), "token")

    def _window(self, room: str, operation: str) -> TokenWindow:
        now = self._clock.now()
        with self._lock:
            schedule = self._schedules.get(room)
        settings = self.settings
        if schedule is None:
            return TokenWindow(now - CLOCK_SKEW, now + settings.token_ttl)
        window = TokenWindow(
            schedule.starts_at - settings.join_before, schedule.ends_at + settings.grace_after
        )
        if now >= window.expires:
            raise _refuse(operation, "the meeting is over")
        return window

    # -- helpers --------------------------------------------------------------

    def _forget_past(self, now: datetime) -> None:
        # Called with the lock held.  A long-running process creates meetings
        # for ever: those whose last token has expired are dropped, with the
        # names and addresses registered for them.
        cutoff = now - self.settings.grace_after
        for room in [r for r, s in self._schedules.items() if s.ends_at <= cutoff]:
            del self._schedules[room]
            self._registered.pop(room, None)

    def _room(self, meeting: MeetingRef, operation: str) -> str:
        if meeting.provider != NAME:
            raise _refuse(operation, "the meeting belongs to another provider")
        if not is_room_name(meeting.meeting_id):
            raise _refuse(operation, "the meeting id is not a room name this provider makes")
        return meeting.meeting_id

    def _room_url(self, room: str) -> str:
        return f"{self.settings.room_base}/{room}"

    def _personal_link(self, room: str, participant: Participant, window: TokenWindow) -> Secret:
        return Secret(f"{self._room_url(room)}?jwt={self._sign(room, participant, window)}")

    def _sign(self, room: str, participant: Participant, window: TokenWindow) -> str:
        settings = self.settings
        moderator = "true" if participant.host else "false"
        # Every value in context.user must be a string: Jitsi throws on null,
        # so absent fields are left out rather than sent empty.
        user: dict[str, str] = {"id": str(participant.member_id)}
        if participant.display_name:
            user["name"] = participant.display_name
        if settings.share_email and participant.email:
            user["email"] = participant.email
        user["moderator"] = moderator
        context: dict[str, Any] = {"user": user}
        if settings.mode == "jaas":
            user["hidden-from-recorder"] = "false"
            # Features only work for moderators; everybody else gets them spelled
            # out as off, so nothing depends on JaaS's defaults.
            context["features"] = {
                feature: "true" if on and participant.host else "false"
                for feature, on in settings.features.items()
            }
        claims: dict[str, Any] = {
            "aud": settings.audience,
            "iss": settings.issuer,
            "sub": settings.subject,
            "room": room,
            "iat": _epoch(self._clock.now()),
            "nbf": _epoch(window.not_before),
            "exp": _epoch(window.expires),
            "context": context,
        }
        return encode(claims, settings.signer)


@attrs.frozen
class JitsiProviderFactory:
    """Registers :class:`JitsiProvider` under the name ``jitsi``."""

    name: str = NAME

    def create(self, context: AdapterContext, options: Mapping[str, Any]) -> JitsiProvider:
        """Check ``options`` and build the provider on the forum's clock.

        :raises JitsiNotConfigured: no options were given.
        :raises JitsiOptionInvalid: an option is unknown, missing or malformed.
        """
        return JitsiProvider(parse_options(options), context.clock)
